"""The notification sender's log lines and the delivery log officers read never quote a complainant's
mobile or email address, even when a provider's answer or an exception does."""
import logging
from datetime import UTC, datetime

from services.notification.channels import FAILED, Outcome
from services.notification.deliveries import _log_view
from services.notification.dispatch import Dispatcher, Settings
from shared.logging import JsonFormatter

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
EMAIL, MOBILE = "mita.das@example.org", "9830012345"


class Store:
    """The dispatcher's store, in memory: one claimed delivery, and what was recorded of it."""

    def __init__(self, delivery):
        self.delivery, self.finished = delivery, []

    def claim(self, delivery_id, now):
        return self.delivery

    def finish(self, delivery, state, now, **details):
        self.finished.append((state, details))


class Refusing:
    def send(self, delivery):
        return Outcome(FAILED, f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'no such user')}}")


class Broken:
    def send(self, delivery):
        raise ValueError(f"cannot send to {delivery['recipient']['address']} (+91 {MOBILE})")


def delivery(channel, address):
    return {"_id": "d1", "channel": channel, "urgent": True, "attempts": 0, "template": "filed",
            "recipient": {"kind": "complainant", "key": "k", "address": address}}


def logged(caplog):
    formatter = JsonFormatter(service="notification")
    return "\n".join(formatter.format(record) for record in caplog.records)


def dispatcher(store, channel, name):
    return Dispatcher(store, {name: channel}, Settings({"NOTIFY_MAX_ATTEMPTS": 1}), sealer=None)


def test_a_refusal_quoting_the_address_is_logged_masked(caplog):
    store = Store(delivery("email", EMAIL))
    with caplog.at_level(logging.INFO, logger="services.notification.dispatch"):
        assert dispatcher(store, Refusing(), "email").deliver("d1", NOW) is False
    lines = logged(caplog)
    assert "dead-lettered" in lines and "m***@example.org" in lines and EMAIL not in lines
    assert store.finished[0][0] == "dead_letter" and EMAIL in store.finished[0][1]["detail"]  # the cell's record


def test_an_unexpected_error_is_logged_with_its_stack_but_not_the_address(caplog):
    store = Store(delivery("sms", MOBILE))
    with caplog.at_level(logging.INFO, logger="services.notification.dispatch"):
        assert dispatcher(store, Broken(), "sms").deliver("d1", NOW) is False
    lines = logged(caplog)
    assert "sending a notification failed" in lines and "Broken.send" not in lines and "in send" in lines
    assert MOBILE not in lines and "98******45" in lines


def test_officers_read_the_delivery_log_with_answers_masked():
    record = {**delivery("email", EMAIL), "event_type": "grievance.filed", "language": "bn", "state": "dead_letter",
              "message": {"subject": "s", "body": "b", "language": "bn"}, "created_at": NOW,
              "log": [{"at": NOW, "state": "dead_letter", "detail": f"550 {EMAIL} refused"}]}
    assert EMAIL not in str(_log_view(record, full=False))
    assert _log_view(record, full=True)["log"][0]["detail"] == f"550 {EMAIL} refused"
