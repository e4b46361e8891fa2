"""Contracts between the services: the schemas of every event's data (events.py), shared by producers,
which dump through them, and consumers, which load through them."""
from shared.contracts.events import (
    CASE_EVENTS,
    EVENT_SCHEMAS,
    ROUTING_DECISIONS,
    InvalidEventData,
    UndeclaredEvent,
    event_data,
    load_event_data,
)

__all__ = ["CASE_EVENTS", "EVENT_SCHEMAS", "ROUTING_DECISIONS", "InvalidEventData", "UndeclaredEvent",
           "event_data", "load_event_data"]
