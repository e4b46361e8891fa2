"""Routing: owns departments, officers, routing rules, assignments and SLA clocks."""
from shared.service_base import StoreBackedService


class RoutingService(StoreBackedService):
    name = "routing"
