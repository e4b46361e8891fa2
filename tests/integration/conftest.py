"""Integration tests run against the real servers that `make test` started (or that AMQP_URI,
MONGO_URI and ELASTICSEARCH_URL name). Each test gets its own RabbitMQ vhost (nameko's `rabbit_config`),
its own database prefix and its own index prefix, all removed afterwards."""
import socket
import uuid

import pytest

from services.gateway.limits import SETTINGS as RATE_LIMIT_SETTINGS
from shared import broker_access
from shared.config import load_config
from shared.elastic import drop_indices
from shared.mongo import connect
from tests.integration.console import console, console_with  # noqa: F401 (the web console's fixtures)
from tests.integration.public_subscriber import PublicSubscriber


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def public_stream(request, rabbit_config):
    """The public event stream's vhost of this test (next to nameko's vhost of the test), with its exchange;
    the test vhost's administrator (guest) may do anything there. Removed afterwards."""
    api = broker_access.ManagementApi(request.config.getoption("RABBIT_API_URI"))
    vhost = broker_access.public_vhost_of(rabbit_config["vhost"])
    broker_access.create_public_stream(api, vhost)
    yield {"vhost": vhost, "AMQP_URI": broker_access.with_vhost(rabbit_config["AMQP_URI"], vhost)}
    api.delete(f"/vhosts/{vhost}")


@pytest.fixture
def public_reader(public_stream):
    """An outside reader (guest) of the test's public vhost, bound to everything."""
    stream = PublicSubscriber(public_stream["AMQP_URI"], "#")
    yield stream
    stream.close()


@pytest.fixture
def platform_config(rabbit_config, public_stream, after_services):
    config = load_config()
    run_id = uuid.uuid4().hex[:10]
    config.update(
        AMQP_URI=rabbit_config["AMQP_URI"],
        PUBLIC_AMQP_URI=public_stream["AMQP_URI"],
        MONGO_DB_PREFIX=f"test_{run_id}_",
        ES_INDEX_PREFIX=f"test-{run_id}-",
        WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}",
        HEALTH_TIMEOUT=2,
        INTERNAL_CALLER_KEY=f"test-caller-key-{uuid.uuid4().hex}",  # signs the callers of every RPC
        METRICS_PORT=0,  # no metrics listener (tests of metrics pick a free port)
        S3_BUCKET=f"test-{run_id}",  # attachments: the test's own bucket (made on the first upload)
    )
    # tests file, search and poll far faster than people do: the gateway's limits stay on, out of their way
    # (tests of the limits set their own)
    config.update({name: "1000000/60" for name in RATE_LIMIT_SETTINGS})
    config.pop("LOGGING", None)
    after_services(lambda: remove_stores(config))  # tests/conftest.py: not while services still write
    yield config


def remove_stores(config):
    """The test's databases, indices and attachment bucket."""
    client = connect(config["MONGO_URI"])
    try:
        for name in client.list_database_names():
            if name.startswith(config["MONGO_DB_PREFIX"]):
                client.drop_database(name)
    finally:
        client.close()
    drop_indices(config)
    drop_bucket(config)


_S3_CLIENTS = {}


def drop_bucket(config):
    """The test's attachment bucket, if it made one (S3Proxy keeps buckets as folders under var/s3proxy)."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    from shared.object_store import ObjectStore, client_of, secret_key
    from shared.settings import load_settings

    settings = load_settings(config)
    try:
        key = (settings.s3_endpoint_url, settings.s3_access_key, secret_key(settings))
    except RuntimeError:  # no S3 secret: no store was started, so no test made a bucket
        return
    if key not in _S3_CLIENTS:  # a boto3 client costs ~130 ms to make: one per store for the whole session
        _S3_CLIENTS[key] = client_of(settings)
    store = ObjectStore(_S3_CLIENTS[key], settings.s3_bucket)
    try:
        for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket):
            for item in page.get("Contents", []):
                store.client.delete_object(Bucket=store.bucket, Key=item["Key"])
        store.client.delete_bucket(Bucket=store.bucket)
    except EndpointConnectionError:  # no store answering: no test made a bucket
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("NoSuchBucket", "404"):
            raise


@pytest.fixture
def es(platform_config):
    """An Elasticsearch client (the platform_config fixture removes the test's indices)."""
    from shared.elastic import connect as connect_es

    client = connect_es(platform_config["ELASTICSEARCH_URL"])
    yield client
    client.close()


@pytest.fixture
def mongo_client(platform_config):
    client = connect(platform_config["MONGO_URI"])
    yield client
    client.close()


@pytest.fixture
def gateway_url(platform_config):
    return f"http://{platform_config['WEB_SERVER_ADDRESS']}"


@pytest.fixture
def event_log(platform_config):
    """Every grievance.* event that intake and routing publish during the test, in arrival order."""
    from kombu import Connection, Exchange, Queue

    connection = Connection(platform_config["AMQP_URI"])
    channel = connection.channel()
    queue = Queue(f"test-event-log-{uuid.uuid4().hex[:8]}", exclusive=True, bindings=[])
    queue = queue(channel)
    queue.declare()
    for source in ("intake", "routing"):
        exchange = Exchange(f"{source}.events", type="topic", durable=True)(channel)
        exchange.declare()
        queue.bind_to(exchange, routing_key="grievance.#")

    class Log:
        def __init__(self):
            self.events = []

        def drain(self):
            while (message := queue.get(no_ack=True, accept=["json"])) is not None:
                self.events.append(message.payload)
            return self.events

        def types(self, tracking_id=None):
            return [e["type"] for e in self.drain() if tracking_id in (None, e.get("subject"))]

    yield Log()
    connection.release()


@pytest.fixture
def platform_with(platform_config, runner_factory):
    """Starts all six services in-process with development auth, time that tests may move, and the given
    settings on top (rate limits, trusted proxies)."""
    from services.registry import service_classes
    from tests.integration.directory import DEFAULT_OFFICES, seed_directory
    from tests.integration.platform_client import Gateway

    def start(directory=DEFAULT_OFFICES, services=None, **settings):
        """`directory`: the offices whose demo officers are seeded through identity (routing's pools come
        from its staff.changed events only; tests/integration/directory.py); () for none. `services`: the
        service classes to start (default: all six), e.g. the gateway without the service a test stands in for."""
        platform_config.update(AUTH_MODE="development", ALLOW_CLOCK_OVERRIDE=True,
                               OIDC_ISSUER=f"http://{platform_config['WEB_SERVER_ADDRESS']}",
                               WEB_REDIRECT_URIS="http://127.0.0.1/app/callback")
        platform_config.update(settings)
        runner = runner_factory(platform_config, *(services or service_classes()))
        runner.start()
        if directory:
            seed_directory(platform_config, directory)
        return Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")

    return start


@pytest.fixture
def mail_sink(tmp_path):
    """An SMTP server of the test's own, keeping what it receives (tests/integration/receivers.py)."""
    from tests.integration.receivers import MailSink

    sink = MailSink(tmp_path / "mail")
    yield sink
    sink.stop()


@pytest.fixture
def platform(platform_with):
    """All six services in-process, with development auth and time that tests may move."""
    return platform_with()


@pytest.fixture
def private_ferretdb(tmp_path):
    """A FerretDB of the test's own, which the test may stop, start and pause (the shared one must stay up)."""
    from tests.integration.private_ferretdb import PrivateFerretDB

    server = PrivateFerretDB(tmp_path / "ferretdb")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_mongo(private_ferretdb, platform_config):
    """The platform's store is a FerretDB of the test's own (`private_ferretdb`)."""
    shared_uri, platform_config["MONGO_URI"] = platform_config["MONGO_URI"], private_ferretdb.uri
    yield private_ferretdb
    platform_config["MONGO_URI"] = shared_uri  # so the shared teardown cleans the shared server
