"""Responses (JSON here, CSV in export) that carry the request's correlation ID and trace back to the caller."""
import json

from werkzeug.wrappers import Response

from shared.correlation import HTTP_HEADER, current_correlation_id
from shared.tracing import RESPONSE_HEADER, current_traceparent

NO_STORE = {"Cache-Control": "no-store"}  # personal or per-caller data: no shared cache may keep it


def with_correlation_id(response):
    cid = current_correlation_id()
    if cid:
        response.headers[HTTP_HEADER] = cid
    traceparent = current_traceparent()
    if traceparent:
        response.headers[RESPONSE_HEADER] = traceparent  # the gateway's span: its trace_id is the caller's
    return response


def json_response(body, status=200, headers=None, mimetype="application/json"):
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return with_correlation_id(response)
