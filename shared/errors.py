"""Errors that cross the RPC boundary as themselves (nameko re-raises them in the caller), so the
gateway can answer with the right HTTP status: 400, 403, 404, 409, 412, 422, 429."""
from nameko.exceptions import deserialize_to_instance


class PlatformError(Exception):
    status = 500

    def __init__(self, message, details=None):
        # nameko rebuilds the error in the caller from these args, each turned into text: a None would
        # come back as the string "None"
        super().__init__(*((message,) if details is None else (message, details)))
        self.message = message
        self.details = details

    def body(self):
        body = {"error": self.message}
        if self.details:
            body["details"] = self.details
        return body


@deserialize_to_instance
class ValidationFailed(PlatformError):
    """details: marshmallow's messages, keyed by field."""
    status = 400

    def body(self):
        return {"error": self.message, "fields": self.details}


@deserialize_to_instance
class Unauthenticated(PlatformError):
    status = 401


@deserialize_to_instance
class Forbidden(PlatformError):
    status = 403


@deserialize_to_instance
class InsufficientScope(Forbidden):
    """A machine client's token lacks the scope this needs. details: {"scope": the scope}; answered with
    RFC 6750's `WWW-Authenticate: Bearer error="insufficient_scope"`."""

    @property
    def headers(self):
        scope = (self.details or {}).get("scope", "") if isinstance(self.details, dict) else ""
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'}


@deserialize_to_instance
class NotFound(PlatformError):
    status = 404


@deserialize_to_instance
class Conflict(PlatformError):
    """details: {"allowed": [...]}, the actions allowed instead."""
    status = 409


@deserialize_to_instance
class Unprocessable(PlatformError):
    """Well-formed, but contradicts what the platform holds (an Idempotency-Key reused with another body)."""
    status = 422

    def body(self):
        return {"error": self.message, "fields": self.details}


@deserialize_to_instance
class PreconditionFailed(PlatformError):
    """An If-Match named another version than the current one. details: {"etag", "current": the case as
    the caller may see it}."""
    status = 412


@deserialize_to_instance
class RateLimited(PlatformError):
    status = 429


EXPECTED = (ValidationFailed, Unauthenticated, Forbidden, NotFound, Conflict, Unprocessable, PreconditionFailed,
            RateLimited)


def validated(schema, payload):
    """Load `payload` with `schema`, turning marshmallow's errors into ValidationFailed."""
    from marshmallow import ValidationError

    if not isinstance(payload, dict):
        raise ValidationFailed("the request body must be a JSON object", {"_schema": ["Expected an object."]})
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise ValidationFailed("invalid request: " + ", ".join(sorted(map(str, error.messages))),
                               error.messages) from None
