"""Building blocks of the contracts between services: strict schemas and JSON-shaped fields.

Contracts describe what crosses the bus as JSON, so timestamps stay RFC 3339 strings (loading one hands a
consumer exactly what the producer dumped) and unknown fields are errors (a producer that adds a field must
declare it here first).
"""
from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields


class Contract(Schema):
    """A strict schema: an undeclared field fails loading."""

    class Meta:
        unknown = RAISE
        ordered = True


def _rfc3339(value: str) -> None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("Not an RFC 3339 timestamp.") from None
    if parsed.tzinfo is None:
        raise ValidationError("Timestamp needs a time zone offset.")


def timestamp(**kwargs) -> fields.Str:
    """An RFC 3339 timestamp with its offset, kept as the string it is on the wire."""
    return fields.Str(validate=_rfc3339, **kwargs)


def optional(field_class: type[fields.Field], *args, **kwargs) -> fields.Field:
    """A field a producer may leave out or set to null."""
    return field_class(*args, allow_none=True, **kwargs)
