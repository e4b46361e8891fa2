# eventlet patched the standard library already: tests/green.py, loaded first (pyproject's addopts).
import os


def pytest_configure(config):
    # nameko's pytest plugin makes a fresh RabbitMQ vhost per test from these two addresses.
    config.option.RABBIT_AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    config.option.RABBIT_API_URI = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    config.option.suppress_eventlet_notification = True


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker("integration")
