"""Prometheus metrics: what every entrypoint did (shared.metrics.EntrypointMetrics), what the platform
produced (filings, escalations, SLA breaches, notifications), and the backlogs (outbox, queues, dead letters).

Every metric lives in prometheus_client's process-wide registry, so one listener per process serves them
all (`METRICS_PORT`; shared/metrics_server.py). Labels are bounded: services, methods, route templates,
event types, status codes, catalogue departments and districts (anything else is counted as `other`), never
tracking IDs or people.
"""
import logging
import time
from datetime import UTC, datetime
from typing import ClassVar

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from pymongo import monitoring
from werkzeug.wrappers import Response

from shared import catalog
from shared.errors import PlatformError
from shared.metrics_server import listener_for

log = logging.getLogger(__name__)

OTHER = "other"
# seconds; RPCs and pages take milliseconds, a slow store or search seconds
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# seconds from an event's creation to a consumer starting on it (retries and backlogs push it up)
AGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)

HTTP_REQUESTS = Counter("sorasori_http_requests_total", "HTTP requests the gateway answered, by route template, "
                        "method and status code", ["route", "method", "status"])
HTTP_DURATION = Histogram("sorasori_http_request_duration_seconds", "Time the gateway took to answer, by route "
                          "template and method", ["route", "method"], buckets=LATENCY_BUCKETS)
RPC_DURATION = Histogram("sorasori_rpc_handler_duration_seconds", "Time an RPC method took, by service and method",
                         ["service", "method"], buckets=LATENCY_BUCKETS)
RPC_HANDLED = Counter("sorasori_rpc_handled_total", "RPC calls handled, by service, method and outcome (ok; "
                      "rejected: a domain error the caller is told about; error: anything else)",
                      ["service", "method", "outcome"])
EVENT_DURATION = Histogram("sorasori_event_handler_duration_seconds", "Time an event handler took, by service "
                           "and event type", ["service", "event_type"], buckets=LATENCY_BUCKETS)
EVENT_HANDLED = Counter("sorasori_event_handled_total", "Event deliveries handled, by service, event type and "
                        "outcome (ok or error: handed back for another try)", ["service", "event_type", "outcome"])
EVENT_AGE = Histogram("sorasori_event_age_seconds", "Seconds from an event's creation to a consumer starting on "
                      "it (consumer lag), by consuming service and event type", ["service", "event_type"],
                      buckets=AGE_BUCKETS)
EVENTS_DEAD_LETTERED = Counter("sorasori_events_dead_lettered_total", "Events this process sent to its "
                               "dead-letter queue: invalid (not an envelope) or delivery_limit (failed "
                               "EVENT_DELIVERY_LIMIT times, handed back for the broker to dead-letter)",
                               ["service", "queue", "reason"])
EVENTS_PUBLISHED = Counter("sorasori_events_published_total", "Events relayed from an outbox to the broker, by "
                           "service and event type", ["service", "event_type"])
OUTBOX_RELAY_FAILURES = Counter("sorasori_outbox_relay_failures_total", "Outbox relays that failed (the events "
                                "stay in the store for the next sweep)", ["service", "collection"])
GRIEVANCES_FILED = Counter("sorasori_grievances_filed_total", "Grievances filed and routed to a department, by "
                           "department and district (counted when routing first routes the case)",
                           ["department", "district"])
ESCALATIONS = Counter("sorasori_grievance_escalations_total", "Grievances escalated to a higher level, by "
                      "department, district and new level", ["department", "district", "level"])
SLA_BREACHES = Counter("sorasori_sla_breaches_total", "Grievances whose top-level deadline passed, by department "
                       "and district", ["department", "district"])
STORE_OPERATIONS = Counter("sorasori_store_operations_total", "Commands a service sent to its MongoDB store "
                           "(pymongo command monitoring), by service, command name and collection",
                           ["service", "command", "collection"])
SEARCH_VERSIONS = Counter("sorasori_search_case_versions_total", "Case versions the search service's event "
                          "handlers gave its _bulk batches: sent (an index operation) or coalesced (a newer "
                          "version of the same case in the batch was sent for it)", ["outcome"])
NOTIFICATION_DELIVERIES = Counter("sorasori_notification_deliveries_total", "Notification send attempts, by "
                                  "channel and outcome (sent, delivered, retry, deferred, dead_letter)",
                                  ["channel", "outcome"])


class StoreOperationCounter(monitoring.CommandListener):
    """Counts every command a client sends (`STORE_OPERATIONS`), so a bench can say what a filing costs the
    store in each service; the client's app name is the service's name."""

    def __init__(self, service):
        self.service = service

    def started(self, event):
        STORE_OPERATIONS.labels(self.service, event.command_name, collection_of(event)).inc()

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def collection_of(event):
    """The collection a command works on: CRUD commands name it as their first field (`find: deliveries`),
    getMore in `collection`; "" for the rest (hello, ping, ...)."""
    target = event.command.get(event.command_name, event.command.get("collection"))
    return target if isinstance(target, str) else ""


def department_label(value):
    return value if value in catalog.departments() else OTHER


def district_label(value):
    return value if value in catalog.districts() else OTHER


def count_published(service, event):
    """Count an event an outbox relayed, and what it says about the grievance flow."""
    EVENTS_PUBLISHED.labels(service, event["type"]).inc()
    data = event.get("data") or {}
    place = (department_label(data.get("department")), district_label(data.get("district")))
    if event["type"] == "grievance.routed" and data.get("seq") == 1:  # a case's first routing, not a transfer
        GRIEVANCES_FILED.labels(*place).inc()
    elif event["type"] == "grievance.escalated":
        level = data.get("level")
        ESCALATIONS.labels(*place, str(level) if level in (1, 2, 3, 4) else OTHER).inc()
    elif event["type"] == "grievance.sla_breached":
        SLA_BREACHES.labels(*place).inc()


def count_delivery(channel, outcome):
    NOTIFICATION_DELIVERIES.labels(channel or OTHER, outcome).inc()


def http_status(result, exc_info):
    """The status code the gateway's HTTP entrypoint makes of a route's result (shared with its server)."""
    if exc_info is not None:
        error = exc_info[1]
        status = getattr(error, "status", None)  # PlatformError and the gateway's own errors
        if isinstance(status, int):
            return status
        return 400 if type(error).__name__ == "BadRequest" else 500
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return result[0]
    return 200


def _rpc_outcome(entrypoint, exc_info):
    if exc_info is None:
        return "ok"
    error = exc_info[1]
    expected = isinstance(error, tuple(entrypoint.expected_exceptions or ()))
    refused = isinstance(error, PlatformError) and error.status < 500  # e.g. a caller the bus refused
    return "rejected" if expected or refused else "error"


class EntrypointMetrics(DependencyProvider):
    """Times every HTTP, RPC and event entrypoint of the service it is declared on, and serves the process's
    metrics on METRICS_PORT while the service runs."""

    def __init__(self):
        self.started = {}

    def setup(self):
        self.listener = listener_for(self.container)

    def start(self):
        if self.listener:
            self.listener.attach(self.container)

    def stop(self):
        if self.listener:
            self.listener.detach(self.container)

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return None

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()
        entrypoint = worker_ctx.entrypoint
        if isinstance(entrypoint, EventHandler) and worker_ctx.args and isinstance(worker_ctx.args[0], dict):
            age = event_age(worker_ctx.args[0])
            if age is not None:
                EVENT_AGE.labels(self.container.service_name, event_type(worker_ctx)).observe(age)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        entrypoint, service = worker_ctx.entrypoint, self.container.service_name
        try:
            if isinstance(entrypoint, HttpRequestHandler):
                route, method = entrypoint.url, entrypoint.method
                HTTP_DURATION.labels(route, method).observe(elapsed)
                HTTP_REQUESTS.labels(route, method, str(http_status(result, exc_info))).inc()
            elif isinstance(entrypoint, Rpc):
                RPC_DURATION.labels(service, entrypoint.method_name).observe(elapsed)
                RPC_HANDLED.labels(service, entrypoint.method_name, _rpc_outcome(entrypoint, exc_info)).inc()
            elif isinstance(entrypoint, EventHandler):
                kind = event_type(worker_ctx)
                EVENT_DURATION.labels(service, kind).observe(elapsed)
                EVENT_HANDLED.labels(service, kind, "ok" if exc_info is None else "error").inc()
        except Exception:  # a metric must never fail a request
            log.exception("recording an entrypoint's metrics failed")

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)


def event_type(worker_ctx):
    """The envelope's type (a handler bound to `grievance.#` sees many); only the platform's services may
    publish on their exchanges, so the types are the fixed ones they emit."""
    event = worker_ctx.args[0] if worker_ctx.args else None
    if isinstance(event, dict) and isinstance(event.get("type"), str):
        return event["type"]
    return worker_ctx.entrypoint.event_type


def event_age(event):
    try:
        created = datetime.fromisoformat(event["time"])
    except (KeyError, TypeError, ValueError):
        return None
    return max((datetime.now(UTC) - created).total_seconds(), 0.0)


class BacklogCollector:
    """Gauges read when Prometheus scrapes, from sources that outboxes and event consumers register: each
    source returns `(gauge name, label values, value)` triples. A source that fails (its store or the broker
    is down) is logged and left out of that scrape."""

    GAUGES: ClassVar[dict] = {
        "sorasori_outbox_pending_events": (("Events written to an outbox and not yet relayed, in documents "
                                            "the outbox hints name (no scan)"), ["service", "collection"]),
        "sorasori_outbox_oldest_pending_seconds": (("Age of the oldest hinted outbox document that still has "
                                                    "events to relay"), ["service", "collection"]),
        "sorasori_queue_messages": ("Messages ready in an event consumer's queue (consumer lag)",
                                    ["service", "queue"]),
        "sorasori_queue_consumers": ("Consumers attached to an event consumer's queue", ["service", "queue"]),
        "sorasori_dead_letter_queue_messages": ("Messages in an event consumer's dead-letter queue",
                                                ["service", "queue"]),
    }

    def __init__(self):
        self.sources = {}

    def add(self, key, source):
        self.sources[key] = source

    def remove(self, key):
        self.sources.pop(key, None)

    def collect(self):
        families = {name: GaugeMetricFamily(name, doc, labels=labels) for name, (doc, labels) in self.GAUGES.items()}
        for key, source in list(self.sources.items()):
            try:
                samples = list(source())
            except Exception as error:  # noqa: BLE001 (a scrape must not fail for one source)
                log.warning("a metrics source failed", extra={"source": str(key), "error": repr(error)})
                continue
            for name, labels, value in samples:
                families[name].add_metric(list(labels), value)
        return list(families.values())


BACKLOG = BacklogCollector()
REGISTRY.register(BACKLOG)


def registered_metric_names(registry=REGISTRY):
    """Every series name the registry can expose (a counter's `_total`, a histogram's `_bucket`, ...),
    including labelled metrics that have no series yet."""
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                "summary": ("", "_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",)}
    names = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names
