"""A public event stream vhost of a test's own (the platform's setup makes the real one), and the removal of
the subscriber users a test made (RabbitMQ's users are global: none may outlive its test)."""
from urllib.parse import quote

import requests

from shared.mongo import connect, database_name

EXCHANGE = "sorasori.public"
MANAGEMENT = "http://127.0.0.1:15672/api"
GUEST = ("guest", "guest")


def _vhost_path(vhost):
    return f"{MANAGEMENT}/vhosts/{quote(vhost, safe='')}"


def open_public_vhost(config):
    """`<the test's vhost>-public` with the topic exchange, guest allowed everything there; PUBLIC_VHOST names it."""
    vhost = f"{config['AMQP_URI'].rsplit('/', 1)[1]}-public"
    requests.put(_vhost_path(vhost), auth=GUEST, timeout=10).raise_for_status()
    requests.put(f"{MANAGEMENT}/permissions/{quote(vhost, safe='')}/guest", auth=GUEST, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    requests.put(f"{MANAGEMENT}/exchanges/{quote(vhost, safe='')}/{EXCHANGE}", auth=GUEST, timeout=10,
                 json={"type": "topic", "durable": True}).raise_for_status()
    config["PUBLIC_VHOST"] = vhost
    return vhost


def close_public_vhost(config, vhost):
    """Delete the users of the subscribers the test's notification store holds, then the vhost."""
    client = connect(config["MONGO_URI"])
    try:
        ids = [s["_id"] for s in client[database_name(config, "notification")].subscribers.find({}, {"_id": 1})]
    finally:
        client.close()
    for subscriber_id in ids:
        requests.delete(f"{MANAGEMENT}/users/sub-{quote(subscriber_id, safe='')}", auth=GUEST, timeout=10)
    requests.delete(_vhost_path(vhost), auth=GUEST, timeout=10)
