"""What the identity service accepts over RPC."""
from marshmallow import RAISE, Schema, fields, validate

from shared.validators import INDIAN_MOBILE


class OtpRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    mobile = fields.Str(required=True, validate=INDIAN_MOBILE)
    language = fields.Str(load_default="bn", validate=validate.OneOf(("bn", "en", "hi")))


class HttpRequestSchema(Schema):
    """An HTTP request the gateway forwards to the OAuth server."""
    class Meta:
        unknown = RAISE

    method = fields.Str(required=True, validate=validate.OneOf(("GET", "POST")))
    url = fields.Str(required=True, validate=validate.Length(max=2048))
    headers = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)
    form = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)


class MachineClientSchema(Schema):
    class Meta:
        unknown = RAISE

    client_id = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{2,63}$"))
    scope = fields.Str(load_default="grievances")
