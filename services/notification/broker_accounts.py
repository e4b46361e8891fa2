"""The public event stream's subscriber users, made and removed on RabbitMQ through its management API
(RABBITMQ_MANAGEMENT_URL), on the public vhost only (PUBLIC_VHOST). The rights come from
domain/stream_access.py. A management API that does not answer raises ConnectionError (the gateway's 503)."""
from urllib.parse import quote

import requests
from nameko.extensions import DependencyProvider

from services.notification.domain import stream_access
from shared import broker_access
from shared.broker_access import ManagementApi
from shared.settings import settings_of


def _q(name):
    return quote(name, safe="")


class BrokerAccounts:
    def __init__(self, api, vhost):
        self.api, self.vhost = api, vhost

    def create(self, subscriber_id, password, departments, districts):
        user = stream_access.username(subscriber_id)
        with _outage("create a subscriber's RabbitMQ user"):
            self.api.put(f"/users/{_q(user)}", {"password": password, "tags": ""})
            self.api.put(f"/permissions/{_q(self.vhost)}/{_q(user)}", stream_access.permissions(subscriber_id))
            self.api.put(f"/topic-permissions/{_q(self.vhost)}/{_q(user)}",
                         stream_access.topic_permissions(departments, districts))

    def remove(self, subscriber_id):
        """Delete the user, close its connections and delete its queues (idempotent)."""
        user = stream_access.username(subscriber_id)
        prefix = stream_access.queue_prefix(subscriber_id)
        with _outage("remove a subscriber's RabbitMQ user"):
            self.api.delete(f"/users/{_q(user)}")
            self.api.delete(f"/connections/username/{_q(user)}")
            for queue in self._get(f"/queues/{_q(self.vhost)}?columns=name"):
                if queue["name"].startswith(prefix):
                    self.api.delete(f"/queues/{_q(self.vhost)}/{_q(queue['name'])}")

    def _get(self, path):
        response = self.api.session.get(self.api.base + path, timeout=self.api.timeout)
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return response.json()


class _outage:
    """Any failure of the management API becomes a ConnectionError naming what could not be done."""

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if isinstance(error, requests.RequestException):
            raise ConnectionError(f"could not {self.what}: the broker's management API failed "
                                  f"({type(error).__name__})") from None
        return False


class SubscriberBroker(DependencyProvider):
    def setup(self):
        settings = settings_of(self.container.config)
        self.accounts = BrokerAccounts(ManagementApi(settings.rabbitmq_management_url),
                                       broker_access.public_vhost(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.accounts
