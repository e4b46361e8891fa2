"""Error answers as RFC 9457 problem details (`application/problem+json`): type, title, status, detail,
instance, `errors` naming each bad field ({field: [messages]}, nested for nested bodies) and, where the
platform says more than which field is wrong (the actions allowed instead, a rate limit's rule), `details`.

`error` repeats `detail`: the shape clients read before problem details. It is deprecated and goes with
the next API version; new clients read `detail`.
"""
from http import HTTPStatus

from services.gateway.responses import json_response
from shared.errors import PlatformError

MEDIA_TYPE = "application/problem+json"
BLANK = "about:blank"  # the problem is what the status code says (RFC 9457 section 4.2.1)


def problem_body(status, detail, errors=None, details=None, instance=None):
    body = {"type": BLANK, "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    if details:
        body["details"] = details
    body["error"] = detail
    return body


def problem(status, detail, errors=None, details=None, instance=None, headers=None):
    return json_response(problem_body(status, detail, errors, details, instance), status=status,
                         headers=headers, mimetype=MEDIA_TYPE)


def from_error(error: PlatformError, instance=None):
    """A platform error (raised here or re-raised from a service's RPC) as a problem."""
    said = error.body()
    return problem(error.status, error.message, errors=said.get("fields"), details=said.get("details"),
                   instance=instance, headers=getattr(error, "headers", None))
