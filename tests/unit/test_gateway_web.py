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
