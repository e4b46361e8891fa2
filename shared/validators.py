"""Validators shared by the services' schemas."""
import re
from datetime import timedelta

from marshmallow import ValidationError, validate

INDIAN_MOBILE = validate.Regexp(r"^(\+91)?[6-9]\d{9}$", error="Not a 10-digit Indian mobile number.")

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as an HTTP header carries it
IDEMPOTENCY_KEY_RULE = "1 to 255 visible ASCII characters."


def is_idempotency_key(key):
    return isinstance(key, str) and bool(IDEMPOTENCY_KEY.match(key))


MAX_UTC_OFFSET = timedelta(hours=14)  # the widest in use (Kiribati); Python takes up to 23:59, Elasticsearch 18:00


class RealUtcOffset(validate.Validator):
    """An aware datetime whose UTC offset is one a place really uses: whole minutes, -14:00 to +14:00."""

    def __call__(self, moment):
        offset = moment.utcoffset()
        if offset is not None and (abs(offset) > MAX_UTC_OFFSET or offset.total_seconds() % 60):
            raise ValidationError("The UTC offset must be whole minutes between -14:00 and +14:00.")
        return moment


REAL_UTC_OFFSET = RealUtcOffset()
