"""What the routing service accepts over RPC."""
from marshmallow import RAISE, Schema, fields, validate

from services.routing.domain import queue_pages


class ClockCheckSchema(Schema):
    class Meta:
        unknown = RAISE

    now = fields.AwareDateTime(load_default=None, allow_none=True)


class ReassignSchema(Schema):
    class Meta:
        unknown = RAISE

    officer_id = fields.Str(required=True, validate=validate.Length(min=3, max=128))
    reason = fields.Str(required=True, validate=validate.Length(min=5, max=1000))


class QueuePageSchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Int(load_default=queue_pages.DEFAULT_LIMIT, validate=validate.Range(1, queue_pages.MAX_LIMIT))
    cursor = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=300))
