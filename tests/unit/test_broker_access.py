"""The services' RabbitMQ permissions (shared/broker_access.py) against the names nameko and our consumers
really use, read from the service classes."""
import re

import pytest
from nameko.events import EventHandler
from nameko.rpc import Rpc

from services.registry import service_classes
from shared import broker_access
from shared.broker_access import PRINCIPALS, permissions, topic_permissions

REPLY = "rpc.reply-{}-3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60"
REPLY_KEY = "3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60"


def entrypoints(cls):
    for name in dir(cls):
        for entrypoint in getattr(getattr(cls, name), "nameko_entrypoints", ()):
            yield name, entrypoint


def consumer_queues(cls):
    return [f"evt-{e.source_service}-{e.event_type}--{cls.name}.{name}"
            for name, e in entrypoints(cls) if isinstance(e, EventHandler)]


def allows(regex, name):
    return re.fullmatch(regex, name) is not None


@pytest.mark.parametrize("cls", service_classes(), ids=lambda cls: cls.name)
def test_each_service_may_use_what_it_declares_consumes_and_publishes(cls):
    allowed = permissions(cls.name)
    queues = consumer_queues(cls)
    for queue in queues + ["dlq." + q for q in queues]:
        assert all(allows(allowed[kind], queue) for kind in ("configure", "write", "read")), queue
    serves = any(isinstance(e, Rpc) for _, e in entrypoints(cls))
    assert allows(allowed["read"], f"rpc-{cls.name}") == serves
    for source in {q.split("-")[1] for q in queues}:
        assert allows(allowed["read"], f"{source}.events") and not allows(allowed["write"], f"{source}.events")
    if PRINCIPALS[cls.name].calls:
        assert allows(allowed["read"], REPLY.format(cls.name))


@pytest.mark.parametrize("other", [name for name in PRINCIPALS if name != "intake"])
def test_no_other_service_may_take_intakes_requests_queues_or_publish_its_events(other):
    allowed, topics = permissions(other), topic_permissions(other)
    intake_queues = ["rpc-intake", REPLY.format("intake")] + consumer_queues(
        next(c for c in service_classes() if c.name == "intake"))
    for queue in intake_queues:
        assert not allows(allowed["read"], queue) and not allows(allowed["configure"], queue), queue
    assert not allows(allowed["write"], "intake.events")
    assert not allows(topics["read"], "intake.*") and not allows(topics["read"], "#")


def test_only_callers_may_publish_requests_and_only_to_the_services_they_call():
    assert allows(topic_permissions("gateway")["write"], "intake.get_grievance")
    assert allows(topic_permissions("identity")["write"], "notification.send_sms")
    assert not allows(topic_permissions("identity")["write"], "intake.get_grievance")
    assert not allows(topic_permissions("search")["write"], "intake.get_grievance")
    assert allows(topic_permissions("search")["write"], REPLY_KEY)  # its answers to callers


def test_uris():
    uri = broker_access.amqp_uri("intake", "p/w@", "sorasori", host="rabbit:5672")
    assert uri == "pyamqp://sorasori-intake:p%2Fw%40@rabbit:5672/sorasori"
    assert broker_access.with_vhost("pyamqp://g:g@127.0.0.1:5672/", "bench-1") == "pyamqp://g:g@127.0.0.1:5672/bench-1"
    assert broker_access.broker_host("amqps://u:p@rabbit.internal:5671/sorasori") == "rabbit.internal:5671"


@pytest.mark.parametrize("name", [n for n, p in PRINCIPALS.items() if p.serves_rpc])
def test_a_serving_service_may_ask_its_own_health_and_nothing_more_of_itself(name):
    """Its pods' probe (shared/probe.py) calls `<name>.health` with the pod's own login."""
    topics = topic_permissions(name)
    assert allows(topics["write"], f"{name}.health") and allows(topics["read"], REPLY_KEY)
    assert allows(permissions(name)["configure"], REPLY.format(name))
    assert not allows(topics["write"], f"{name}.get_grievance")
    others = [other for other in PRINCIPALS if other != name and other not in PRINCIPALS[name].calls]
    assert not any(allows(topics["write"], f"{other}.health") for other in others)


def test_on_the_public_vhost_the_relay_may_declare_and_publish_to_the_public_exchange_only():
    allowed = broker_access.public_permissions()
    assert allows(allowed["write"], "sorasori.public") and allows(allowed["configure"], "sorasori.public")
    for other in ("sorasori_public", "sorasori.publicx", "amq.default", "", "intake.events", "some-queue"):
        assert not allows(allowed["write"], other) and not allows(allowed["configure"], other), other
    assert not allows(allowed["read"], "sorasori.public") and not allows(allowed["read"], "any-queue")
    assert broker_access.public_vhost_of("sorasori") == "sorasori-public"


def test_the_relay_publishes_next_to_its_platform_vhost_unless_told_otherwise():
    local = {"AMQP_URI": "pyamqp://sorasori-notification:pw@127.0.0.1:5672/sorasori"}
    assert broker_access.public_stream_uri(local) == "pyamqp://sorasori-notification:pw@127.0.0.1:5672/sorasori-public"
    chaos = {"AMQP_URI": "pyamqp://chaos-notification:pw@127.0.0.1:5673/sorasori-chaos"}
    assert broker_access.public_vhost(chaos) == "sorasori-chaos-public"
    assert broker_access.public_stream_uri({**local, "PUBLIC_VHOST": "events"}).endswith("@127.0.0.1:5672/events")
    assert broker_access.public_stream_uri({**local, "PUBLIC_AMQP_URI": "amqps://relay:pw@bus.example:5671/pub"}) == (
        "amqps://relay:pw@bus.example:5671/pub")
