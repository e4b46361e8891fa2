import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService

from services.gateway.web import Unavailable, call


def raises(error):
    def method(*args):
        raise error
    return method


@pytest.mark.parametrize("error", [OperationalError("[Errno 111] ECONNREFUSED"), ConnectionRefusedError(),
                                   UnknownService("intake")])
def test_an_unreachable_broker_or_service_is_a_503_not_a_500(error):
    with pytest.raises(Unavailable) as raised:
        call("intake", raises(error))
    assert raised.value.status == 503


def test_a_slow_service_is_a_503_after_the_deadline():
    import eventlet

    with pytest.raises(Unavailable) as raised:
        call("intake", lambda: eventlet.sleep(1), timeout=0.05)
    assert "did not answer" in raised.value.message


def test_csv_cells_never_become_spreadsheet_formulas_and_pages_stream():
    from services.gateway.export import cell, csv_chunks

    assert cell("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert cell("+91 98300") == "'+91 98300" and cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("-12.5") == "-12.5" and cell(None) == "" and cell(True) == "true" and cell([2, 3]) == "2;3"
    chunks = list(csv_chunks(["id", "subject"], [["1", "জল নেই"]], iter([[["2", "a,b"]], [["3", "=1+1"]]])))
    assert chunks[0].startswith(b"\xef\xbb\xbf") and len(chunks) == 3
    assert b"".join(chunks).decode("utf-8-sig") == 'id,subject\r\n1,জল নেই\r\n2,"a,b"\r\n3,\'=1+1\r\n'


def test_every_gateway_route_shares_the_json_server():
    """A route declared with nameko's own `http` would start a second server (nameko's, with HTML errors)
    on the gateway's port: every route must come from services.gateway.http_server."""
    from nameko.web.handlers import HttpRequestHandler

    from services.gateway.http_server import JsonHttpRequestHandler
    from services.gateway.service import GatewayService

    routes = [(name, entrypoint) for name in dir(GatewayService)
              for entrypoint in getattr(getattr(GatewayService, name), "nameko_entrypoints", ())
              if isinstance(entrypoint, HttpRequestHandler)]
    assert len(routes) > 30
    assert [name for name, entrypoint in routes if not isinstance(entrypoint, JsonHttpRequestHandler)] == []


def test_bodies_past_the_depth_limit_or_with_lone_surrogates_are_named():
    from services.gateway.web import MAX_DEPTH, BadRequest, check_shape

    check_shape({"a": [{"b": "জল নেই 😀"}]})
    deep = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(BadRequest) as raised:
        check_shape({"subject": deep})
    assert "nested" in raised.value.message and next(iter(raised.value.details)).startswith("subject.0.0")
    with pytest.raises(BadRequest) as raised:
        check_shape({"complainant": {"name": "Mita \ud800"}, "attachments": [{"ref": "ok"}]})
    assert list(raised.value.details) == ["complainant.name"]
    with pytest.raises(BadRequest) as raised:
        check_shape({"attachments": [{"ref\udfff": "x"}]})
    assert list(raised.value.details) == ["attachments.0"]


@pytest.mark.parametrize("offset, ok", [("+14:00", True), ("-12:00", True), ("+05:30", True), ("+05:45", True),
                                        ("+14:01", False), ("-14:30", False), ("+19:10", False),
                                        ("+05:30:15", False)])
def test_utc_offsets_are_the_ones_places_use(offset, ok):
    from datetime import datetime

    from marshmallow import ValidationError

    from shared.validators import REAL_UTC_OFFSET

    moment = datetime.fromisoformat(f"2026-11-06T06:04:37{offset}")
    if ok:
        assert REAL_UTC_OFFSET(moment) is moment
    else:
        with pytest.raises(ValidationError):
            REAL_UTC_OFFSET(moment)
