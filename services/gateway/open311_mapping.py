"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) in the platform's words, and back. Pure: no
I/O, no clock (callers pass `now`).

- services: the catalogue's categories (service_code = category code, group = its department). Routing needs
  the district where the matter happened and no geocoder turns lat/long into one, so each service asks for
  it as the attribute `district` (a list of the 23 districts), required unless the category is handled
  statewide (cyber fraud); `block`, `municipality` and `ward` are optional strings.
- a POSTed request becomes a grievance body for intake (channel `open311`); the subject is the
  description's first line, the address string joins the description (the platform has no free-text
  place field).
- a case becomes a service request from its public projection (services/search/public.py): the status
  open/closed by the platform's status groups, the address no finer than the block, never the complainant,
  the description (its masked subject stands in) or coordinates.
- JSON follows the Spark convention (containers are arrays), XML has no namespace and a UTF-8 declaration.
"""
import json
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.intake.domain.status_words import status_text
from shared.catalog import categories, departments, districts, names
from shared.validators import REAL_UTC_OFFSET
from shared.vocabulary import STOPPED_STATUSES, Channel, Kind, Scope, Status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00Z"  # move it when the catalogue's categories or attributes change
JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
MEDIA_TYPES = ("text/xml", "application/json")
OPEN, CLOSED = "open", "closed"  # vocabulary: Open311's two statuses, not ours
WINDOW = timedelta(days=90)   # GET requests: "the most recent 90 days", and no wider
MAX_REQUESTS = 1000           # GET requests: "the first 1000"
MAX_IDS = 200                 # service_request_id named at once
MAX_DESCRIPTION = 4000        # the spec's limit on description
SUBJECT_MAX, SUBJECT_MIN = 200, 3  # intake's subject
STATE = "West Bengal"

# Spark convention: a container of repeated elements is an array; in XML each item has this tag
ITEM_TAGS = {"services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
             "errors": "error", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """An answer in the spec's error format: [{code, description}], with the HTTP status."""

    def __init__(self, status, descriptions, headers=None):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = headers or {}

    def body(self):
        return [{"code": self.status, "description": text} for text in self.descriptions]


def field_errors(messages, prefix=""):
    """marshmallow's {field: [messages]} (nested for nested bodies) as one description a message."""
    found = []
    for name, said in sorted(messages.items(), key=lambda item: str(item[0])):
        path = f"{prefix}{name}"
        if isinstance(said, dict):
            found += field_errors(said, path + ".")
        else:
            found += [f"{path}: {message}" for message in (said if isinstance(said, list) else [said])]
    return found


# --- rendering --------------------------------------------------------------------------------------------

def render(fmt, root, data):
    """The answer's bytes in `fmt`. `root`: the XML root element (a list's container, e.g. "services")."""
    if fmt == JSON:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    element = ElementTree.Element(root)
    _fill(element, root, data)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="utf-8",
                                                                            xml_declaration=False)


def _fill(element, tag, value):
    if isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEM_TAGS[tag]), ITEM_TAGS[tag], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), key, item)
    elif value is not None:
        element.text = _xml_text(value)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry


def _xml_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


# --- discovery and services -------------------------------------------------------------------------------

def discovery(endpoint_url, production):
    return {"changeset": CHANGESET,
            "contact": "Sorasori Mukhyamantri, the Chief Minister's grievance cell, West Bengal",
            "key_service": "api_key is a machine client's credential, <client_id>:<client_secret>: ask the "
                           "platform's administrators for a client (POST /api/v1/admin/clients)",
            "endpoints": [{"specification": SPECIFICATION, "url": endpoint_url, "changeset": CHANGESET,
                           "type": "production" if production else "test", "formats": list(MEDIA_TYPES)}]}


def service_name(code):
    return names()["categories"][code]["en"] if code in categories() else None


def department_name(code):
    return departments().get(code) if code else None


def statewide(code):
    return bool(categories()[code].get("statewide"))


def service_notice(code):
    """What happens next, for a service (its department and SLA)."""
    if code not in categories():
        return None
    spec = categories()[code]
    where = "one state-level unit" if spec.get("statewide") else "the office of the district where it happened"
    urgent = " It is urgent: it is acted on first." if spec.get("urgent") else ""
    return (f"{department_name(spec['department'])} ({where}) acts on it within {spec['sla_days']} working "
            f"days; a missed deadline escalates it level by level up to the Chief Minister's cell.{urgent}")


def _keywords(code):
    """The category's keywords in Latin letters (the others are Bengali and Hindi spellings)."""
    found = [word for word in categories()[code].get("keywords") or () if word.isascii()]
    return ", ".join(found[:12]) or None


def services():
    return [{"service_code": code, "service_name": service_name(code),
             "description": service_notice(code),
             "metadata": True, "type": "realtime", "keywords": _keywords(code),
             "group": department_name(spec["department"])}
            for code, spec in categories().items()]


def attributes(code):
    """The facts a service asks for besides the spec's own fields."""
    place = "Where the matter happened, which may differ from where the person lives."
    return [
        {"variable": True, "code": "district", "datatype": "singlevaluelist", "required": not statewide(code),
         "datatype_description": "one of West Bengal's 23 districts", "order": 1,
         "description": f"District. {place}" + (" Optional: a state-level unit handles it." if statewide(code)
                                                else ""),
         "values": [{"key": district, "name": district} for district in districts()]},
        {"variable": True, "code": "block", "datatype": "string", "required": False,
         "datatype_description": "a community development block's name (GET /api/v1/catalog lists them)",
         "order": 2, "description": "Block, in a rural area."},
        {"variable": True, "code": "municipality", "datatype": "string", "required": False,
         "datatype_description": "a municipality's or municipal corporation's name", "order": 3,
         "description": "Municipality, in a town."},
        {"variable": True, "code": "ward", "datatype": "string", "required": False, "datatype_description": None,
         "order": 4, "description": "Ward or gram panchayat."},
    ]


ATTRIBUTE_LIMITS = {"block": 100, "municipality": 100, "ward": 50}


def service_definition(code):
    if code not in categories():
        raise Open311Error(404, [f"service_code {code} was not found"])
    return {"service_code": code, "attributes": attributes(code)}


# --- POST requests ----------------------------------------------------------------------------------------

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
INDIAN_MOBILE = re.compile(r"^[6-9]\d{9}$")


class RequestFormSchema(Schema):
    """POST requests' arguments (application/x-www-form-urlencoded), besides `attribute[code]`."""
    class Meta:
        unknown = RAISE

    api_key = fields.Str(required=True, metadata={"description": "<client_id>:<client_secret> of a machine client"})
    jurisdiction_id = fields.Str(validate=validate.Length(max=200), metadata={"description": "ignored: one jurisdiction"})
    service_code = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    lat = fields.Float(validate=validate.Range(-90, 90))
    long = fields.Float(validate=validate.Range(-180, 180))
    address_string = fields.Str(validate=validate.Length(max=500))
    address_id = fields.Str(validate=validate.Length(max=200), metadata={"description": "not supported: refused"})
    email = fields.Email(validate=validate.Length(max=254))
    device_id = fields.Str(validate=validate.Length(max=200), metadata={"description": "ignored"})
    account_id = fields.Str(validate=validate.Length(max=200), metadata={"description": "ignored"})
    first_name = fields.Str(validate=validate.Length(max=60))
    last_name = fields.Str(validate=validate.Length(max=60))
    phone = fields.Str(validate=validate.Length(max=20))
    description = fields.Str(validate=validate.Length(max=MAX_DESCRIPTION))
    media_url = fields.Str(validate=validate.Length(max=2000), metadata={"description": "not accepted: refused"})

    @validates_schema
    def complete(self, data, **kwargs):
        errors = {}
        if ("lat" in data) != ("long" in data):
            errors["long" if "lat" in data else "lat"] = ["Send lat and long together."]
        if "address_id" in data:
            errors["address_id"] = ["Not supported: there is no address repository; send lat and long or "
                                    "address_string."]
        elif "lat" not in data and not (data.get("address_string") or "").strip():
            errors["address_string"] = ["A location is required: lat and long, or address_string."]
        if "media_url" in data:
            errors["media_url"] = ["Media are not accepted through Open311."]
        if not (data.get("first_name") or "").strip() and not (data.get("last_name") or "").strip():
            errors["first_name"] = ["The person's name is required (first_name, last_name or both)."]
        if errors:
            raise ValidationError(errors)


_request_form = RequestFormSchema(exclude=("api_key",))  # the key is read (and exchanged) before the form


def split_form(form):
    """(the spec's arguments, {attribute code: [values]}) of a posted form (a MultiDict). An argument sent
    twice is an error; empty arguments are as if not sent ("Optional Arguments")."""
    arguments, attributes_sent, errors = {}, {}, {}
    for key in form:
        values = form.getlist(key)
        matched = ATTRIBUTE_KEY.match(key)
        if matched:
            attributes_sent.setdefault(matched.group(1), []).extend(v for v in values if v.strip())
            continue
        if len(values) > 1:
            errors[key] = ["Send it once."]
        elif values[0].strip() != "":
            arguments[key] = values[0]
    if errors:
        raise Open311Error(400, field_errors(errors))
    return arguments, attributes_sent


def grievance_from(arguments, attributes_sent):
    """A grievance body for intake from a POST's arguments (without api_key). Open311Error(400/404)."""
    arguments = {key: value for key, value in arguments.items() if key != "api_key"}
    try:
        loaded = _request_form.load(arguments)
    except ValidationError as error:
        raise Open311Error(400, field_errors(error.messages)) from None
    code = loaded["service_code"]
    if code not in categories():
        raise Open311Error(404, [f"service_code {code} was not found"])
    place = _place(code, attributes_sent)
    if "lat" in loaded:
        place["geo"] = {"lat": loaded["lat"], "lon": loaded["long"]}
    complainant = {"name": " ".join(part.strip() for part in (loaded.get("first_name"), loaded.get("last_name"))
                                    if part and part.strip())}
    if loaded.get("phone"):
        complainant["mobile"] = _mobile(loaded["phone"])
    if loaded.get("email"):
        complainant["email"] = loaded["email"]
    description = (loaded.get("description") or "").strip()
    address = (loaded.get("address_string") or "").strip()
    return {"kind": Kind.COMPLAINT, "subject": subject_of(description, code),
            "description": description + (f"\n\nAddress: {address}" if address else ""),
            "category": code, "place": place, "complainant": complainant, "channel": Channel.OPEN311}


def _place(code, sent):
    known = {attribute["code"] for attribute in attributes(code)}
    errors = {f"attribute[{name}]": [f"Not an attribute of service {code}."] for name in sent if name not in known}
    for name, values in sent.items():
        if name in known and len(values) > 1:
            errors[f"attribute[{name}]"] = ["Takes one value."]
    values = {name: sent[name][0] for name in known if sent.get(name)}
    district = values.get("district")
    if district is not None and district not in districts():
        errors["attribute[district]"] = ["Not a district of West Bengal (GET services/<code> lists them)."]
    if district is None and not statewide(code):
        errors["attribute[district]"] = ["Required for this service: the district where it happened."]
    for name, limit in ATTRIBUTE_LIMITS.items():
        if len(values.get(name) or "") > limit:
            errors[f"attribute[{name}]"] = [f"At most {limit} characters."]
    if errors:
        raise Open311Error(400, field_errors(errors))
    place = {"district": district}
    for name in ATTRIBUTE_LIMITS:
        if values.get(name):
            place[name] = values[name].strip()
    return place


def _mobile(phone):
    digits = PHONE_SEPARATORS.sub("", phone)
    for prefix in ("+91", "0091", "91", "0"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
            digits = digits[len(prefix):]
            break
    if not INDIAN_MOBILE.match(digits):
        raise Open311Error(400, ["phone: Not a 10-digit Indian mobile number."])
    return digits


def subject_of(description, code):
    """The description's first line (cut at a word, at most 200 characters), else the service's name."""
    line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if len(line) > SUBJECT_MAX:
        cut = line[:SUBJECT_MAX - 1]
        line = (cut.rsplit(" ", 1)[0] if " " in cut[SUBJECT_MAX // 2:] else cut) + "…"
    return line if len(line) >= SUBJECT_MIN else service_name(code)


def api_key_parts(api_key):
    """(client_id, client_secret) of an api_key, or Open311Error(403)."""
    client_id, colon, secret = (api_key or "").partition(":")
    if not colon or not client_id or not secret:
        raise Open311Error(403, ["api_key is missing or invalid: send <client_id>:<client_secret>"])
    return client_id, secret


def may_file(scope_claim):
    """Whether a machine client's token may file through Open311: its space-separated scopes include
    `open311` (intake checks the same through its `cases.file_open311` rule)."""
    return Scope.OPEN311 in str(scope_claim or "").split()


def created_answer(tracking_id, category):
    return [{"service_request_id": tracking_id, "service_notice": service_notice(category), "account_id": None}]


# --- GET requests -----------------------------------------------------------------------------------------

class RequestsQuerySchema(Schema):
    """GET requests' filters, as the spec names them (each a comma-separated list where it says so)."""
    class Meta:
        unknown = RAISE

    jurisdiction_id = fields.Str(validate=validate.Length(max=200), metadata={"description": "ignored: one jurisdiction"})
    service_request_id = fields.Str(validate=validate.Length(max=4000),
                                    metadata={"description": "comma-separated; overrides every other filter"})
    service_code = fields.Str(validate=validate.Length(max=4000), metadata={"description": "comma-separated"})
    start_date = fields.AwareDateTime(validate=REAL_UTC_OFFSET, metadata={"description": "w3 format, with a zone"})
    end_date = fields.AwareDateTime(validate=REAL_UTC_OFFSET, metadata={"description": "w3 format, with a zone"})
    status = fields.Str(validate=validate.Length(max=100), metadata={"description": "open, closed or both, comma-separated"})


_requests_query = RequestsQuerySchema()


def _listed(text):
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def requests_filter(args, now):
    """The search service's public_cases parameters for GET requests' query arguments (a dict of
    strings); None when nothing can match. Open311Error(400) naming what is wrong."""
    args = {key: value for key, value in args.items() if value.strip() != ""}
    try:
        query = _requests_query.load(args)
    except ValidationError as error:
        raise Open311Error(400, field_errors(error.messages)) from None
    ids = _listed(query.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, [f"service_request_id: At most {MAX_IDS} at once."])
        ids = [tracking_id for tracking_id in ids if len(tracking_id) <= 20]  # longer ones name no case
        return {"tracking_ids": ids, "size": len(ids)} if ids else None
    codes = _listed(query.get("service_code"))
    unknown = [code for code in codes if code not in categories()]
    if unknown:
        raise Open311Error(400, [f"service_code: {', '.join(unknown[:5])} is not a service code."])
    wanted = _listed(query.get("status"))
    if any(status not in (OPEN, CLOSED) for status in wanted):
        raise Open311Error(400, ["status: Either open or closed (or both, comma-separated)."])
    start, end = window(query.get("start_date"), query.get("end_date"), now)
    statuses = sorted({ours for status in wanted for ours in our_statuses(status)}) if wanted else []
    return {"categories": codes, "statuses": statuses, "filed_from": start.isoformat(),
            "filed_to": end.isoformat(), "size": MAX_REQUESTS}


def window(start, end, now):
    """The requested_datetime range: the most recent 90 days by default, never wider than 90 days."""
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise Open311Error(400, ["end_date: Must not be before start_date."])
    if end - start > WINDOW:
        raise Open311Error(400, ["end_date: The range may not span more than 90 days."])
    return start, end


def open_or_closed(status):
    return CLOSED if status in STOPPED_STATUSES else OPEN


def our_statuses(status):
    return [s for s in Status if open_or_closed(s) == status]


def w3(value):
    """A stored timestamp (ISO 8601 text or a datetime) as w3 format in UTC: 2026-11-30T01:02:03Z."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def address(place):
    """No finer than the block or municipality: "Onda, Bankura, West Bengal"."""
    place = place or {}
    parts = [place.get("block") or place.get("municipality"), place.get("district"), STATE]
    return ", ".join(part for part in parts if part)


def service_request(case):
    """A case in its public projection (search's public_cases) as a GeoReport v2 request."""
    category = case.get("category")
    return {"service_request_id": case["tracking_id"], "status": open_or_closed(case.get("status")),
            "status_notes": status_text(case.get("status"), "en"),
            "service_name": service_name(category), "service_code": category,
            "description": case.get("subject"),
            "agency_responsible": department_name(case.get("department")),
            "service_notice": service_notice(category),
            "requested_datetime": w3(case.get("created_at")),
            "updated_datetime": w3(case.get("updated_at") or case.get("created_at")),
            "expected_datetime": w3(case.get("sla_deadline")),
            "address": address(case.get("place"))}


def token_answer(tracking_id):
    return [{"service_request_id": tracking_id, "token": tracking_id}]
