"""The search service holds an event while Elasticsearch cannot take writes, instead of handing it back
(every hand-back counts toward the queue's delivery limit: a long outage dead-lettered events)."""
import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError, BadRequestError

from services.search import outage
from services.search.bulk import BulkItemError
from services.search.service import GrievanceIndex


def api_error(cls, status):
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "127.0.0.1", 9200))
    return cls(message=f"HTTP {status}", meta=meta, body={})


@pytest.mark.parametrize("error, expected", [
    (ConnectionError("connection refused"), True),
    (api_error(ApiError, 503), True),
    (api_error(ApiError, 429), True),
    (BulkItemError("idx", {"status": 429, "error": "es_rejected_execution_exception"}), True),
    (api_error(BadRequestError, 400), False),
    (BulkItemError("idx", {"status": 400, "error": "mapper_parsing_exception"}), False),
    (KeyError("tracking_id"), False),
])
def test_only_an_unreachable_or_overloaded_cluster_counts_as_an_outage(error, expected):
    assert outage.is_outage(error) is expected


def test_the_wait_grows_then_stays_at_fifteen_seconds():
    assert [outage.wait_before(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 15, 15, 15]


class FlakyBatcher:
    """Stands in for the service's own Batcher: fails the first `failures` writes with `error`."""

    def __init__(self, failures, error):
        self.failures, self.error, self.calls = failures, error, 0

    def submit(self, case, refresh=False):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return True


class Container:
    config = {"SEARCH_OUTAGE_HOLD_SECONDS": 30}


def index_with(batcher, monkeypatch):
    waits = []
    monkeypatch.setattr("services.search.service.pause", lambda seconds: waits.append(seconds) or False)
    provider = GrievanceIndex()
    provider.container, provider.batcher, provider.ready = Container(), batcher, True
    return provider, waits


def test_a_write_during_an_outage_is_held_and_tried_again_in_place(monkeypatch):
    batcher = FlakyBatcher(3, ConnectionError("connection refused"))
    provider, waits = index_with(batcher, monkeypatch)
    assert provider.put({"tracking_id": "WB-2026-00000017", "version": 2}) is True
    assert batcher.calls == 4 and waits == [0.5, 1, 2]


def test_a_case_elasticsearch_refuses_is_not_held(monkeypatch):
    batcher = FlakyBatcher(1, BulkItemError("idx", {"status": 400, "error": "mapper_parsing_exception"}))
    provider, waits = index_with(batcher, monkeypatch)
    with pytest.raises(BulkItemError):
        provider.put({"tracking_id": "WB-2026-00000017", "version": 2})
    assert batcher.calls == 1 and waits == []


def test_a_stopping_process_hands_the_event_back(monkeypatch):
    batcher = FlakyBatcher(10, ConnectionError("connection refused"))
    provider, _ = index_with(batcher, monkeypatch)
    monkeypatch.setattr("services.search.service.pause", lambda seconds: True)  # the process is stopping
    with pytest.raises(ConnectionError):
        provider.put({"tracking_id": "WB-2026-00000017", "version": 2})
    assert batcher.calls == 1
