"""Integration tests run against the real servers that `make test` started (or that AMQP_URI,
MONGO_URI and ELASTICSEARCH_URL name). Each test gets its own RabbitMQ vhost (nameko's `rabbit_config`),
its own database prefix and its own index prefix, all removed afterwards."""
import socket
import uuid

import pytest

from shared.config import load_config
from shared.mongo import connect


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def platform_config(rabbit_config):
    config = load_config()
    run_id = uuid.uuid4().hex[:10]
    config.update(
        AMQP_URI=rabbit_config["AMQP_URI"],
        MONGO_DB_PREFIX=f"test_{run_id}_",
        ES_INDEX_PREFIX=f"test-{run_id}-",
        WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}",
        HEALTH_TIMEOUT=2,
    )
    config.pop("LOGGING", None)
    yield config
    client = connect(config["MONGO_URI"])
    try:
        for name in client.list_database_names():
            if name.startswith(config["MONGO_DB_PREFIX"]):
                client.drop_database(name)
    finally:
        client.close()


@pytest.fixture
def mongo_client(platform_config):
    client = connect(platform_config["MONGO_URI"])
    yield client
    client.close()


@pytest.fixture
def gateway_url(platform_config):
    return f"http://{platform_config['WEB_SERVER_ADDRESS']}"
