"""Every command a service's client sends to the store is counted under the service's name (pymongo command
monitoring), so a bench can say what a filing costs the store in each service."""
import uuid

from prometheus_client import REGISTRY

from shared.mongo import connect


def counted(service, command, collection="things"):
    return REGISTRY.get_sample_value("sorasori_store_operations_total",
                                     {"service": service, "command": command, "collection": collection}) or 0


def test_each_command_a_client_sends_is_counted_under_its_service(platform_config):
    service = f"test-{uuid.uuid4().hex[:8]}"
    client = connect(platform_config["MONGO_URI"], app_name=service)
    collection = client[f"{platform_config['MONGO_DB_PREFIX']}ops"]["things"]
    try:
        collection.insert_one({"_id": 1})
        collection.insert_one({"_id": 2})
        collection.find_one({"_id": 1})
        collection.update_one({"_id": 1}, {"$set": {"seen": True}})
        assert (counted(service, "insert"), counted(service, "find"), counted(service, "update")) == (2, 1, 1)
    finally:
        client.drop_database(f"{platform_config['MONGO_DB_PREFIX']}ops")
        client.close()
