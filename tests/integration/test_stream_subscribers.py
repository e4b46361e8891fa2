"""Subscriber accounts of the public event stream, on the real broker: an administrator (or a machine client
with `events:subscribe`) creates one through the gateway, and an external consumer written with pika (not the
platform's code) logs in with the credentials shown once. It receives its scope's events and nothing else,
cannot bind outside its scope, publish, touch another subscriber's queues or open the platform's vhost; once
revoked, its connection is closed and its login refused."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pika
import pika.exceptions
import pytest
import requests

from services.gateway.auth import make_dev_token
from services.gateway.service import GatewayService
from services.notification.service import NotificationService
from shared.mongo import database_name
from tests.integration.conftest import free_port
from tests.integration.platform_client import ADMIN, Gateway, citizen
from tests.integration.public_stream import EXCHANGE, GUEST, MANAGEMENT, close_public_vhost, open_public_vhost
from tests.integration.waiting import wait_for

PHE_BANKURA = {"name": "Bankura PHE division", "departments": ["phe"], "districts": ["Bankura"]}


def client(sub, scope="events:subscribe"):
    return {"sub": sub, "role": "client", "scopes": (scope or "").split()}


@pytest.fixture
def public_vhost(platform_config):
    """A public vhost of the test's own with the topic exchange, as the platform's setup makes it."""
    vhost = open_public_vhost(platform_config)
    yield vhost
    close_public_vhost(platform_config, vhost)


@pytest.fixture
def gateway(platform_config, public_vhost, runner_factory, request):
    platform_config.update(AUTH_MODE="development")
    platform_config.update(getattr(request, "param", {}))
    runner_factory(platform_config, GatewayService, NotificationService).start()
    return Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")


def create(gateway, actor, body=PHE_BANKURA):
    return gateway.ok(gateway.request("POST", "/api/v1/subscribers", actor, json=body), 201)


def connect(uri):
    return pika.BlockingConnection(pika.URLParameters(uri))


def publish(vhost, routing_key, event_id):
    """The platform's relay, as far as a subscriber can tell: a structured CloudEvent on the exchange."""
    event = {"specversion": "1.0", "id": event_id, "source": "/sorasori/grievances",
             "type": "in.gov.wb.sorasori." + routing_key.split(".", 2)[2], "data": {}}
    with connect(f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}") as connection:
        connection.channel().basic_publish(EXCHANGE, routing_key, json.dumps(event).encode(), pika.BasicProperties(
            content_type="application/cloudevents+json", delivery_mode=2, message_id=event_id))


def refused(action):
    """Whether the broker refuses `action` (ACCESS_REFUSED closes the channel)."""
    try:
        action()
    except pika.exceptions.ChannelClosedByBroker as closed:
        return closed.reply_code == 403
    return False


def received(channel, queue, expected, timeout=10):
    got = []

    def drain():
        while (message := channel.basic_get(queue, auto_ack=True))[0] is not None:
            got.append(json.loads(message[2])["id"])
        return len(got) >= expected

    wait_for(drain, timeout=timeout, interval=0.2, what=f"{expected} events in {queue}")
    return got


def test_a_subscriber_receives_its_scope_and_nothing_else_and_is_confined_to_its_queues(gateway, public_vhost,
                                                                                        platform_config, mongo_client):
    created = create(gateway, ADMIN)
    credentials = created["credentials"]
    stored = mongo_client[database_name(platform_config, "notification")].subscribers.find_one({"_id": created["id"]})
    assert stored and credentials["password"] not in json.dumps(stored, default=str)  # kept nowhere but RabbitMQ
    assert created["state"] == "active" and created["binding_keys"] == ["phe.bankura.#"]
    assert credentials["vhost"] == public_vhost and credentials["exchange"] == EXCHANGE
    shown = gateway.ok(gateway.request("GET", f"/api/v1/subscribers/{created['id']}", ADMIN))
    assert "credentials" not in shown and credentials["password"] not in json.dumps(shown)
    listed = gateway.ok(gateway.request("GET", "/api/v1/subscribers", ADMIN))["subscribers"]
    assert [s["id"] for s in listed] == [created["id"]] and credentials["password"] not in json.dumps(listed)

    queue = created["queue_prefix"] + "events"
    connection = connect(credentials["amqp_uri"])
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, "phe.bankura.#")
    mine = [uuid.uuid4().hex for _ in range(2)]
    publish(public_vhost, "phe.bankura.grievance.filed.v1", mine[0])
    publish(public_vhost, "phe.purulia.grievance.filed.v1", uuid.uuid4().hex)
    publish(public_vhost, "power.bankura.grievance.filed.v1", uuid.uuid4().hex)
    publish(public_vhost, "phe.none.grievance.routed.v1", uuid.uuid4().hex)
    publish(public_vhost, "phe.bankura.grievance.resolved.v1", mine[1])
    assert received(channel, queue, 2) == mine
    publish(public_vhost, "power.purulia.grievance.filed.v1", uuid.uuid4().hex)
    assert channel.basic_get(queue, auto_ack=True)[0] is None

    # bindings outside its scope are refused: everything, another district, every district, another department
    for key in ("#", "phe.purulia.#", "phe.*.#", "*.bankura.#", "power.bankura.#", "phe.bankura_x.#"):
        assert refused(lambda: connection.channel().queue_bind(queue, EXCHANGE, key)), key
    # it publishes nothing: not to the public exchange, not through the default exchange to its own queue
    for exchange, key in ((EXCHANGE, "phe.bankura.grievance.filed.v1"), ("", queue)):
        def send(exchange=exchange, key=key):
            publishing = connection.channel()
            publishing.confirm_delivery()
            publishing.basic_publish(exchange, key, b"{}")
        assert refused(send), exchange
    # no queue but its own, no exchange but under its own prefix (RabbitMQ's rights do not tell the two apart;
    # such an exchange reaches only its own queues)
    for name in ("events", "amq.gen-1", "sub-other.events"):
        assert refused(lambda: connection.channel().queue_declare(name)), name
        assert refused(lambda: connection.channel().exchange_declare(name, "topic")), name
    assert refused(lambda: connection.channel().exchange_declare(EXCHANGE, "fanout"))

    # another subscriber's queue: not declared, not read, not bound to
    other = create(gateway, ADMIN, {"name": "State power board", "departments": ["power"], "districts": ["*"]})
    assert other["binding_keys"] == ["power.*.#"]
    with connect(other["credentials"]["amqp_uri"]) as other_connection:
        other_queue = other["queue_prefix"] + "events"
        other_connection.channel().queue_declare(other_queue, durable=True)
        assert refused(lambda: connection.channel().basic_get(other_queue))
        assert refused(lambda: connection.channel().queue_declare(other_queue, durable=True))
        assert refused(lambda: connection.channel().queue_bind(other_queue, EXCHANGE, "phe.bankura.#"))
        assert refused(lambda: other_connection.channel().basic_get(queue))

    # the platform's own vhost does not let it in
    internal = platform_config["AMQP_URI"].rsplit("/", 1)[1]
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError):
        connect(credentials["amqp_uri"].rsplit("/", 1)[0] + "/" + quote(internal, safe=""))

    # revoked: its open connection is closed, its queues deleted, its login refused
    revoked = gateway.ok(gateway.request("DELETE", f"/api/v1/subscribers/{created['id']}", ADMIN))
    assert revoked["state"] == "revoked" and revoked["revoked_at"]

    def closed():
        try:
            connection.process_data_events(time_limit=0.2)
            return False
        except pika.exceptions.AMQPConnectionError:
            return True
    wait_for(closed, timeout=15, interval=0.2, what="the revoked subscriber's connection to close")
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        connect(credentials["amqp_uri"])
    queues = requests.get(f"{MANAGEMENT}/queues/{quote(public_vhost, safe='')}", auth=GUEST, timeout=10).json()
    assert [q["name"] for q in queues] == [other["queue_prefix"] + "events"]
    again = gateway.ok(gateway.request("DELETE", f"/api/v1/subscribers/{created['id']}", ADMIN))
    assert again["state"] == "revoked"  # revoking is idempotent


def test_a_machine_client_manages_only_its_own_subscribers(gateway):
    dashboard, other_client = client("bankura-dashboard"), client("cyber-portal")
    mine = create(gateway, dashboard)
    assert mine["created_by"] == "bankura-dashboard"
    theirs = create(gateway, ADMIN, {"name": "State dashboard", "departments": ["*"], "districts": ["*"]})
    assert theirs["binding_keys"] == ["#"]

    listed = gateway.ok(gateway.request("GET", "/api/v1/subscribers", dashboard))["subscribers"]
    assert [s["id"] for s in listed] == [mine["id"]]
    assert gateway.ok(gateway.request("GET", "/api/v1/subscribers", other_client))["subscribers"] == []
    everyone = gateway.ok(gateway.request("GET", "/api/v1/subscribers", ADMIN))["subscribers"]
    assert {s["id"] for s in everyone} == {mine["id"], theirs["id"]}
    for method in ("GET", "DELETE"):
        assert gateway.request(method, f"/api/v1/subscribers/{theirs['id']}", dashboard).status_code == 404
        assert gateway.request(method, f"/api/v1/subscribers/{mine['id']}", other_client).status_code == 404
    assert gateway.ok(gateway.request("GET", f"/api/v1/subscribers/{theirs['id']}", ADMIN))["state"] == "active"

    # without the scope, or not a machine client or an administrator: refused
    for actor in (client("reader", "grievances:read"), client("nothing", None), citizen("9830012345"),
                  {"sub": "cmo-1", "role": "cmo_cell"}):
        answer = gateway.request("POST", "/api/v1/subscribers", actor, json=PHE_BANKURA)
        assert answer.status_code == 403, answer.text
        assert gateway.request("GET", "/api/v1/subscribers", actor).status_code == 403
    lacking = gateway.request("POST", "/api/v1/subscribers", client("reader", "grievances:read"), json=PHE_BANKURA)
    assert "events:subscribe" in lacking.text

    assert gateway.ok(gateway.request("DELETE", f"/api/v1/subscribers/{mine['id']}", dashboard))["state"] == "revoked"
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        connect(mine["credentials"]["amqp_uri"])


@pytest.mark.parametrize("body,field", [
    ({**PHE_BANKURA, "districts": ["Gotham"]}, "districts"),
    ({**PHE_BANKURA, "departments": ["police_secret"]}, "departments"),
    ({**PHE_BANKURA, "districts": ["*", "Bankura"]}, "districts"),
    ({**PHE_BANKURA, "departments": []}, "departments"),
    ({"name": "x" * 3, "departments": ["phe"]}, "districts"),
    ({**PHE_BANKURA, "password": "mine"}, "password"),
])
def test_a_scope_outside_the_catalogue_is_refused_naming_the_field(gateway, body, field):
    answer = gateway.request("POST", "/api/v1/subscribers", ADMIN, json=body)
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.text


@pytest.mark.parametrize("gateway", [{"RABBITMQ_MANAGEMENT_URL": f"http://guest:guest@127.0.0.1:{free_port()}"}],
                         indirect=True)
def test_a_management_api_that_does_not_answer_is_a_503_and_no_password_is_shown(gateway):
    answer = gateway.request("POST", "/api/v1/subscribers", ADMIN, json=PHE_BANKURA)
    assert answer.status_code == 503 and "credentials" not in answer.text, answer.text
    left = gateway.ok(gateway.request("GET", "/api/v1/subscribers", ADMIN))["subscribers"]
    assert [s["state"] for s in left] == ["provisioning"]  # no user was made; DELETE finishes it once it answers


@pytest.mark.parametrize("gateway", [{"SUBSCRIBERS_PER_CLIENT": 5}], indirect=True)
def test_a_machine_client_holds_at_most_its_limit_of_accounts_however_many_it_asks_for_at_once(gateway):
    dashboard = client("bankura-dashboard")
    headers = {"Authorization": f"Bearer {make_dev_token(dashboard)}"}
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{gateway.base}/api/v1/subscribers", json=PHE_BANKURA,
                                                        headers=headers, timeout=60), range(30)))
    assert sorted(a.status_code for a in answers) == [201] * 5 + [409] * 25, [a.text for a in answers]
    made = [a.json()["id"] for a in answers if a.status_code == 201]
    users = requests.get(f"{MANAGEMENT}/users?columns=name", auth=GUEST, timeout=10).json()
    assert {u["name"] for u in users} >= {f"sub-{i}" for i in made}
    assert len(gateway.ok(gateway.request("GET", "/api/v1/subscribers", dashboard))["subscribers"]) == 5
    assert create(gateway, ADMIN)["state"] == "active"  # administrators are not counted

    gateway.ok(gateway.request("DELETE", f"/api/v1/subscribers/{made[0]}", dashboard))
    gateway.ok(gateway.request("DELETE", f"/api/v1/subscribers/{made[0]}", dashboard))  # gives back once
    assert create(gateway, dashboard)["state"] == "active"
    assert gateway.request("POST", "/api/v1/subscribers", dashboard, json=PHE_BANKURA).status_code == 409
