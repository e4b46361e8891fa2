"""Conditional requests on a case (RFC 9110 section 13): its version as a strong `ETag`, `If-None-Match` on
reading it (304), `If-Match` on acting on it (412 with the current state when the client's copy is old).

Intake guards the write by version, so the comparison and the write are one store operation; here only
the headers are read and written.
"""
import json
import re

from werkzeug.wrappers import Response

from services.gateway.client_http import GZIP_TAG
from services.gateway.responses import with_correlation_id

ANY = "*"
_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def etag(version):
    return f'"{version}"'


def _tags(header):
    """The entity tags a header lists, as (weak, opaque value); junk between them is skipped. A gzipped
    answer's tag ("7-gzip", client_http.py) names the same version as the plain one's."""
    return [(bool(weak), value.removesuffix(GZIP_TAG)) for weak, value in _TAG.findall(header or "")]


def if_match_versions(header):
    """What intake must find: None (no If-Match, or `*`: any current version), else the versions the
    client's copy may have. Strong comparison: a weak tag or a tag that is no version matches nothing."""
    if header is None or header.strip() == ANY:
        return None
    return [int(value) for weak, value in _tags(header) if not weak and value.isdigit()]


def not_modified(header, version):
    """If-None-Match names this version (weak comparison, as RFC 9110 asks for GET)."""
    if header is None:
        return False
    return header.strip() == ANY or any(value == str(version) for _, value in _tags(header))


def not_modified_answer(version):
    return with_correlation_id(Response(status=304, headers={"ETag": etag(version), "Cache-Control": "no-store"}))


def precondition_failed(error):
    """Intake's PreconditionFailed made ready for the client: the current case in `details.current` (it
    crossed the RPC as JSON text), its ETag beside it and in the `ETag` header. Raise what it returns; the
    route's error handling answers it like every other error."""
    current = json.loads((error.details or {})["current"])
    tag = etag(current["version"])
    error.details = {"etag": tag, "current": current}
    error.headers = {"ETag": tag}
    return error
