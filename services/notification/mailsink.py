"""A local SMTP server for development and tests (aiosmtpd): it accepts every message and stores it as
an .eml file in a folder, where developers and tests read what the platform sent. Not for production,
which points SMTP_HOST at the state's mail relay.

    python -m services.notification.mailsink --host 127.0.0.1 --port 2525 --dir var/mail

`make run` and `make test` start it through scripts/infra/smtp.sh unless SMTP_HOST is set. With
`--tls-cert`/`--tls-key` it demands STARTTLS, and with MAILSINK_AUTH=user:password in its environment a
login after it, as a production relay does (the tests check the client's STARTTLS and login that way).
"""
import argparse
import asyncio
import email
import email.policy
import os
import signal
import ssl
import time
import uuid
from pathlib import Path


class StoreMessages:
    """aiosmtpd handler: every message accepted is written (atomically) to `<folder>/<time>-<id>.eml`."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        headers = (f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
                   f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        partial = self.folder / f".{name}.tmp"
        partial.write_bytes(headers + envelope.original_content)
        os.replace(partial, self.folder / f"{name}.eml")
        return "250 Message accepted for delivery"


def read_messages(folder):
    """The messages a sink stored, oldest first, as `email.message.EmailMessage` objects."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def login_checker(expected):
    """aiosmtpd authenticator accepting one `user:password`."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    user, _, password = expected.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    return authenticate


def smtp_options(tls_cert=None, tls_key=None, login=None):
    options = {"enable_SMTPUTF8": True, "hostname": "sorasori-mailsink"}
    if tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls_cert, tls_key)
        options.update(tls_context=context, require_starttls=True)
    if login:
        options.update(authenticator=login_checker(login), auth_required=True, auth_require_tls=bool(tls_cert))
    return options


def main(argv=None):
    from aiosmtpd.smtp import SMTP

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", default="var/mail")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    handler = StoreMessages(args.dir)
    options = smtp_options(args.tls_cert, args.tls_key, os.environ.get("MAILSINK_AUTH"))
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(handler, **options), args.host, args.port))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, loop.stop)
    print(f"[mailsink] listening on {args.host}:{args.port}, storing messages in {args.dir}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    main()
