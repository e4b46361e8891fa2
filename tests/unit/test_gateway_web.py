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
