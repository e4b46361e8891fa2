"""Each service logs in as its own RabbitMQ user (shared/broker_access.py, the same function `make infra`
uses): a process with one service's credentials cannot take another's RPC requests or publish its events,
and the platform still works end to end with every service on its own user."""
import uuid

import amqp.exceptions
import pytest
from kombu import Connection, Exchange, Queue

from services.registry import service_classes
from shared import broker_access
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.directory import seed_directory
from tests.integration.platform_client import CMO_CELL, Gateway, citizen, drinking_water

REFUSED = (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed)


@pytest.fixture
def service_users(request, rabbit_config):
    """The services' users on this test's vhost, removed afterwards (users are global to the broker)."""
    api = broker_access.ManagementApi(request.config.getoption("RABBIT_API_URI"))
    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    passwords = broker_access.new_passwords()
    broker_access.provision(api, rabbit_config["vhost"], passwords, user_prefix=prefix)
    host = rabbit_config["AMQP_URI"].split("@", 1)[1].split("/", 1)[0]
    yield {name: broker_access.amqp_uri(name, passwords[name], rabbit_config["vhost"], host=host, user_prefix=prefix)
           for name in broker_access.PRINCIPALS}
    for name in broker_access.PRINCIPALS:
        api.delete(f"/users/{prefix}{name}")
    api.delete(f"/vhosts/{broker_access.public_vhost_of(rabbit_config['vhost'])}")


@pytest.fixture
def platform_as_own_users(service_users, platform_config, runner_factory):
    platform_config.update(AUTH_MODE="development", WEB_REDIRECT_URIS="http://127.0.0.1/app/callback",
                           OIDC_ISSUER=f"http://{platform_config['WEB_SERVER_ADDRESS']}")
    for cls in service_classes():  # notification relays with its own login too, to the public vhost setup made
        runner_factory(dict(platform_config, AMQP_URI=service_users[cls.name], PUBLIC_AMQP_URI=""), cls).start()
    seed_directory(platform_config)  # identity publishes staff.changed with its own login; routing learns it
    return Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")


def refused(action):
    try:
        action()
    except REFUSED as error:
        return str(error)
    return None


def test_one_service_user_cannot_take_anothers_requests_or_publish_its_events(platform_as_own_users,
                                                                              service_users):
    def consume_rpc_intake():
        with Connection(service_users["search"]) as connection:
            channel = connection.channel()
            channel.basic_consume("rpc-intake", callback=lambda message: None)

    def publish_as_intake():
        with Connection(service_users["search"], transport_options={"confirm_publish": True}) as connection:
            exchange = Exchange("intake.events", type="topic", durable=True)
            connection.Producer().publish({"type": "grievance.filed"}, exchange=exchange,
                                          routing_key="grievance.filed")

    def bind_to_intake_requests():
        with Connection(service_users["search"]) as connection:
            Queue("rpc-search", exchange=Exchange("nameko-rpc", type="topic", durable=True),
                  routing_key="intake.*", durable=True)(connection.channel()).declare()

    def call_intake_directly():
        with Connection(service_users["search"], transport_options={"confirm_publish": True}) as connection:
            connection.Producer().publish({"args": [], "kwargs": {}}, routing_key="intake.get_grievance",
                                          exchange=Exchange("nameko-rpc", type="topic", durable=True))

    attempts = {"consume rpc-intake": consume_rpc_intake, "publish to intake.events": publish_as_intake,
                "bind its queue to intake.*": bind_to_intake_requests,
                "publish an intake request": call_intake_directly}
    outcomes = {name: refused(action) for name, action in attempts.items()}
    assert all(outcomes.values()), f"allowed to the search user: {[n for n, o in outcomes.items() if not o]}"
    assert "ACCESS_REFUSED" in outcomes["consume rpc-intake"] and "rpc-intake" in outcomes["consume rpc-intake"]


def test_every_service_on_its_own_user_works_end_to_end(platform_as_own_users, platform_config, public_reader):
    platform = platform_as_own_users
    owner = citizen("9830012345")
    tracking_id = platform.ok(platform.file(drinking_water(), owner), 201)["tracking_id"]
    # intake published grievance.filed, routing consumed it and answered with an event intake consumed
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    assert case["complainant"]["mobile"] == "9830012345"
    assert platform.ok(platform.request("GET", "/health"))["status"] == "up"
    with SignedClusterRpcProxy(platform_config, caller=CMO_CELL, issuer="test", timeout=10) as cluster:
        assert cluster.intake.get_grievance(tracking_id, CMO_CELL)["tracking_id"] == tracking_id
    # notification published the public events with its own login
    public_reader.wait_for(lambda r: r.event.get_subject() == tracking_id and r.type.endswith(".routed.v1"),
                           "the public routed event")
    assert {"filed", "routed"} <= {r.type.rsplit(".", 2)[-2] for r in public_reader.drain()
                                   if r.event.get_subject() == tracking_id}


def test_on_the_public_vhost_notification_may_only_publish_to_the_public_exchange(service_users, rabbit_config):
    public = broker_access.public_vhost_of(rabbit_config["vhost"])
    relay = broker_access.with_vhost(service_users["notification"], public)
    exchange = Exchange("sorasori.public", type="topic", durable=True)
    with Connection(relay, transport_options={"confirm_publish": True}) as connection:
        connection.Producer().publish({"id": "1"}, exchange=exchange, routing_key="phe.bankura.grievance.filed.v1")

    def declare_a_queue():
        with Connection(relay) as connection:
            Queue("listen-in", exchange=exchange, routing_key="#")(connection.channel()).declare()

    def publish_elsewhere():
        with Connection(relay, transport_options={"confirm_publish": True}) as connection:
            other = Exchange("amq.topic", type="topic", durable=True)
            connection.Producer().publish({"id": "1"}, exchange=other, routing_key="x")

    def open_as(name):
        with Connection(broker_access.with_vhost(service_users[name], public)) as connection:
            connection.connect()

    outcomes = {"declare a queue": refused(declare_a_queue), "publish to amq.topic": refused(publish_elsewhere),
                **{f"{name} opens the public vhost": refused(lambda name=name: open_as(name))
                   for name in broker_access.PRINCIPALS if name != "notification"}}
    assert all(outcomes.values()), f"allowed: {[n for n, o in outcomes.items() if not o]}"


def test_a_bench_run_cannot_join_a_running_instances_queues(rabbit_config, platform_config, runner_factory):
    """`make bench` starts the services with the platform's names on a vhost of its own (BenchBroker): they
    cannot open the running instance's vhost, and the instance's rpc-intake keeps its one consumer."""
    from bench.__main__ import BenchBroker
    from services.intake.service import IntakeService

    runner_factory(platform_config, IntakeService).start()  # the running instance (this test's vhost)
    broker = BenchBroker(platform_config, uuid.uuid4().hex[:8])
    bench_intake = None
    try:
        intake_uri = broker.service_uri("intake")
        with pytest.raises(REFUSED), Connection(broker_access.with_vhost(intake_uri, rabbit_config["vhost"])) as conn:
            conn.connect()
        bench_intake = runner_factory(dict(platform_config, AMQP_URI=intake_uri,
                                           MONGO_DB_PREFIX=platform_config["MONGO_DB_PREFIX"] + "bench_"),
                                      IntakeService)
        bench_intake.start()
        for admin_uri in (rabbit_config["AMQP_URI"], broker.admin_uri):
            with Connection(admin_uri) as connection:  # a passive declare counts the consumers now
                assert connection.channel().queue_declare("rpc-intake", passive=True).consumer_count == 1
    finally:
        if bench_intake is not None:
            bench_intake.stop()
        broker.remove()
    assert broker.api.session.get(f"{broker.api.base}/vhosts/{broker.vhost}", timeout=10).status_code == 404
