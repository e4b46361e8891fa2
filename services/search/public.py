"""Public reads of the index: cases as anyone may see them (Open311's GET requests). Pure: builds the
request and the projection.

A case here is `project_public` (tracking id, subject masked as for other staff, category, status,
supporters, district and block or municipality) plus what a public tracker of service requests shows: the
department that holds it and its timestamps (filed, last changed, due by its SLA). Never the complainant,
the filer, the description or the exact location.
"""
from marshmallow import RAISE, Schema, fields, validate

from shared.catalog import categories
from shared.projections import project_public
from shared.validators import REAL_UTC_OFFSET
from shared.vocabulary import STATUSES

MAX_CASES = 1000  # GeoReport v2: "the first 1000 requests"
MAX_IDS = 200
SOURCE = ["tracking_id", "subject", "status", "category", "department", "place", "created_at", "updated_at",
          "sla_deadline", "supporters"]
TIMESTAMPS = ("created_at", "updated_at", "sla_deadline")


class PublicCasesSchema(Schema):
    class Meta:
        unknown = RAISE

    tracking_ids = fields.List(fields.Str(validate=validate.Length(1, 20)), load_default=list,
                               validate=validate.Length(max=MAX_IDS))
    categories = fields.List(fields.Str(validate=validate.OneOf(list(categories()))), load_default=list)
    statuses = fields.List(fields.Str(validate=validate.OneOf(STATUSES)), load_default=list)
    filed_from = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)
    filed_to = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)
    size = fields.Int(load_default=MAX_CASES, validate=validate.Range(1, MAX_CASES))


def request(params):
    """Newest first. Named tracking ids override every other filter (as Open311's service_request_id)."""
    if params["tracking_ids"]:
        filters = [{"ids": {"values": params["tracking_ids"]}}]
    else:
        filters = [{"terms": {field: params[name]}} for name, field in
                   (("categories", "category"), ("statuses", "status")) if params[name]]
        window = {op: params[name].isoformat() for op, name in (("gte", "filed_from"), ("lte", "filed_to"))
                  if params[name]}
        if window:
            filters.append({"range": {"created_at": window}})
    return {"query": {"bool": {"filter": filters}}, "size": params["size"], "_source": SOURCE,
            "sort": [{"created_at": "desc"}, {"tracking_id": "asc"}], "track_total_hits": False}


def public_case(source):
    """One indexed case as the public sees it."""
    shown = project_public(source)
    shown["department"] = source.get("department")
    for name in TIMESTAMPS:
        shown[name] = source.get(name)
    return shown
