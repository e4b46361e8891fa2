"""JSON responses that carry the request's correlation ID back to the caller."""
import json

from werkzeug.wrappers import Response

from shared.correlation import HTTP_HEADER, current_correlation_id


def json_response(body, status=200, headers=None):
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    cid = current_correlation_id()
    if cid:
        response.headers[HTTP_HEADER] = cid
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
