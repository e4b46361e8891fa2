"""Open311 GeoReport v2 <-> the platform (services/gateway/open311_mapping.py) and the public read it serves
from (services/search/public.py): pure functions, no servers."""
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from services.gateway import open311_mapping as spec
from services.search import public
from shared.catalog import categories
from shared.vocabulary import STOPPED_STATUSES, Status

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
FORM = {"service_code": "drinking_water", "lat": "23.2324", "long": "87.0691", "first_name": "Mita",
        "last_name": "Das", "phone": "+91 98300-55501", "email": "mita@example.org",
        "description": "Tube well broken for ten days.\nForty families walk 2 km.", "api_key": "c:s"}
PLACE = {"district": "Bankura", "block": "Onda"}


def refused(call, status):
    with pytest.raises(spec.Open311Error) as error:
        call()
    assert error.value.status == status
    return " ".join(error.value.descriptions)


# --- documents ---------------------------------------------------------------------------------------------

def test_xml_follows_the_specs_shape_and_json_the_spark_convention():
    data = [{"service_code": "a", "metadata": True, "keywords": None}, {"service_code": "b & <c>",
                                                                        "metadata": False, "keywords": "x"}]
    xml = spec.render(spec.XML, "services", data)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<services><service>')
    root = ElementTree.fromstring(xml)
    assert [s.findtext("service_code") for s in root.findall("service")] == ["a", "b & <c>"]
    assert root.find("service/metadata").text == "true" and root.find("service/keywords").text is None
    assert spec.render(spec.JSON, "services", data).decode() == (
        '[{"service_code": "a", "metadata": true, "keywords": null}, '
        '{"service_code": "b & <c>", "metadata": false, "keywords": "x"}]')
    definition = ElementTree.fromstring(spec.render(spec.XML, "service_definition",
                                                    spec.service_definition("drinking_water")))
    values = definition.findall("attributes/attribute/values/value")
    assert len(values) == 23 and values[0].findtext("key") == "Alipurduar"


def test_characters_xml_cannot_carry_are_left_out():
    xml = spec.render(spec.XML, "errors", [{"code": 400, "description": "bad\x00 \x1bvalue\u0985"}])
    assert ElementTree.fromstring(xml).findtext("error/description") == "bad value\u0985"


def test_errors_are_a_list_of_code_and_description():
    error = spec.Open311Error(400, ["lat: Send lat and long together.", "phone: Not a mobile."])
    assert error.body() == [{"code": 400, "description": "lat: Send lat and long together."},
                            {"code": 400, "description": "phone: Not a mobile."}]
    assert spec.field_errors({"complainant": {"mobile": ["Bad."]}, "a": "Said once."}) == [
        "a: Said once.", "complainant.mobile: Bad."]


def test_every_category_is_a_service_and_statewide_ones_need_no_district():
    services = {service["service_code"]: service for service in spec.services()}
    assert set(services) == set(categories())
    water = services["drinking_water"]
    assert water["group"] == "Public Health Engineering" and water["metadata"] is True
    assert "3 working days" in water["description"] and "urgent" in water["description"]
    assert "tube well" in water["keywords"] and all(word.isascii() for word in water["keywords"])
    required = {code: next(a for a in spec.attributes(code) if a["code"] == "district")["required"]
                for code in categories()}
    assert required["cyber_fraud"] is False and sum(required.values()) == len(categories()) - 1
    assert refused(lambda: spec.service_definition("potholes"), 404) == "service_code potholes was not found"


def test_discovery_names_the_endpoint_its_formats_and_its_type():
    found = spec.discovery("https://sorasori.wb.gov.in/open311/v2", production=False)
    (endpoint,) = found["endpoints"]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": "https://sorasori.wb.gov.in/open311/v2", "changeset": spec.CHANGESET,
                        "type": "test", "formats": ["text/xml", "application/json"]}
    assert set(found) == {"changeset", "contact", "key_service", "endpoints"}


# --- POST ------------------------------------------------------------------------------------------------

def grievance(form=FORM, attributes=None):
    return spec.grievance_from(dict(form), {"district": ["Bankura"], "block": ["Onda"]}
                               if attributes is None else attributes)


def test_a_posted_request_becomes_a_grievance_on_the_open311_channel():
    body = grievance()
    assert body == {"kind": "complaint", "subject": "Tube well broken for ten days.",
                    "description": "Tube well broken for ten days.\nForty families walk 2 km.",
                    "category": "drinking_water",
                    "place": {"district": "Bankura", "block": "Onda", "geo": {"lat": 23.2324, "lon": 87.0691}},
                    "complainant": {"name": "Mita Das", "mobile": "9830055501", "email": "mita@example.org"},
                    "channel": "open311"}
    from services.intake.schemas import GrievanceSchema

    assert GrievanceSchema().load(body)["channel"] == "open311"  # intake takes it as it is


def test_an_address_string_joins_the_description_and_a_bare_request_takes_the_services_name():
    form = {"service_code": "drinking_water", "address_string": "Onda school, Bankura", "last_name": "Das"}
    body = grievance(form)
    assert body["subject"] == spec.service_name("drinking_water")
    assert body["description"] == "\n\nAddress: Onda school, Bankura" and "geo" not in body["place"]
    assert body["complainant"] == {"name": "Das"}


def test_a_long_first_line_is_cut_at_a_word():
    subject = spec.subject_of("word " * 100, "drinking_water")
    assert len(subject) <= 200 and subject.endswith("word…")


@pytest.mark.parametrize("phone, mobile", [("9830055501", "9830055501"), ("+91 98300 55501", "9830055501"),
                                           ("098300-55501", "9830055501"), ("(91) 9830055501", "9830055501")])
def test_phones_are_read_as_indian_mobiles(phone, mobile):
    assert grievance({**FORM, "phone": phone})["complainant"]["mobile"] == mobile


@pytest.mark.parametrize("change, attributes, status, named", [
    ({"lat": None}, None, 400, "lat"),
    ({"lat": None, "long": None}, None, 400, "address_string"),
    ({"media_url": "https://example.org/a.jpg"}, None, 400, "media_url"),
    ({"address_id": "545483"}, None, 400, "address_id"),
    ({"first_name": None, "last_name": None}, None, 400, "first_name"),
    ({"phone": "12345"}, None, 400, "phone"),
    ({"lat": "91"}, None, 400, "lat"),
    ({"description": "x" * 4001}, None, 400, "description"),
    ({"colour": "red"}, None, 400, "colour"),
    ({"service_code": "potholes"}, None, 404, "potholes"),
    ({}, {}, 400, "attribute[district]"),
    ({}, {"district": ["Atlantis"]}, 400, "attribute[district]"),
    ({}, {"district": ["Bankura", "Nadia"]}, 400, "attribute[district]"),
    ({}, {"district": ["Bankura"], "colour": ["red"]}, 400, "attribute[colour]"),
    ({}, {"district": ["Bankura"], "block": ["b" * 101]}, 400, "attribute[block]"),
])
def test_bad_requests_name_what_is_wrong(change, attributes, status, named):
    form = {key: value for key, value in {**FORM, **change}.items() if value is not None}
    assert named in refused(lambda: grievance(form, attributes), status)


def test_a_statewide_service_files_without_a_district():
    body = grievance({**FORM, "service_code": "cyber_fraud"}, {})
    assert body["place"] == {"district": None, "geo": {"lat": 23.2324, "lon": 87.0691}}


def test_the_form_is_split_into_arguments_and_attributes():
    form = MultiDict([("api_key", "c:s"), ("attribute[district]", "Bankura"), ("attribute[ward][]", "7"),
                      ("attribute[ward][]", "8"), ("email", ""), ("jurisdiction_id", "wb.gov.in")])
    arguments, attributes = spec.split_form(form)
    assert arguments == {"api_key": "c:s", "jurisdiction_id": "wb.gov.in"}  # an empty argument is not sent
    assert attributes == {"district": ["Bankura"], "ward": ["7", "8"]}
    assert "phone" in refused(lambda: spec.split_form(MultiDict([("phone", "1"), ("phone", "2")])), 400)


@pytest.mark.parametrize("key", [None, "", "client-only", ":secret", "client:"])
def test_an_api_key_is_a_client_id_and_secret(key):
    assert "api_key" in refused(lambda: spec.api_key_parts(key), 403)


def test_the_api_key_splits_at_the_first_colon():
    assert spec.api_key_parts("fixmystreet-wb:se:cret") == ("fixmystreet-wb", "se:cret")


@pytest.mark.parametrize("scope, allowed", [(None, False), ("open311", True), ("grievances:file open311", True),
                                            ("grievances", False), ("", False), ("open3110", False)])
def test_a_token_with_scopes_must_name_open311(scope, allowed):
    assert spec.may_file(scope) is allowed


# --- GET requests ------------------------------------------------------------------------------------------

def test_the_default_window_is_the_last_90_days_and_none_is_wider():
    assert spec.window(None, None, NOW) == (NOW - timedelta(days=90), NOW)
    start = NOW - timedelta(days=200)
    assert spec.window(start, None, NOW) == (start, start + timedelta(days=90))
    assert spec.window(None, start, NOW) == (start - timedelta(days=90), start)
    assert spec.window(start, start + timedelta(days=90), NOW) == (start, start + timedelta(days=90))
    assert "90 days" in refused(lambda: spec.window(start, start + timedelta(days=90, seconds=1), NOW), 400)
    assert "end_date" in refused(lambda: spec.window(NOW, start, NOW), 400)


def test_filters_become_the_public_read_of_the_index():
    found = spec.requests_filter({"service_code": "drinking_water, road_repair", "status": "closed",
                                  "start_date": "2026-11-01T00:00:00+05:30", "end_date": ""}, NOW)
    assert found == {"categories": ["drinking_water", "road_repair"], "statuses": ["closed", "rejected", "resolved", "special_closed"],
                     "filed_from": "2026-11-01T00:00:00+05:30", "filed_to": "2027-01-30T00:00:00+05:30",
                     "size": 1000}
    opened = spec.requests_filter({"status": "open"}, NOW)["statuses"]
    assert "filed" in opened and "incomplete" in opened and "closed" not in opened
    assert spec.requests_filter({"status": "open,closed"}, NOW)["statuses"] == sorted(Status)


def test_named_ids_override_every_other_filter():
    found = spec.requests_filter({"service_request_id": "WB-2026-00000001, WB-2026-00000002",
                                  "status": "closed", "service_code": "road_repair"}, NOW)
    assert found == {"tracking_ids": ["WB-2026-00000001", "WB-2026-00000002"], "size": 2}
    assert spec.requests_filter({"service_request_id": "x" * 30}, NOW) is None  # nothing can match
    assert "At most 200" in refused(lambda: spec.requests_filter(
        {"service_request_id": ",".join(["WB-2026-00000001"] * 201)}, NOW), 400)


@pytest.mark.parametrize("args, named", [
    ({"status": "pending"}, "status"), ({"service_code": "potholes"}, "service_code"),
    ({"start_date": "2026-11-01"}, "start_date"), ({"end_date": "yesterday"}, "end_date"),
    ({"start_date": "2026-11-01T00:00:00+25:00"}, "start_date"), ({"colour": "red"}, "colour"),
])
def test_bad_filters_are_400s_naming_them(args, named):
    assert named in refused(lambda: spec.requests_filter(args, NOW), 400)


CASE = {"tracking_id": "WB-2026-00000001", "subject": "No water; call 98******01", "status": "in_progress",
        "category": "drinking_water", "department": "phe", "place": {"district": "Bankura", "block": "Onda"},
        "created_at": "2026-11-29T10:15:30.123456+00:00", "updated_at": "2026-11-29T16:00:00+05:30",
        "sla_deadline": "2026-12-02T10:15:30+00:00", "supporters": 2, "created_on": "2026-11-29"}


def test_a_case_becomes_a_service_request():
    assert spec.service_request(CASE) == {
        "service_request_id": "WB-2026-00000001", "status": "open", "status_notes": spec.status_text(
            "in_progress", "en"), "service_name": spec.service_name("drinking_water"),
        "service_code": "drinking_water", "description": "No water; call 98******01",
        "agency_responsible": "Public Health Engineering", "service_notice": spec.service_notice("drinking_water"),
        "requested_datetime": "2026-11-29T10:15:30Z", "updated_datetime": "2026-11-29T10:30:00Z",
        "expected_datetime": "2026-12-02T10:15:30Z", "address": "Onda, Bankura, West Bengal"}
    closed = spec.service_request({**CASE, "status": "rejected", "category": None, "department": None,
                                   "place": {"district": "Howrah", "municipality": "Uluberia"},
                                   "updated_at": None, "sla_deadline": None})
    assert closed["status"] == "closed" and closed["service_code"] is None and closed["agency_responsible"] is None
    assert closed["address"] == "Uluberia, Howrah, West Bengal" and closed["expected_datetime"] is None
    assert closed["updated_datetime"] == closed["requested_datetime"]


def test_every_status_is_open_or_closed_and_only_stopped_ones_are_closed():
    assert {spec.open_or_closed(status) for status in Status} == {"open", "closed"}
    assert set(spec.our_statuses("closed")) == set(STOPPED_STATUSES)


def test_the_public_read_keeps_no_person_no_description_no_coordinates():
    indexed = {**CASE, "description": "Call Mita at 9830055501", "place": {**CASE["place"], "geo": {"lat": 23.2,
                                                                                                     "lon": 87.1}},
               "channel": "open311", "level": 1, "phonetic": "x", "rating": 4, "complainant": {"name": "Mita"}}
    shown = public.public_case(indexed)
    assert set(shown) == {"tracking_id", "subject", "category", "status", "supporters", "place", "created_on",
                          "department", "created_at", "updated_at", "sla_deadline"}
    assert shown["place"] == {"district": "Bankura", "block": "Onda"}
    assert "9830055501" not in str(shown) and "Mita" not in str(shown)


def test_the_public_read_asks_for_ids_or_filters_newest_first():
    schema = public.PublicCasesSchema()
    by_ids = public.request(schema.load({"tracking_ids": ["WB-2026-00000001"], "statuses": ["closed"], "size": 1}))
    assert by_ids["query"] == {"bool": {"filter": [{"ids": {"values": ["WB-2026-00000001"]}}]}}
    filtered = public.request(schema.load({"categories": ["drinking_water"], "statuses": ["filed"],
                                           "filed_from": "2026-11-01T00:00:00+00:00"}))
    assert filtered["query"]["bool"]["filter"] == [
        {"terms": {"category": ["drinking_water"]}}, {"terms": {"status": ["filed"]}},
        {"range": {"created_at": {"gte": "2026-11-01T00:00:00+00:00"}}}]
    assert filtered["size"] == 1000 and filtered["sort"][0] == {"created_at": "desc"}
    assert "description" not in filtered["_source"] and "complainant" not in filtered["_source"]
    with pytest.raises(ValidationError):
        schema.load({"size": 1001})
