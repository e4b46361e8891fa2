# eventlet patched the standard library already: tests/green.py, loaded first (pyproject's addopts).
import os

import pytest

from tests import local_servers


def pytest_configure(config):
    # nameko's pytest plugin makes a fresh RabbitMQ vhost per test from these two addresses.
    config.option.RABBIT_AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    config.option.RABBIT_API_URI = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    config.option.suppress_eventlet_notification = True
    config.stash[LOCAL_SERVERS] = local_servers.running_now()


LOCAL_SERVERS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failure with a local server dead ends the run after this test, saying which server and why
    (tests/local_servers.py)."""
    report = yield
    if report.failed:
        dead = local_servers.deaths(item.config.stash[LOCAL_SERVERS])
        if dead:
            item.session.shouldstop = "a local server died during the run:\n" + "\n\n".join(dead)
    return report


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker("integration")


@pytest.fixture
def after_services():
    """Registers work for after the test's services are dead: removing the stores they wrote to.

    nameko's `fast_teardown` kills the runners and containers of its factories last, after `rabbit_config`
    is torn down (the vhost deleted first makes the kill quick). A fixture that removed the test's stores in
    its own teardown did so while the services still worked: their writes made the dropped databases
    again, and a drop racing a write once killed FerretDB (scripts/infra/ferretdb.sh, fix 5). The factories
    below depend on this fixture, so it is torn down after them, and after every fixture that registers here.
    """
    chores = []
    yield chores.append
    for chore in reversed(chores):
        chore()


@pytest.fixture
def runner_factory(after_services, runner_factory):
    return runner_factory


@pytest.fixture
def container_factory(after_services, container_factory):
    return container_factory
