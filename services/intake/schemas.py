"""What the intake service accepts: marshmallow schemas for filing, officer actions and feedback.

Unknown fields are errors (a typo must not silently drop a fact). Missing facts the cell can collect by
phone (description, district, mobile) do not fail validation: the case is accepted as `incomplete`.
"""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.intake.domain import attachments, my_cases, status_words
from services.intake.domain.lifecycle import CITIZEN_ACTIONS, OFFICER_ACTIONS, REJECTION_REASONS
from shared.catalog import categories, departments, districts
from shared.validators import INDIAN_MOBILE
from shared.vocabulary import CHANNELS, KINDS, LANGUAGES, SPECIAL_CLOSE_REASONS, Kind, Language


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def text(max_length, required=False, min_length=0, **kwargs):
    return fields.Str(required=required, validate=validate.Length(min=min_length, max=max_length), **kwargs)


class GeoPointSchema(StrictSchema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class PlaceSchema(StrictSchema):
    """Where the matter happened, which may differ from where the complainant lives."""
    district = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(districts()))
    block = text(100, load_default=None, allow_none=True)
    municipality = text(100, load_default=None, allow_none=True)
    ward = text(50, load_default=None, allow_none=True)
    panchayat = text(100, load_default=None, allow_none=True)
    geo = fields.Nested(GeoPointSchema, load_default=None, allow_none=True)


class ResidenceSchema(StrictSchema):
    """Where the complainant lives: any state, so people outside West Bengal can complain too."""
    state = text(60, load_default="West Bengal")
    district = text(60, load_default=None, allow_none=True)
    address = text(300, load_default=None, allow_none=True)


class ComplainantSchema(StrictSchema):
    name = text(120, required=True, min_length=1)
    mobile = fields.Str(load_default=None, allow_none=True, validate=INDIAN_MOBILE)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    language = fields.Str(load_default=Language.BENGALI, validate=validate.OneOf(LANGUAGES))
    residence = fields.Nested(ResidenceSchema, load_default=lambda: {"state": "West Bengal"})


class AttachmentSchema(StrictSchema):
    ref = text(200, required=True, min_length=1)
    name = text(200, load_default=None, allow_none=True)
    content_type = text(100, load_default=None, allow_none=True)
    size = fields.Int(load_default=None, allow_none=True, validate=validate.Range(0, 10 * 1024 * 1024))


REF = validate.Regexp(r"^[0-9a-f]{32}$", error="Not an attachment reference.")
FILE_KINDS = {"image": ("image/jpeg", "image/png", "image/webp"), "pdf": ("application/pdf",)}


class StoredFileSchema(StrictSchema):
    """A file the gateway checked, cleaned and stored (services/gateway/attachments.py)."""
    ref = fields.Str(required=True, validate=REF)
    kind = fields.Str(required=True, validate=validate.OneOf(tuple(FILE_KINDS)))
    name = text(120, required=True, min_length=1)
    size = fields.Int(required=True, strict=True, validate=validate.Range(1, 1024 ** 3))
    content_type = fields.Str(required=True, validate=validate.OneOf(sum(FILE_KINDS.values(), ())))


class AttachSchema(StrictSchema):
    purpose = fields.Str(required=True, validate=validate.OneOf(attachments.PURPOSES))
    files = fields.List(fields.Nested(StoredFileSchema), required=True, validate=validate.Length(1, 20))


class AttachCheckSchema(StrictSchema):
    purpose = fields.Str(required=True, validate=validate.OneOf(attachments.PURPOSES))
    count = fields.Int(required=True, strict=True, validate=validate.Range(1, 20))


class GrievanceSchema(StrictSchema):
    kind = fields.Str(load_default=Kind.COMPLAINT, validate=validate.OneOf(KINDS))
    subject = text(200, required=True, min_length=3)
    description = text(5000, load_default="")
    category = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(list(categories())))
    place = fields.Nested(PlaceSchema, required=True)
    complainant = fields.Nested(ComplainantSchema, required=True)
    channel = fields.Str(required=True, validate=validate.OneOf(CHANNELS))
    # Files are attached once the case exists (POST /api/v1/grievances/{id}/attachments, purpose `filing`): a
    # reference given here would name no stored, checked file.
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list, validate=validate.Length(
        max=0, error="Attach files after filing: POST /api/v1/grievances/{{id}}/attachments with purpose filing."))
    # An officer filing for a caller may lift the monthly per-mobile limit.
    override_filing_limit = fields.Bool(load_default=False)


class EditableSchema(StrictSchema):
    subject = text(200, min_length=3)
    description = text(5000)
    category = fields.Str(allow_none=True, validate=validate.OneOf(list(categories())))
    place = fields.Nested(PlaceSchema)
    complainant = fields.Nested(ComplainantSchema)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Name at least one field to change.")


def action_schema(**declared):
    declared["action"] = fields.Str(required=True)
    return type("ActionSchema", (StrictSchema,), declared)


CONTACT_OUTCOMES = ("answered", "no_answer", "busy", "switched_off", "unreachable", "wrong_number",
                    "callback_requested")

ACTION_SCHEMAS = {
    "acknowledge": action_schema(note=text(1000, load_default=None, allow_none=True)),
    "start": action_schema(note=text(1000, load_default=None, allow_none=True)),
    "request_info": action_schema(question=text(1000, required=True, min_length=5)),
    "add_note": action_schema(text=text(2000, required=True, min_length=1),
                              visibility=fields.Str(load_default="internal",
                                                    validate=validate.OneOf(("internal", "public")))),
    "log_contact": action_schema(
        channel=fields.Str(load_default="phone", validate=validate.OneOf(("phone", "sms", "visit", "email"))),
        outcome=fields.Str(required=True, validate=validate.OneOf(CONTACT_OUTCOMES)),
        notes=text(1000, load_default=None, allow_none=True)),
    "edit_on_behalf": action_schema(
        changes=fields.Nested(EditableSchema, required=True),
        consent=fields.Str(required=True, validate=validate.OneOf(("verbal_on_call", "written", "in_person")))),
    "transfer": action_schema(department=fields.Str(required=True, validate=validate.OneOf(list(departments()))),
                              reason=text(1000, required=True, min_length=5)),
    "resolve": action_schema(resolution=text(4000, required=True, min_length=10)),
    "reject": action_schema(reason=fields.Str(required=True, validate=validate.OneOf(REJECTION_REASONS)),
                            explanation=text(2000, required=True, min_length=10)),
    "close": action_schema(note=text(1000, load_default=None, allow_none=True)),
    "provide_info": action_schema(text=text(4000, required=True, min_length=1)),
    "appeal": action_schema(reason=text(2000, required=True, min_length=5)),
    "special_close": action_schema(reason=fields.Str(required=True, validate=validate.OneOf(SPECIAL_CLOSE_REASONS)),
                                   text=text(2000, required=True, min_length=10)),
    "reopen_special_close": action_schema(reason=text(2000, required=True, min_length=5)),
}
assert set(ACTION_SCHEMAS) == set(OFFICER_ACTIONS) | set(CITIZEN_ACTIONS)


class FeedbackSchema(StrictSchema):
    rating = fields.Int(required=True, strict=True, validate=validate.Range(1, 5))
    comment = text(1000, load_default=None, allow_none=True)
    appeal = fields.Bool(load_default=False)


class SupportSchema(StrictSchema):
    comment = text(500, load_default=None, allow_none=True)


MAX_CLUSTER = 100


def _distinct(ids):
    if len(set(ids)) != len(ids):
        raise ValidationError("Name each case once.")


class ClusterResolutionSchema(StrictSchema):
    """One reply resolving a cluster of similar cases (CPGRAMS' bulk disposal)."""
    tracking_ids = fields.List(fields.Str(validate=validate.Length(max=20)), required=True,
                               validate=[validate.Length(2, MAX_CLUSTER), _distinct])
    resolution = text(4000, required=True, min_length=10)


class MyGrievancesSchema(StrictSchema):
    """A page of a citizen's own cases."""
    limit = fields.Int(load_default=my_cases.DEFAULT_LIMIT, validate=validate.Range(1, my_cases.MAX_LIMIT))
    cursor = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    language = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(status_words.LANGUAGES))
