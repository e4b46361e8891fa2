"""What the notification service accepts. Unknown fields are errors."""
import fnmatch

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.notification.domain.recipients import CITIZEN_CHANNELS, LANGUAGES
from shared import catalog
from shared.public_events import PUBLIC_TYPES
from shared.validators import INDIAN_MOBILE

ALL = "*"


def _event_pattern(value):
    """A public event type (`in.gov.wb.sorasori.grievance.filed.v1`), or a pattern with `*` that names some."""
    if not fnmatch.filter(PUBLIC_TYPES, value):
        raise ValidationError(f"Not a public event type, nor a pattern of some: {', '.join(PUBLIC_TYPES[:2])}, ...")


EVENTS = fields.Str(validate=_event_pattern)



class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class SmsSchema(StrictSchema):
    """identity's one-time passwords (the `send_sms` contract)."""
    to = fields.Str(required=True, validate=INDIAN_MOBILE)
    template = fields.Str(required=True, validate=validate.OneOf(("otp",)))
    language = fields.Str(load_default="en", validate=validate.OneOf(LANGUAGES))
    params = fields.Dict(required=True)

    @validates_schema
    def otp_params(self, data, **kwargs):
        params = data.get("params") or {}
        if not str(params.get("code", "")).isdigit() or not str(params.get("minutes", "")).isdigit():
            raise ValidationError({"params": ["Needs a numeric 'code' and 'minutes'."]})


class PreferencesSchema(StrictSchema):
    channels = fields.List(fields.Str(validate=validate.OneOf(CITIZEN_CHANNELS)), required=True,
                           validate=validate.Length(max=len(CITIZEN_CHANNELS)))
    language = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    quiet_hours = fields.Bool(load_default=True)


class StaffPreferencesSchema(StrictSchema):
    """A staff member's opt-outs: SMS, email or both (the in-app notices always stay)."""
    opt_out = fields.List(fields.Str(validate=validate.OneOf(CITIZEN_CHANNELS)), required=True,
                          validate=validate.Length(max=len(CITIZEN_CHANNELS)))


def _scope_list(choices, required=True, **kwargs):
    """Catalogue codes (departments) or names (districts), or `*` alone for all of them."""
    return fields.List(fields.Str(validate=validate.OneOf(list(choices) + [ALL])), required=required,
                       validate=[validate.Length(min=1, max=len(choices)), _alone(ALL)], **kwargs)


def _alone(value):
    def check(items):
        if value in items and len(items) > 1:
            raise ValidationError(f"'{value}' means all: name it alone.")
    return check


class SubscriberSchema(StrictSchema):
    """A system that reads the public event stream: which departments' and districts' events it may bind."""
    name = fields.Str(required=True, validate=validate.Length(min=3, max=80))
    departments = _scope_list(catalog.departments())
    districts = _scope_list(catalog.districts())


class SubscriptionSchema(StrictSchema):
    """A webhook: which public events (types, departments, districts) go to which URL."""
    id = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{2,63}$",
                                                             error="3-64 lower-case letters, digits and '-'."))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    events = fields.List(EVENTS, load_default=lambda: [ALL], validate=validate.Length(min=1, max=30))
    departments = _scope_list(catalog.departments(), required=False, load_default=lambda: [ALL])
    districts = _scope_list(catalog.districts(), required=False, load_default=lambda: [ALL])
    description = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))


class SubscriptionChangeSchema(StrictSchema):
    url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    events = fields.List(EVENTS, validate=validate.Length(min=1, max=30))
    departments = _scope_list(catalog.departments(), required=False)
    districts = _scope_list(catalog.districts(), required=False)
    description = fields.Str(allow_none=True, validate=validate.Length(max=200))
    active = fields.Bool()

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Name at least one field to change.")


class ListSchema(StrictSchema):
    limit = fields.Int(load_default=50, validate=validate.Range(1, 200))


class DeliveryReportSchema(StrictSchema):
    """The SMS provider's delivery report (DLR) on a message it accepted."""
    reference = fields.Str(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$", error="Not a delivery id."))
    status = fields.Str(required=True, validate=validate.OneOf(("delivered", "failed")))
    answer = fields.Str(load_default="", validate=validate.Length(max=200))
