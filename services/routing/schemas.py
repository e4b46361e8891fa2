"""What the routing service accepts over RPC."""
from marshmallow import RAISE, Schema, fields, validate


class ClockCheckSchema(Schema):
    class Meta:
        unknown = RAISE

    now = fields.AwareDateTime(load_default=None, allow_none=True)


class ReassignSchema(Schema):
    class Meta:
        unknown = RAISE

    officer_id = fields.Str(required=True, validate=validate.Length(min=3, max=128))
    reason = fields.Str(required=True, validate=validate.Length(min=5, max=1000))
