"""Contract tests: the OpenAPI document that a running gateway serves, checked against that gateway's real
answers (schemathesis) and used to generate a client (openapi-python-client). They start all six services
on the real servers with the integration tests' fixtures."""
import os

import pytest

from tests.integration.conftest import platform, platform_config, platform_with, public_stream  # noqa: F401 (fixtures)
from tests.integration.public_stream import close_public_vhost, open_public_vhost


@pytest.fixture(autouse=True)
def subscriber_users(platform_config):  # noqa: F811 (the fixture imported above)
    """Subscriber accounts the fuzzer creates live on the test's own public vhost, and go with it."""
    vhost = open_public_vhost(platform_config)
    yield
    close_public_vhost(platform_config, vhost)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/contract/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
