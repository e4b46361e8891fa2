"""Real servers the notification tests talk to: the project's SMTP sink in its own process, an SMS
provider that fails when told to, and a webhook receiver that checks Standard Webhooks signatures with the
`standardwebhooks` package and refuses replays."""
import json
import os
import subprocess
import sys

import eventlet
import eventlet.wsgi
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from services.notification.mailsink import read_messages
from tests.integration.conftest import free_port
from tests.integration.waiting import wait_for


class MailSink:
    """services.notification.mailsink, started as `make run` starts it, on a free port."""

    def __init__(self, folder, tls=None, login=None):
        self.folder, self.port = folder, free_port()
        command = [sys.executable, "-m", "services.notification.mailsink", "--port", str(self.port), "--dir", str(folder)]
        if tls:
            command += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
        env = {**os.environ, **({"MAILSINK_AUTH": login} if login else {})}
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        wait_for(self._answering, timeout=20, what="the SMTP sink to listen")

    def _answering(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def messages(self, to=None):
        return [m for m in read_messages(self.folder) if to is None or m["To"] == to]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class HttpServer:
    """A WSGI app on a free loopback port, served by eventlet in this process."""

    def __init__(self, app):
        self.port = free_port()
        self.socket = eventlet.listen(("127.0.0.1", self.port))
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.socket, app, log_output=False)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.thread.kill()
        self.socket.close()


class SmsProvider(HttpServer):
    """Answers 503 to the first `failures` requests, then 202 with a message id; records every request."""

    def __init__(self, failures=0):
        self.failures, self.requests = failures, []
        super().__init__(self.app)

    @Request.application
    def app(self, request):
        self.requests.append({"json": request.get_json(), "auth": request.authorization})
        if len(self.requests) <= self.failures:
            return Response("provider overloaded", status=503)
        return Response(json.dumps({"id": f"msg-{len(self.requests)}", "status": "accepted"}), status=202,
                        mimetype="application/json")


class WebhookReceiver(HttpServer):
    """A subscriber as the README tells one to write it: verify the signature and the timestamp window with
    the `standardwebhooks` package, refuse a message id it has already accepted (a replay)."""

    def __init__(self):
        self.secret, self.accepted, self.refused, self.raw = None, [], [], []
        self.seen = set()
        super().__init__(self.app)

    @Request.application
    def app(self, request):
        body = request.get_data()
        self.raw.append({"headers": dict(request.headers), "body": body})
        if not self.secret:
            self.refused.append("no secret yet")
            return Response("no secret yet", status=401)
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError as refusal:
            self.refused.append(str(refusal))
            return Response(str(refusal), status=401)
        message_id = request.headers["webhook-id"]
        if message_id in self.seen:
            self.refused.append("replay")
            return Response("replay", status=409)
        self.seen.add(message_id)
        self.accepted.append(event)
        return Response("", status=204)


def self_signed_certificate(folder, names=()):
    """A certificate for 127.0.0.1, or for the DNS `names` given (and its key): (cert path, key path)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sorasori test relay")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names] if names else
                                                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    stem = names[0] if names else "relay"
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
