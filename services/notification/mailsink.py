"""A local SMTP server for development and tests (aiosmtpd): it accepts every message and stores it as
an .eml file in a folder, where developers and tests read what the platform sent. Not for production,
which points SMTP_HOST at the state's mail relay.

    python -m services.notification.mailsink --host 127.0.0.1 --port 2525 --dir var/mail

`make run` and `make test` start it through scripts/infra/smtp.sh unless SMTP_HOST is set.
"""
import argparse
import asyncio
import email
import email.policy
import os
import signal
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


def main(argv=None):
    from aiosmtpd.smtp import SMTP

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", default="var/mail")
    args = parser.parse_args(argv)
    handler = StoreMessages(args.dir)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="sorasori-mailsink"), args.host, args.port))
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
