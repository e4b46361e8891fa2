"""Reading requests and turning the platform's errors into HTTP answers."""
import json
import logging
from functools import wraps

import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from werkzeug.wrappers import Response

from services.gateway.responses import json_response
from shared.errors import PlatformError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # cheap phones on slow networks: bodies are small; attachments go elsewhere


class BadRequest(PlatformError):
    status = 400

    def body(self):
        return {"error": self.message, "fields": self.details}


class PayloadTooLarge(PlatformError):
    status = 413


class Unavailable(PlatformError):
    status = 503


def json_body(request):
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=False, as_text=False)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes")
    if not raw:
        return {}
    if not (request.mimetype or "").endswith("json"):
        raise BadRequest("send JSON", {"_body": ["Content-Type must be application/json."]})
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("the body is not valid JSON", {"_body": [str(error)]}) from None


def call(service_name, method, *args, timeout=10.0):
    """An RPC with a deadline: a service that does not answer gives 503, not a hung request."""
    try:
        with eventlet.Timeout(timeout):
            return method(*args)
    except eventlet.Timeout:
        raise Unavailable(f"the {service_name} service did not answer within {timeout:g}s; try again") from None
    except UnknownService:
        raise Unavailable(f"the {service_name} service is not running") from None
    except (OperationalError, ConnectionError, OSError):
        # the broker is down: nothing was accepted, so the caller may simply try again
        raise Unavailable("the platform's message bus is unreachable; try again in a minute") from None


def api(handler):
    """Wrap an HTTP handler: platform errors become their status codes with a JSON body. A handler
    returns (status, body, headers), or a Response of its own (a streamed export)."""
    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        try:
            result = handler(self, request, *args, **kwargs)
            if isinstance(result, Response):
                return result
            status, body, headers = result
        except PlatformError as error:
            return json_response(error.body(), status=error.status)
        except RemoteError as error:
            log.error("unexpected error from a service", extra={"error": str(error)})
            return json_response({"error": "internal error"}, status=500)
        return json_response(body, status=status, headers=headers)
    return wrapper
