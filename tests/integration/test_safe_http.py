"""SafeHttp against real listeners on this machine: it connects to the address it checked, yet speaks
TLS to the host name (SNI, certificate verified for the name, Host header), follows no redirect and
reads no answer body."""
import ssl

import eventlet
import eventlet.wsgi
import pytest
from werkzeug.wrappers import Request, Response

from services.notification.channels.safe_http import SafeHttp, TargetRefused, Unreachable
from tests.integration.receivers import HttpServer, self_signed_certificate

NAME = "hooks.sorasori.test"  # not in any DNS: only the injected resolver knows it


def to_loopback(host, port):
    return {NAME: ["127.0.0.1"]}[host]


class TlsReceiver:
    """An HTTPS server with the given certificate that records the SNI names and requests it sees."""

    def __init__(self, cert, key):
        self.server_names, self.requests = [], []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.socket = context.wrap_socket(eventlet.listen(("127.0.0.1", 0)), server_side=True)
        self.port = self.socket.getsockname()[1]
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.socket, self.app, log_output=False)

    @Request.application
    def app(self, request):
        self.requests.append({"host": request.headers.get("Host"), "path": request.full_path,
                              "body": request.get_data()})
        return Response("accepted, here is a long answer nobody should keep", status=202)

    def stop(self):
        self.thread.kill()
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture
def certificates(tmp_path):
    return {"right": self_signed_certificate(tmp_path, names=[NAME]),
            "wrong": self_signed_certificate(tmp_path, names=["someone-else.example.org"])}


def test_https_goes_to_the_checked_address_with_sni_and_the_certificate_verified_for_the_name(certificates):
    cert, key = certificates["right"]
    with TlsReceiver(cert, key) as receiver:
        http = SafeHttp(allow_private=True, timeout=5, resolver=to_loopback, ca_file=str(cert))
        answer = http.post(f"https://{NAME}:{receiver.port}/hook?x=1", b'{"a":1}', {"Content-Type": "application/json"})
        assert answer.status == 202 and answer.address == "127.0.0.1"
        assert receiver.server_names == [NAME]
        assert receiver.requests == [{"host": f"{NAME}:{receiver.port}", "path": "/hook?x=1", "body": b'{"a":1}'}]


def test_a_certificate_for_another_name_is_refused_before_anything_is_sent(certificates):
    cert, key = certificates["wrong"]
    with TlsReceiver(cert, key) as receiver:
        http = SafeHttp(allow_private=True, timeout=5, resolver=to_loopback, ca_file=str(cert))
        with pytest.raises(Unreachable) as unreachable:
            http.post(f"https://{NAME}:{receiver.port}/hook", b"{}", {})
        assert unreachable.value.reason == "TLS handshake or certificate verification failed"
        assert receiver.requests == []


def test_an_untrusted_certificate_is_refused(certificates):
    cert, key = certificates["right"]
    with TlsReceiver(cert, key) as receiver:
        with pytest.raises(Unreachable):  # the public CAs, which never signed this one
            SafeHttp(allow_private=True, timeout=5, resolver=to_loopback).post(f"https://{NAME}:{receiver.port}/", b"", {})
        assert receiver.requests == []


def test_where_private_targets_are_not_allowed_the_name_is_refused_and_nothing_connects(certificates):
    cert, key = certificates["right"]
    with TlsReceiver(cert, key) as receiver:
        with pytest.raises(TargetRefused):
            SafeHttp(timeout=5, resolver=to_loopback, ca_file=str(cert)).post(f"https://{NAME}:{receiver.port}/", b"", {})
        eventlet.sleep(0.2)
        assert receiver.server_names == [] and receiver.requests == []


def test_only_the_status_comes_back_and_no_redirect_is_followed():
    target = HttpServer(Request.application(lambda request: Response("secret", status=200)))
    redirect = HttpServer(Request.application(
        lambda request: Response("go there", status=307, headers={"Location": target.url + "/"})))
    try:
        answer = SafeHttp(allow_private=True, timeout=5).post(redirect.url + "/hook", b"{}", {})
        assert answer.status == 307 and not hasattr(answer, "body")
    finally:
        redirect.stop()
        target.stop()


def test_a_closed_port_is_unreachable_with_a_reason_of_ours():
    from tests.integration.conftest import free_port

    with pytest.raises(Unreachable) as unreachable:
        SafeHttp(allow_private=True, timeout=2).post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {})
    assert unreachable.value.reason == "could not connect"
