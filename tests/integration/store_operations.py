"""What a test's own store client cost the store, from `sorasori_store_operations_total` (pymongo command
monitoring labels each command with the client's app name): the test gives its client a name of its own,
then counts what the code under test sent, as {"command collection": n}."""
import uuid

from prometheus_client import REGISTRY

from shared.mongo import connect


def counted_client(platform_config):
    """(app name, client): a client whose commands are counted under a name no other client has."""
    app_name = f"test-{uuid.uuid4().hex[:8]}"
    return app_name, connect(platform_config["MONGO_URI"], app_name=app_name)


def operations(app_name):
    found = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "sorasori_store_operations_total" and sample.labels.get("service") == app_name:
                found[f"{sample.labels['command']} {sample.labels.get('collection', '')}"] = sample.value
    return found


def spent(app_name, before):
    after = operations(app_name)
    return {key: after[key] - before.get(key, 0) for key in after if after[key] - before.get(key, 0)}
