"""The event envelope: CloudEvents 1.0 attributes, carried as JSON on the message bus.

Events are plain data (dicts). The `type` is also the AMQP routing key, e.g. `grievance.filed`. This module
checks the envelope; what each type's `data` holds is its contract in shared/contracts/events.py (producers
build it with `event_data`, consumers load it with `load_event_data`).
"""
import uuid
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.tracing import current_traceparent

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
SOURCE_PREFIX = "/sorasori/"
CORRELATION_ATTRIBUTE = "correlationid"  # CloudEvents extension attribute: lower-case letters only
TRACE_ATTRIBUTE = "traceparent"  # CloudEvents distributed-tracing extension (W3C traceparent, shared/tracing.py)


class InvalidEvent(Exception):
    """A message that is not a valid envelope: it can never be processed, so it is dead-lettered."""

    def __init__(self, errors):
        super().__init__(f"invalid event envelope: {errors}")
        self.errors = errors


def _rfc3339(value):
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("Not an RFC 3339 timestamp.")
    if parsed.tzinfo is None:
        raise ValidationError("Timestamp needs a time zone offset.")


class EventEnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.Str(required=True, validate=validate.Length(min=1, max=128))
    source = fields.Str(required=True, validate=validate.Length(min=1, max=256))
    type = fields.Str(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", error="Must look like 'grievance.filed'."),
    )
    specversion = fields.Str(required=True, validate=validate.Equal(SPECVERSION))
    time = fields.Str(required=True, validate=_rfc3339)
    subject = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=256))
    datacontenttype = fields.Str(load_default=CONTENT_TYPE, validate=validate.Equal(CONTENT_TYPE))
    data = fields.Dict(required=True)
    correlationid = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=64))
    # not checked further: a malformed trace must never dead-letter an event (consumers ignore it)
    traceparent = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=512))


_schema = EventEnvelopeSchema()


def json_data(value):
    """Plain JSON data: datetimes become RFC 3339 strings, tuples lists, recursively."""
    if isinstance(value, dict):
        return {key: json_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_data(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def new_event(event_type, source_service, data, subject=None, correlation_id=None, event_id=None, time=None,
              traceparent=None):
    """Build a validated envelope for an event that `source_service` emits (in the current worker's trace
    unless `traceparent` names another)."""
    envelope = {
        "id": event_id or uuid.uuid4().hex,
        "source": SOURCE_PREFIX + source_service,
        "type": event_type,
        "specversion": SPECVERSION,
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "subject": subject,
        "datacontenttype": CONTENT_TYPE,
        "data": json_data(data),
        CORRELATION_ATTRIBUTE: correlation_id,
        TRACE_ATTRIBUTE: traceparent or current_traceparent(),
    }
    return parse_event(envelope)


def parse_event(payload):
    """Validate an envelope received from anywhere; raise InvalidEvent naming every bad attribute."""
    if not isinstance(payload, dict):
        raise InvalidEvent({"_schema": ["An event must be a JSON object."]})
    try:
        return _schema.load(payload)
    except ValidationError as error:
        raise InvalidEvent(error.messages) from None
