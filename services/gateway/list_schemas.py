"""The answers of the catalogue, a citizen's own cases, the officer queue's paging and UserInfo, as
marshmallow schemas, declared on their routes for the OpenAPI document (services/gateway/openapi.py)."""
from marshmallow import Schema, fields, validate

from services.gateway.schemas import PlaceViewSchema
from services.intake.domain import my_cases
from services.intake.domain.status_words import LANGUAGES


class NamesSchema(Schema):
    en = fields.Str(required=True)
    bn = fields.Str(required=True)
    hi = fields.Str(required=True)


class CatalogEntrySchema(Schema):
    code = fields.Str(required=True, metadata={"description": "what clients send (a district's English name)"})
    names = fields.Nested(NamesSchema, required=True)


class CatalogCategorySchema(CatalogEntrySchema):
    department = fields.Str(required=True)
    urgent = fields.Bool(required=True)


class CatalogPlaceSchema(Schema):
    code = fields.Str(required=True, metadata={
        "description": "a stable code: a block's LGD code, an urban local body's slug. In `place.block` and "
                       "`place.municipality` clients send the English name (free text)"})
    names = fields.Nested(NamesSchema, required=True)


class CatalogDistrictSchema(CatalogEntrySchema):
    blocks = fields.List(fields.Nested(CatalogPlaceSchema), required=True, metadata={
        "description": "its community development blocks (rural); none for Kolkata"})
    municipalities = fields.List(fields.Nested(CatalogPlaceSchema), required=True, metadata={
        "description": "its urban local bodies: municipal corporations, municipalities, notified areas"})


class CatalogSchema(Schema):
    languages = fields.List(fields.Str(), required=True)
    districts = fields.List(fields.Nested(CatalogDistrictSchema), required=True)
    departments = fields.List(fields.Nested(CatalogEntrySchema), required=True)
    categories = fields.List(fields.Nested(CatalogCategorySchema), required=True)


class MyGrievanceSchema(Schema):
    tracking_id = fields.Str(required=True)
    kind = fields.Str()
    subject = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    place = fields.Nested(PlaceViewSchema)
    status = fields.Str(required=True)
    status_text = fields.Str(required=True, metadata={"description": "the status in plain words, in `language`"})
    created_at = fields.Str(required=True, metadata={"format": "date-time"})
    updated_at = fields.Str(metadata={"format": "date-time"})
    resolved_at = fields.Str(metadata={"format": "date-time"})
    supporters = fields.Int()
    level = fields.Int()


class MyGrievancesSchema(Schema):
    items = fields.List(fields.Nested(MyGrievanceSchema), required=True)
    next = fields.Str(allow_none=True, required=True, metadata={"description": "the next page's URL; null at the end"})
    language = fields.Str(allow_none=True, validate=validate.OneOf(LANGUAGES))


class QueuePagingSchema(Schema):
    """What paging adds to the queue's answer (`count` is every open case, `items` this page)."""
    next = fields.Str(allow_none=True, required=True, metadata={"description": "the next page's URL; null at the end"})


class UserInfoSchema(Schema):
    sub = fields.Str(required=True)
    phone_number = fields.Str(metadata={"description": "E.164, under the phone scope"})
    phone_number_verified = fields.Bool()
    name = fields.Str(metadata={"description": "under the profile scope, when known"})


class UserInfoRequestSchema(Schema):
    access_token = fields.Str(metadata={"description": "instead of the Authorization header (RFC 6750 section 2.2)"})


class MyGrievancesQuerySchema(Schema):
    limit = fields.Int(validate=validate.Range(1, my_cases.MAX_LIMIT), metadata={"description": "20 by default"})
    cursor = fields.Str(validate=validate.Length(max=200), metadata={"description": "from the `next` link"})
