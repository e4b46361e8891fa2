"""Email over SMTP: the local sink in development and tests, the state's mail relay in production
(STARTTLS and authentication when configured). One connection per message: messages are few."""
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from services.notification.channels import FAILED, RETRY, SENT, Outcome


class SmtpEmail:
    def __init__(self, host, port, sender, user=None, password=None, starttls=False, timeout=10.0, ca_file=None):
        self.host, self.port, self.sender = host, int(port), sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout
        self.ca_file = ca_file  # a private CA the relay's certificate chains to; else the system's

    def compose(self, delivery):
        message = delivery["message"]
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = delivery["recipient"]["address"]
        mail["Subject"] = message["subject"]
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=delivery["_id"], domain="sorasori")
        mail["X-Sorasori-Delivery"] = delivery["_id"]
        mail.set_content(message["text"], charset="utf-8")
        mail["Content-Language"] = message["language"]  # after set_content, which drops Content-* headers
        return mail

    def send(self, delivery):
        mail = self.compose(delivery)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file))
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            return _by_code(_first_code(error.recipients), f"recipient refused: {error.recipients}")
        except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as error:
            # the relay offers no login (STARTTLS first?) or its certificate is not trusted: configuration,
            # not a passing failure; the dead letter can be replayed once it is fixed
            return Outcome(FAILED, f"{type(error).__name__}: {error}"[:200])
        except smtplib.SMTPResponseException as error:
            return _by_code(error.smtp_code, f"{error.smtp_code} {error.smtp_error!r}")
        except (smtplib.SMTPException, socket.error, ssl.SSLError) as error:
            return Outcome(RETRY, f"{type(error).__name__}: {error}"[:200])
        if refused:
            return _by_code(_first_code(refused), f"recipient refused: {refused}")
        return Outcome(SENT, f"250 accepted by {self.host}:{self.port}", mail["Message-ID"])


def _first_code(recipients):
    for code, _ in recipients.values():
        return code
    return 0


def _by_code(code, answer):
    """SMTP 4xx is temporary (try again), 5xx permanent."""
    return Outcome(RETRY if 400 <= int(code or 0) < 500 else FAILED, str(answer)[:200])
