"""Elasticsearch down or overloaded: the search service holds an event and tries again in place.

Handing the event back instead would count toward its queue's delivery limit (quorum queues count every
hand-back), so an outage longer than the consumer's few retries dead-lettered the events that arrived during
it and left their cases stale in the index (`make chaos`: 10 events, 2 cases, with Elasticsearch down 26 s).
Pure: which errors mean "not reachable now", and how long to wait before the next try."""
from elastic_transport import TransportError
from elasticsearch import ApiError

from services.search.bulk import BulkItemError

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})  # overloaded, starting, or a proxy before it
BACKOFF_SECONDS = (0.5, 1, 2, 4, 8, 15)  # then every 15 s
DEFAULT_HOLD_SECONDS = 600  # after that the event goes the usual way (retries, then its dead-letter queue)


def is_outage(error):
    """Whether `error` says Elasticsearch cannot take writes right now (rather than refusing this case)."""
    if isinstance(error, TransportError):  # connection refused or reset, timeout
        return True
    if isinstance(error, ApiError):
        return error.status_code in TRANSIENT_STATUSES
    return isinstance(error, BulkItemError) and error.status in TRANSIENT_STATUSES


def wait_before(attempt):
    """Seconds to wait before try number `attempt` (1 for the first retry)."""
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
