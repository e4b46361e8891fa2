"""Webhooks cannot be aimed at the platform's own network (server-side request forgery), on the real
broker and store: internal URLs are refused at registration in production, a name that resolves to an
internal address is refused at send time before anything is connected, redirects are not followed, and
the delivery log keeps no word of what a target answered."""
import socket
import uuid
from datetime import datetime, timezone

import eventlet
import pytest
from kombu import Connection, Exchange, Producer
from werkzeug.wrappers import Request, Response

from services.notification.service import NotificationService
from shared.errors import NotFound, ValidationFailed
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.receivers import HttpServer
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
CELL = {"sub": "cmo-1", "role": "cmo_cell"}
SECRET_KEY = "k" * 32

INTERNAL_URLS = [
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1:9200/",
    "https://10.0.0.1/",
    "https://[fd00::1]/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata.google.internal./",
    "https://172.16.5.4/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[fe80::1]/hook",
    "https://224.0.0.1/hook",
    "https://0.0.0.0/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://localhost/hook",
]


@pytest.fixture
def notification(platform_config, runner_factory):
    """The notification service alone, in the mode a test asks for, with quick retries."""
    def start(**overrides):
        platform_config.update({"NOTIFY_SECRET_KEY": SECRET_KEY, "NOTIFY_RETRY_BASE_SECONDS": 0.2,
                                "NOTIFY_RETRY_MAX_SECONDS": 0.5, "NOTIFY_MAX_ATTEMPTS": 2,
                                "NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0, **overrides})
        runner_factory(platform_config, NotificationService).start()
        return platform_config
    return start


def publish_filed(config):
    """A grievance.filed event as intake publishes it; returns its tracking ID."""
    tracking_id = "WB-" + uuid.uuid4().hex[:10].upper()
    event = {"id": uuid.uuid4().hex, "source": "/sorasori/intake", "type": "grievance.filed",
             "specversion": "1.0", "time": datetime.now(timezone.utc).isoformat(), "subject": tracking_id,
             "datacontenttype": "application/json",
             "data": {"case": {"tracking_id": tracking_id, "subject": "No drinking water", "status": "filed",
                               "department": "phe", "place": {"district": "Bankura"}, "version": 1,
                               "kind": "complaint", "channel": "web", "level": 1, "complainant": {"language": "bn"},
                               "created_at": "2026-12-01T05:00:00+00:00", "updated_at": "2026-12-01T05:00:00+00:00"}}}
    with Connection(config["AMQP_URI"]) as connection:
        Producer(connection.channel()).publish(event, exchange=Exchange("intake.events", type="topic"),
                                               routing_key=event["type"], serializer="json")
    return tracking_id


def final_webhook_delivery(config, tracking_id, states=("dead_letter", "delivered", "failed")):
    def found():
        with SignedClusterRpcProxy(config, caller=CELL, issuer="test") as cluster:
            try:
                log = cluster.notification.deliveries_for_case(tracking_id, CELL)
            except NotFound:  # not planned yet
                return None
        hooks = [d for d in log if d["channel"] == "webhook" and d["state"] in states]
        return hooks[0] if hooks else None
    return wait_for(found, timeout=30, interval=0.3, what=f"the webhook delivery of {tracking_id} to settle")


class ConnectionRecorder:
    """A TCP listener that only counts the connections it is offered."""

    def __init__(self):
        self.socket = eventlet.listen(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = eventlet.spawn(self._accept)

    def _accept(self):
        while True:
            client, _ = self.socket.accept()
            self.connections += 1
            client.close()

    def stop(self):
        self.thread.kill()
        self.socket.close()


class Answering(HttpServer):
    """Answers every request with the given status, headers and body; records each request."""

    def __init__(self, status, body="", headers=None):
        self.status, self.body, self.headers, self.requests = status, body, headers or {}, []
        super().__init__(self.app)

    @Request.application
    def app(self, request):
        self.requests.append(request.path)
        return Response(self.body, status=self.status, headers=self.headers)


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_production_refuses_internal_webhook_urls_at_registration(notification, url):
    config = notification(SORASORI_ENV="production")
    with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
        with pytest.raises(ValidationFailed) as refused:
            cluster.notification.create_subscription({"id": "probe", "url": url}, ADMIN)
        assert "url" in refused.value.details
        assert cluster.notification.subscriptions(ADMIN) == []


def test_production_accepts_a_public_https_url(notification):
    config = notification(SORASORI_ENV="production")
    with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
        created = cluster.notification.create_subscription({"id": "dashboard", "url": "https://hooks.example.org/x"},
                                                           ADMIN)
        assert created["url"] == "https://hooks.example.org/x" and created["secret"].startswith("whsec_")
        with pytest.raises(ValidationFailed) as refused:  # and a change of URL is checked the same way
            cluster.notification.update_subscription("dashboard", {"url": "https://10.1.2.3/x"}, ADMIN)
        assert "url" in refused.value.details


def test_a_name_that_resolves_to_loopback_is_refused_at_send_time_and_nothing_is_connected(notification):
    name = socket.gethostname()
    if {info[4][0] for info in socket.getaddrinfo(name, 443)} != {"127.0.0.1"}:
        pytest.skip(f"this machine's name {name} does not resolve to 127.0.0.1 only")
    listener = ConnectionRecorder()
    try:
        config = notification(SORASORI_ENV="production")
        with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
            cluster.notification.create_subscription(
                {"id": "rebinding", "url": f"https://{name}:{listener.port}/hook"}, ADMIN)  # a name: accepted
        delivery = final_webhook_delivery(config, publish_filed(config))
        assert delivery["state"] == "dead_letter" and delivery["attempts"] == 1
        assert delivery["log"][-1]["detail"] == "not sent: the host resolves to a loopback address"
        eventlet.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.stop()


def test_a_redirect_is_not_followed(notification):
    elsewhere = Answering(204)
    redirecting = Answering(302, body="moved", headers={"Location": elsewhere.url + "/internal"})
    try:
        config = notification(SORASORI_ENV="development")
        with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
            cluster.notification.create_subscription({"id": "moving", "url": redirecting.url + "/hook"}, ADMIN)
        delivery = final_webhook_delivery(config, publish_filed(config))
        assert redirecting.requests == ["/hook"] and elsewhere.requests == []
        assert delivery["state"] == "dead_letter"
        assert delivery["log"][-1]["detail"] == "HTTP 302: redirects are not followed"
    finally:
        redirecting.stop()
        elsewhere.stop()


def test_a_failing_target_s_answer_is_not_kept_in_the_delivery_log(notification):
    leaky = Answering(500, body="Elasticsearch cluster_uuid=Zx81 internal stack trace")
    try:
        config = notification(SORASORI_ENV="development")
        with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
            cluster.notification.create_subscription({"id": "leaky", "url": leaky.url + "/hook"}, ADMIN)
        delivery = final_webhook_delivery(config, publish_filed(config))
        assert delivery["state"] == "dead_letter" and len(leaky.requests) == 2
        details = [step.get("detail") or "" for step in delivery["log"]]
        assert "HTTP 500" in details
        assert not any("cluster_uuid" in d or "stack trace" in d for d in details), details
        with SignedClusterRpcProxy(config, caller=ADMIN, issuer="test") as cluster:
            dead = [d for d in cluster.notification.dead_letters(ADMIN) if d["channel"] == "webhook"]
        assert dead and dead[0]["last_answer"] == "HTTP 500"
    finally:
        leaky.stop()
