"""The webhook channel's outcomes (what the delivery log may keep) and the sender's behaviour while the
process stops, with stand-ins for the transport and the store."""
import eventlet
import pytest

from services.notification import dispatch
from services.notification.channels import DELIVERED, FAILED, RETRY, Outcome
from services.notification.channels.safe_http import Answer, TargetRefused, Unreachable
from services.notification.channels.webhook import WebhookChannel, status_outcome
from services.notification.domain import signing

SUBSCRIPTION = {"url": "https://hooks.example.org/x", "secrets": [signing.new_secret()], "active": True}
DELIVERY = {"_id": "d" * 32, "recipient": {"address": "dash"}, "message": {"body": "{}"},
            "event_type": "grievance.filed"}


class Transport:
    def __init__(self, result):
        self.result, self.calls = result, []

    def post(self, url, body, headers):
        self.calls.append((url, body, headers))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.mark.parametrize("status,outcome", [
    (200, Outcome(DELIVERED, "HTTP 200")), (204, Outcome(DELIVERED, "HTTP 204")),
    (301, Outcome(FAILED, "HTTP 301: redirects are not followed")),
    (307, Outcome(FAILED, "HTTP 307: redirects are not followed")),
    (404, Outcome(FAILED, "HTTP 404")), (429, Outcome(RETRY, "HTTP 429")), (503, Outcome(RETRY, "HTTP 503"))])
def test_only_the_status_code_reaches_the_log(status, outcome):
    assert status_outcome(status) == outcome


def test_a_refused_target_is_final_and_an_unreachable_one_is_retried_with_reasons_of_ours():
    refused = WebhookChannel(lambda _: SUBSCRIPTION, Transport(TargetRefused("the host resolves to a private address")))
    assert refused.send(DELIVERY) == Outcome(FAILED, "not sent: the host resolves to a private address")
    unreachable = WebhookChannel(lambda _: SUBSCRIPTION, Transport(Unreachable("timed out connecting")))
    assert unreachable.send(DELIVERY) == Outcome(RETRY, "not delivered: timed out connecting")


def test_the_request_is_signed_to_standard_webhooks_and_goes_through_the_safe_transport():
    transport = Transport(Answer(202, "93.184.215.14"))
    outcome = WebhookChannel(lambda _: SUBSCRIPTION, transport, clock=lambda: 1700000000).send(DELIVERY)
    assert outcome == Outcome(DELIVERED, "HTTP 202")
    url, body, headers = transport.calls[0]
    assert url == SUBSCRIPTION["url"] and body == b"{}" and headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "d" * 32 and headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"] == signing.signature(SUBSCRIPTION["secrets"][0], "d" * 32, 1700000000, "{}")


class Store:
    """The dispatcher's store, in memory: one claimable delivery per id."""

    def __init__(self, ids):
        self.deliveries = {i: {"_id": i, "channel": "webhook", "template": "grievance.filed", "attempts": 0,
                               "recipient": {"address": "dash", "key": "dash"}} for i in ids}
        self.claimed, self.finished = [], []

    def due_marks(self, now, limit):
        return [(i, i) for i in list(self.deliveries)[:limit]]

    def claim(self, delivery_id, now):
        self.claimed.append(delivery_id)
        return self.deliveries[delivery_id]

    def settle_due(self, mark_id, delivery_id, now, stale_after, replay_safe=()):
        pass

    def finish(self, delivery, state, now, detail=None, mark=None, **fields):
        self.finished.append((delivery["_id"], state, detail))
        if mark is not None and mark.later is not None:
            mark.later.append(mark.id)

    def drop_due_marks(self, mark_ids):
        self.dropped = list(mark_ids)


class Hanging:
    def __init__(self):
        self.started = eventlet.event.Event()

    def send(self, delivery):
        self.started.send(True)
        eventlet.sleep(60)


def dispatcher(store, channel):
    return dispatch.Dispatcher(store, {"webhook": channel}, dispatch.Settings({}), sealer=None)


def test_a_stopping_process_claims_nothing_more(monkeypatch):
    store = Store(["a", "b"])
    monkeypatch.setattr(dispatch, "draining", lambda: True)
    assert dispatcher(store, Hanging()).run() == 0
    assert store.claimed == [] and store.finished == []


def test_sends_cut_by_a_shutdown_are_dead_lettered_at_once_and_only_those():
    store, channel = Store(["a"]), Hanging()
    sender = dispatcher(store, channel)
    running = eventlet.spawn(sender.run)
    channel.started.wait()
    running.kill()  # the timer's worker, killed by the container past the grace period
    sender.abandon_in_flight()
    assert store.finished == [("a", "dead_letter", dispatch.INTERRUPTED)]
    assert sender.in_flight == {} and not sender.pool.coroutines_running
    sender.abandon_in_flight()  # again (stop, then kill): nothing more
    assert len(store.finished) == 1
