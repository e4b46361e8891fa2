"""What other state systems see of the platform's events: which internal events are published, under which
versioned, namespaced type, with which data, under which routing key.

One definition for every outside audience: the public event stream (a topic exchange on its own vhost) and
webhooks carry the same CloudEvent. The data is named field by field (`PublicGrievance`): ids, kind,
category, department, district/block, status, level, the SLA's due time and breach, timestamps, rating and
supporters. The complainant, the filer, officers, free text and exact locations are never copied, so a field
a case gains later stays inside until it is added here on purpose.

Routing keys are `<department>.<district>.<name>`, e.g. `phe.bankura.grievance.filed.v1`, so a binding
(and a subscriber's topic permission) can filter on department and district: `phe.*.#`, `*.bankura.#`.
Pure.
"""
import re
from datetime import datetime
from typing import Any

from marshmallow import fields

from shared import catalog
from shared.contracts.base import Contract, optional, timestamp
from shared.vocabulary import STOPPED_STATUSES

NAMESPACE = "in.gov.wb.sorasori"
VERSION = 1
EXCHANGE = "sorasori.public"              # the one topic exchange on the public vhost
SOURCE = "/sorasori/grievances"           # CloudEvents `source` (a URI reference)
CONTENT_TYPE = "application/cloudevents+json"  # structured mode, AMQP and HTTP bindings
DATA_CONTENT_TYPE = "application/json"
SCHEMA_PATH = "/api/v1/events/schemas"    # the gateway serves `<SCHEMA_PATH>/<type>.json`
NO_KEY = "none"                           # a routing-key part the event does not know (yet)

# Internal event type -> public name. Edits, notes and assignment bookkeeping stay inside: they carry free
# text or say nothing an outside system can act on.
PUBLISHED: dict[str, str] = {
    "grievance.filed": "grievance.filed",
    "grievance.completed": "grievance.completed",
    "grievance.category_guessed": "grievance.categorised",
    "grievance.routed": "grievance.routed",
    "grievance.assigned": "grievance.assigned",
    "grievance.acknowledged": "grievance.acknowledged",
    "grievance.info_requested": "grievance.info_requested",
    "grievance.info_provided": "grievance.info_provided",
    "grievance.transferred": "grievance.transferred",
    "grievance.escalated": "grievance.escalated",
    "grievance.sla_breached": "grievance.sla_breached",
    "grievance.resolved": "grievance.resolved",
    "grievance.rejected": "grievance.rejected",
    "grievance.closed": "grievance.closed",
    "grievance.reopened": "grievance.reopened",
    "grievance.special_closed": "grievance.special_closed",
    "grievance.feedback_received": "grievance.rated",
    "grievance.supported": "grievance.supported",
}
BREACH_EVENT = "grievance.sla_breached"


def public_name(internal_type: str) -> str:
    """`grievance.filed` -> `grievance.filed.v1`: the type's name without the namespace."""
    return f"{PUBLISHED[internal_type]}.v{VERSION}"


def public_type(internal_type: str) -> str:
    """`grievance.filed` -> `in.gov.wb.sorasori.grievance.filed.v1`."""
    return f"{NAMESPACE}.{public_name(internal_type)}"


PUBLIC_TYPES: tuple[str, ...] = tuple(public_type(t) for t in PUBLISHED)


def _said(description, **metadata):
    """Field metadata the JSON Schema (`data_schema`) and the AsyncAPI document show."""
    return {"metadata": {"description": description, **metadata}}


_WHEN = {"format": "date-time"}


class SlaClock(Contract):
    due = optional(timestamp, required=True, **_said("when the current level's SLA ends (null: no clock yet)", **_WHEN))
    breached = fields.Bool(required=True, **_said("the SLA had passed when the event happened"))


class PublicGrievance(Contract):
    """The data of every public event: where a grievance stands, nothing about who raised it."""
    tracking_id = fields.Str(required=True, **_said("the grievance's public tracking ID", examples=["WB-2026-12345674"]))
    kind = optional(fields.Str, required=True, **_said("complaint, feedback or suggestion"))
    category = optional(fields.Str, required=True, **_said("the catalogue's category code"))
    department = optional(fields.Str, required=True, **_said("the department's code (GET /api/v1/catalog)"))
    district = optional(fields.Str, required=True, **_said("the district's name"))
    block = optional(fields.Str, required=True, **_said("the block, in a rural place"))
    municipality = optional(fields.Str, required=True, **_said("the urban local body, in a town"))
    status = optional(fields.Str, required=True,  # routing's decisions do not carry the case's status
                      **_said("the grievance's status after the event (null in routing's decisions)"))
    level = optional(fields.Int, required=True, **_said("the escalation level that holds it (1: the field office)"))
    sla = fields.Nested(SlaClock, required=True, **_said("the service level clock"))
    filed_at = optional(timestamp, required=True, **_said("when it was filed", **_WHEN))
    occurred_at = timestamp(required=True, **_said("when this event happened", **_WHEN))
    rating = optional(fields.Int, required=True, **_said("the complainant's rating, 1 to 5, once given"))
    supporters = optional(fields.Int, required=True, **_said("how many others said they have the same problem"))


_data_schema = PublicGrievance()


def key_part(value: str | None) -> str:
    """A routing-key word: lower case, anything but letters and digits as `_` (`Cooch Behar` -> `cooch_behar`)."""
    if not value:
        return NO_KEY
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_") or NO_KEY


def routing_key(data: dict, internal_type: str) -> str:
    return f"{key_part(data.get('department'))}.{key_part(data.get('district'))}.{public_name(internal_type)}"


def public_data(event: dict) -> dict | None:
    """The public data of an internal event envelope (its `data` already loaded), or None when the event type
    is not published."""
    internal_type = event.get("type")
    if internal_type not in PUBLISHED:
        return None
    data = event.get("data") or {}
    case = data.get("case")
    shown = _from_case(case, data) if case is not None else _from_decision(data)
    if shown.get("department") is None and shown.get("category"):
        shown["department"] = catalog.categories().get(shown["category"], {}).get("department")
    occurred = event["time"]
    due = shown.pop("due")
    breached = internal_type == BREACH_EVENT or (
        due is not None and shown.get("status") not in STOPPED_STATUSES and _later(occurred, due))
    shown.update(sla={"due": due, "breached": breached}, occurred_at=occurred)
    return _data_schema.dump(_data_schema.load(shown))


def to_cloudevent(event: dict, schema_base_url: str) -> dict | None:
    """The structured CloudEvent (JSON-ready dict) for an internal event, or None when it is not published.
    Its `id` is the internal event's, so a consumer that sees it twice (a redelivery) can tell."""
    data = public_data(event)
    if data is None:
        return None
    kind = public_type(event["type"])
    return {"specversion": "1.0", "id": event["id"], "source": SOURCE, "type": kind,
            "subject": data["tracking_id"], "time": event["time"], "datacontenttype": DATA_CONTENT_TYPE,
            "dataschema": schema_url(schema_base_url, kind), "data": data}


def schema_url(base_url: str, kind: str) -> str:
    return f"{base_url.rstrip('/')}{SCHEMA_PATH}/{kind}.json"


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def data_json_schema() -> dict:
    """`PublicGrievance` as JSON Schema, generated by apispec's marshmallow converter (OpenAPI 3.1's schemas are
    JSON Schema 2020-12): nested schemas inline, nullable fields as `["string", "null"]`, no other field allowed."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # None: inline, no $ref
    APISpec(title="public events", version=str(VERSION), openapi_version="3.1.0", plugins=[plugin])
    return plugin.converter.schema2jsonschema(PublicGrievance)


def data_schema(kind: str, base_url: str) -> dict:
    """The JSON Schema (2020-12) of the `data` of one public type, `$id` = where the gateway serves it.
    Raises KeyError for a type that is not published."""
    if kind not in PUBLIC_TYPES:
        raise KeyError(kind)
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_url(base_url, kind), "title": f"{kind} data",
            "description": PublicGrievance.__doc__, **data_json_schema()}


def _from_case(case: dict, data: dict) -> dict[str, Any]:
    place = case.get("place") or {}
    ratings = [f.get("rating") for f in case.get("feedback") or []]
    return {"tracking_id": case["tracking_id"], "kind": case.get("kind"), "category": case.get("category"),
            "department": data.get("department") if "department" in data and data.get("department")
            else case.get("department"),
            "district": place.get("district") or case.get("district"), "block": place.get("block"),
            "municipality": place.get("municipality"), "status": case.get("status"), "level": case.get("level"),
            "due": case.get("sla_deadline"), "filed_at": case.get("created_at"),
            "rating": data.get("rating", ratings[-1] if ratings else None), "supporters": case.get("supporters")}


def _from_decision(decision: dict) -> dict[str, Any]:
    return {"tracking_id": decision["tracking_id"], "kind": decision.get("kind"),
            "category": decision.get("category"), "department": decision.get("department"),
            "district": decision.get("district"), "block": None, "municipality": None, "status": None,
            "level": decision.get("level"), "due": decision.get("deadline"), "filed_at": None, "rating": None,
            "supporters": None}


def _later(first: str, second: str) -> bool:
    return datetime.fromisoformat(first) > datetime.fromisoformat(second)
