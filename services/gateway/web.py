"""Reading requests and turning the platform's errors into HTTP answers."""
import json
import logging
from functools import wraps

import eventlet
from kombu.exceptions import OperationalError
from marshmallow import Schema
from nameko.exceptions import RemoteError, UnknownService
from werkzeug.wrappers import Response

from services.gateway.problems import from_error, problem
from services.gateway.responses import json_response
from shared.errors import PlatformError

log = logging.getLogger(__name__)

# What a service raises when its store, index or broker is unreachable (pymongo, elastic-transport, kombu):
# an outage to retry after (503), not a bug (500).
OUTAGE_ERRORS = frozenset({"AutoReconnect", "ConnectionFailure", "ServerSelectionTimeoutError", "NetworkTimeout",
                           "NotPrimaryError", "WaitQueueTimeoutError", "ConnectionError", "ConnectionTimeout",
                           "OperationalError"})
MAX_BODY_BYTES = 64 * 1024  # cheap phones on slow networks: bodies are small; attachments go elsewhere
MAX_DEPTH = 32  # the deepest body any route takes is 4 levels; the parser itself gives up near 1,000


class BadRequest(PlatformError):
    status = 400

    def body(self):
        return {"error": self.message, "fields": self.details}


class PayloadTooLarge(PlatformError):
    status = 413


class UnsupportedMediaType(PlatformError):
    status = 415

    def body(self):
        return {"error": self.message, "fields": self.details}


class Unavailable(PlatformError):
    status = 503
    headers = {"Retry-After": "30"}  # noqa: RUF012 (read only)


def json_body(request):
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=False, as_text=False)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes")
    if not raw:
        return {}
    if not (request.mimetype or "").endswith("json"):
        raise UnsupportedMediaType("send JSON", {"Content-Type": ["Must be application/json."]})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest("the body is not UTF-8", {"_body": [f"Not UTF-8 at byte {error.start}."]}) from None
    try:
        body = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequest("the body is nested too deeply", {"_body": [f"At most {MAX_DEPTH} levels."]}) from None
    except json.JSONDecodeError as error:
        raise BadRequest("the body is not valid JSON", {"_body": [str(error)]}) from None
    except ValueError:  # Python's limit on the digits of an integer
        raise BadRequest("the body is not valid JSON", {"_body": ["A number has too many digits."]}) from None
    check_shape(body)
    return body


def _refuse_constant(name):
    """Python's parser takes NaN and Infinity, which are not JSON."""
    raise BadRequest("the body is not valid JSON", {"_body": [f"{name} is not JSON."]})


def check_shape(body):
    """Refuse what JSON can carry but no store or route can take: nesting past MAX_DEPTH, and text with a
    lone surrogate (`\\ud800` is valid JSON, not valid Unicode: it would fail deep in a service as a 500)."""
    stack = [(body, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest("the body is nested too deeply", {_name(path): [f"At most {MAX_DEPTH} levels."]})
        if isinstance(value, dict):
            for key, item in value.items():
                if not _is_unicode(key):
                    raise BadRequest("a field name is not valid Unicode", {_name(path): ["Not valid Unicode."]})
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(index)), depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str) and not _is_unicode(value):
            raise BadRequest("text must be valid Unicode (no lone surrogates)",
                             {_name(path): ["Not valid Unicode: a lone surrogate."]})


def _is_unicode(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _name(path):
    return ".".join(path) or "_body"


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
    """Wrap an HTTP handler: platform errors become their status codes with a problem body. A handler
    returns (status, body, headers), or a Response of its own (a streamed export)."""
    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        try:
            result = handler(self, request, *args, **kwargs)
            if isinstance(result, Response):
                return result
            status, body, headers = result
        except PlatformError as error:
            return from_error(error, instance=request.path)
        except RemoteError as error:
            if error.exc_type in OUTAGE_ERRORS:  # a store or server restarting: nothing to fix, try again
                log.warning("a service's store is unreachable", extra={"error": error.exc_type})
                return problem(503, "a store is unavailable; try again in a minute", instance=request.path,
                               headers={"Retry-After": "60"})
            log.error("unexpected error from a service", extra={"error": str(error)})
            return problem(500, "something went wrong on our side; it has been logged", instance=request.path)
        return json_response(dumped(getattr(wrapper, "operation", None), status, body), status=status,
                             headers=headers)
    return wrapper


def dumped(operation, status, body):
    """The answer through the schema its operation documents for `status` (a schema class; a oneOf or a
    plain JSON Schema is the answer as it is)."""
    schema = operation.responses.get(status) if operation is not None else None
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return body
    return dumped_as(schema, body)


def dumped_as(schema, body):
    try:
        return schema().dump(body)
    except (TypeError, ValueError, AttributeError):
        # the service answered something its documented schema does not describe: a contract to fix, but
        # the caller still gets the service's answer rather than a 500
        log.error("an answer does not match its documented schema", extra={"schema": schema.__name__},
                  exc_info=True)
        return body
