"""Open311 GeoReport v2 at /open311/v2/, driven as civic clients drive it, on the real servers: the
`georeport` package from PyPI (services, service definitions, requests: GET only, JSON and XML) and a
client written from the spec's text (tests/integration/open311_client.py: discovery, POST, tokens, errors).
A request filed through Open311 is a normal grievance (channel open311, the machine client as filer); what
GET answers never carries the person, the description or the coordinates."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from georeport import GeoReport

from tests.integration.open311_client import Open311Client
from tests.integration.platform_client import ADMIN, CMO_CELL
from tests.integration.waiting import wait_for

W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
PERSON = {"first_name": "Mita", "last_name": "Das", "phone": "+91 98300 55501", "email": "mita.das@example.org"}
WHERE = {"lat": "23.2324", "long": "87.0691"}
DESCRIPTION = "The tube well by the Onda school has been broken for ten days.\nForty families walk 2 km for water."


def register_client(platform, client_id, scope):
    registered = platform.ok(platform.request("POST", "/api/v1/admin/clients", ADMIN,
                                              json={"client_id": client_id, "scope": scope}), 201)
    return f"{client_id}:{registered['client_secret']}"


def endpoint(platform):
    return platform.base + "/open311/v2"


def file_water_request(client, fmt="json", **overrides):
    arguments = {**PERSON, **WHERE, "description": DESCRIPTION, **overrides}
    return client.post_request("drinking_water", fmt, attributes={"district": "Bankura", "block": "Onda"},
                               **arguments)


def visible(client, tracking_id):
    """The request, once the search index has it."""
    def found():
        answer = client.request(tracking_id)
        return answer.data[0] if answer.status == 200 else None
    return wait_for(found, timeout=20, interval=0.2, what=f"{tracking_id} in GET requests/<id>")


def test_a_civic_client_lists_services_files_and_follows_a_request(platform):
    key = register_client(platform, "fixmystreet-wb", "open311")
    client = Open311Client(endpoint(platform), api_key=key)

    for fmt in ("json", "xml"):
        found = client.discovery(fmt)
        assert found.status == 200 and found.content_type.startswith({"json": "application/json",
                                                                       "xml": "text/xml"}[fmt])
        (entry,) = found.data["endpoints"]
        assert entry["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert entry["url"] == endpoint(platform) and set(entry["formats"]) == {"text/xml", "application/json"}
    assert client.discovery("xml").raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')

    # services and their definitions, through the PyPI client, in both formats
    as_json = GeoReport(endpoint(platform), output_format="json")
    services = {service["service_code"]: service for service in as_json.get_service_list()}
    assert services["drinking_water"]["metadata"] is True and services["drinking_water"]["type"] == "realtime"
    assert services["drinking_water"]["group"] == "Public Health Engineering"
    as_xml = GeoReport(endpoint(platform), output_format="xml")
    assert {service["service_code"] for service in as_xml.get_service_list()} == set(services)
    definition = as_json.get_service_definition("drinking_water")
    district = next(a for a in definition["attributes"] if a["code"] == "district")
    assert district["required"] is True and district["datatype"] == "singlevaluelist"
    assert {"key": "Bankura", "name": "Bankura"} in district["values"] and len(district["values"]) == 23
    cyber = as_xml.get_service_definition("cyber_fraud")
    cyber_district = next(a for a in cyber["attributes"]["attribute"] if a["code"] == "district")
    assert cyber_district["required"] == "false"  # a state-level unit handles it wherever it happened

    # POST with the api key, in JSON and in XML
    first = file_water_request(client)
    assert first.status == 200, first.text
    (created,) = first.data
    tracking_id = created["service_request_id"]
    assert re.match(r"^WB-\d{4}-\d{8}$", tracking_id) and "Public Health Engineering" in created["service_notice"]
    second = client.post_request("road_repair", "xml", attributes={"district": "Howrah", "municipality": "Uluberia"},
                                 address_string="NH16 near Uluberia station", first_name="Rafiq",
                                 description="A deep pothole on the service road has already toppled two bikes.")
    assert second.status == 200 and second.content_type.startswith("text/xml"), second.text
    other_id = second.data[0]["service_request_id"]

    # read back by id and by token, in both formats; no person, no description, no coordinates
    request = visible(client, tracking_id)
    assert request["status"] == "open" and request["service_code"] == "drinking_water"
    assert request["agency_responsible"] == "Public Health Engineering"
    assert request["address"] == "Onda, Bankura, West Bengal"
    assert request["description"] == "The tube well by the Onda school has been broken for ten days."
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3.match(request[field]), (field, request[field])
    assert request["expected_datetime"] > request["requested_datetime"]
    as_xml_request = client.request(tracking_id, "xml")
    assert as_xml_request.status == 200 and as_xml_request.data[0]["service_request_id"] == tracking_id
    assert as_xml_request.data[0]["status_notes"] == request["status_notes"]
    for answer in (client.request(tracking_id), as_xml_request, client.requests()):
        for secret in ("Mita", "Das", "98300", "55501", "example.org", "23.23", "87.06", "Forty families"):
            assert secret not in answer.text, secret
    token = client.token(tracking_id, "xml")
    assert token.status == 200 and token.data == [{"service_request_id": tracking_id, "token": tracking_id}]
    assert as_json.get_service_request(tracking_id)["service_request_id"] == tracking_id
    assert as_xml.get_service_request(tracking_id)["agency_responsible"] == "Public Health Engineering"

    # the request is a normal grievance: filed through intake by the client, channel open311
    case = platform.case(tracking_id, CMO_CELL)
    assert case["channel"] == "open311" and case["filed_by"]["id"] == "fixmystreet-wb"
    assert case["complainant"]["name"] == "Mita Das" and case["complainant"]["mobile"] == "9830055501"
    assert case["place"]["geo"] == {"lat": 23.2324, "lon": 87.0691} and case["place"]["district"] == "Bankura"
    assert platform.case(other_id, CMO_CELL)["description"].endswith("Address: NH16 near Uluberia station")

    # filters: ids, service codes, status, dates
    visible(client, other_id)
    both = client.requests(service_request_id=f"{tracking_id},{other_id},WB-2026-00000000")
    assert sorted(r["service_request_id"] for r in both.data) == sorted([tracking_id, other_id])
    roads = client.requests("xml", service_code="road_repair")
    assert [r["service_request_id"] for r in roads.data] == [other_id]
    assert {r["service_request_id"] for r in as_json.get_service_requests(status="open")} == {tracking_id, other_id}
    assert client.requests(status="closed").data == []
    reject = platform.act(other_id, CMO_CELL, action="reject", reason="duplicate",
                          explanation="The same pothole was reported last week.")
    assert reject.status_code == 200, reject.text
    wait_for(lambda: [r["service_request_id"] for r in client.requests(status="closed").data] == [other_id],
             timeout=20, interval=0.2, what="the rejected request to be closed")
    assert [r["service_request_id"] for r in client.requests(status="open").data] == [tracking_id]
    assert {r["service_request_id"] for r in client.requests(status="open,closed").data} == {tracking_id, other_id}
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.requests(start_date=tomorrow).data == []
    an_hour_ago = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(client.requests(start_date=an_hour_ago, end_date=tomorrow).data) == 2
    last_year = (now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.requests(end_date=last_year).data == []


def test_a_retry_with_the_same_idempotency_key_files_once(platform):
    """Not in the spec, as on every state-changing POST of the platform: the same key and form answer the
    first answer again (in its format); the same key with another form is a 422; no key, no phone: two."""
    client = Open311Client(endpoint(platform), api_key=register_client(platform, "wb-retry", "open311"))
    arguments = {"first_name": "Rupa", "address_string": "Onda bazar", "description": "Street light out for a week"}
    first, again = (client.post_request("municipal_services", "xml", attributes={"district": "Bankura"},
                                        headers={"Idempotency-Key": "open311-retry-1"}, **arguments)
                    for _ in range(2))
    assert first.status == again.status == 200, (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.content_type.startswith("text/xml")
    assert again.data == first.data
    other = client.post_request("municipal_services", attributes={"district": "Nadia"},
                                headers={"Idempotency-Key": "open311-retry-1"}, **arguments)
    assert other.status == 422 and other.errors()[0][0] == 422
    bad = client.post_request("municipal_services", attributes={"district": "Bankura"},
                              headers={"Idempotency-Key": "é"}, **arguments)
    assert bad.status == 400 and "Idempotency-Key" in bad.errors()[0][1]
    without = [client.post_request("municipal_services", attributes={"district": "Bankura"}, **arguments)
               for _ in range(2)]
    assert len({answer.data[0]["service_request_id"] for answer in without}) == 2


def test_errors_are_the_specs_documents_with_its_statuses(platform):
    key = register_client(platform, "wb-dashboard", "open311")
    client = Open311Client(endpoint(platform), api_key=key)

    def refused(answer, status, *words):
        assert answer.status == status, (answer.status, answer.text)
        errors = answer.errors()
        assert errors and all(code == status for code, _ in errors), errors
        said = " ".join(description for _, description in errors)
        assert all(word in said for word in words), said
        return said

    # 403: the api_key
    for fmt in ("json", "xml"):
        refused(file_water_request(client, fmt, api_key=""), 403, "api_key")
    refused(file_water_request(client, api_key="wb-dashboard"), 403, "api_key")
    refused(file_water_request(client, api_key="wb-dashboard:not-the-secret"), 403, "api_key")
    no_scope = register_client(platform, "wb-no-open311", "grievances:file")
    refused(file_water_request(client, api_key=no_scope), 403, "open311")
    xml = file_water_request(client, "xml", api_key="nobody:nothing")
    assert xml.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>403</code>')

    # 400: what is missing or wrong, each naming its argument
    refused(client.post_request("drinking_water", attributes={"district": "Bankura"}, first_name="Mita",
                                description="No water"), 400, "address_string")
    refused(file_water_request(client, long=""), 400, "long")
    refused(client.post_request("drinking_water", **PERSON, **WHERE), 400, "attribute[district]")
    refused(file_water_request(client, "xml", media_url="https://example.org/photo.jpg"), 400, "media_url")
    refused(file_water_request(client, phone="12345"), 400, "phone")
    refused(file_water_request(client, first_name="", last_name=""), 400, "first_name")
    refused(file_water_request(client, lat="91"), 400, "lat")
    refused(client.post_request("drinking_water", attributes={"district": "Atlantis"}, **PERSON, **WHERE),
            400, "attribute[district]")
    refused(client.post_request("drinking_water", attributes={"district": "Bankura", "colour": "red"},
                                **PERSON, **WHERE), 400, "attribute[colour]")
    refused(file_water_request(client, description="x" * 4001), 400, "description")
    refused(client.requests(start_date="2026-01-01"), 400, "start_date")
    refused(client.requests(start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"), 400, "90 days")
    refused(client.requests("xml", status="pending"), 400, "status")
    refused(client.requests(service_code="potholes"), 400, "service_code")
    refused(client.requests(colour="red"), 400, "colour")

    # 404: what does not exist
    refused(client.post_request("potholes", attributes={"district": "Bankura"}, **PERSON, **WHERE), 404,
            "potholes")
    refused(client.get("services/potholes", "xml"), 404, "potholes")
    refused(client.request("WB-2026-00000000", "xml"), 404)
    refused(client.token("nothing-like-this"), 404)
    refused(client.get("services", "yaml"), 404, "yaml")
    # a cyber fraud needs no district: a state-level unit takes it
    assert client.post_request("cyber_fraud", address_string="Online", first_name="Rupa",
                               description="Rs 20,000 taken by a fake KYC call").status == 200


@pytest.mark.parametrize("workers", [20])
def test_the_monthly_filing_limit_holds_under_concurrent_open311_posts(platform_with, workers):
    """Twenty requests at once from one phone, with a limit of 5 a month: intake's one conditional update
    lets exactly 5 through; the others are refused in the spec's format, 429."""
    from eventlet.greenpool import GreenPool

    platform = platform_with(FILINGS_PER_MOBILE_PER_MONTH=5)
    client = Open311Client(endpoint(platform), api_key=register_client(platform, "wb-burst", "open311"))

    def post(number):
        return file_water_request(client, description=f"Broken tube well number {number} in Onda block.")

    answers = list(GreenPool(workers).imap(post, range(workers)))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [200] * 5 + [429] * (workers - 5), statuses
    assert all(answer.errors()[0][0] == 429 for answer in answers if answer.status == 429)
    filed = {answer.data[0]["service_request_id"] for answer in answers if answer.status == 200}
    assert len(filed) == 5
