"""A service process holds one MongoDB client, shared by its store, outbox, inbox and sender, and closes it
when it stops. Counted from pymongo's own topology events: each MongoClient opens one topology."""
import threading

import pymongo.monitoring
import pytest

from services.notification.service import NotificationService
from services.routing.service import RoutingService
from shared.signed_rpc import SignedClusterRpcProxy


class OpenTopologies(pymongo.monitoring.TopologyListener):
    """The topologies (one per MongoClient) opened and not yet closed while `counting` is set."""

    def __init__(self):
        self.counting = False
        self.open = set()
        self.lock = threading.Lock()

    def opened(self, event):
        if self.counting:
            with self.lock:
                self.open.add(event.topology_id)

    def closed(self, event):
        with self.lock:
            self.open.discard(event.topology_id)

    def description_changed(self, event):
        pass


TOPOLOGIES = OpenTopologies()
pymongo.monitoring.register(TOPOLOGIES)  # global: applies to clients made from now on


@pytest.mark.parametrize("service", [RoutingService, NotificationService])
def test_a_running_service_holds_exactly_one_mongo_client(service, platform_config, container_factory):
    TOPOLOGIES.open.clear()
    TOPOLOGIES.counting = True
    try:
        container = container_factory(service, platform_config)
        container.start()
        with SignedClusterRpcProxy(platform_config, caller=None, issuer="test") as rpc:
            assert getattr(rpc, service.name).health()["status"] == "up"  # the store answers through it
        assert len(TOPOLOGIES.open) == 1
        container.stop()
        assert TOPOLOGIES.open == set()  # closed with the container
    finally:
        TOPOLOGIES.counting = False
