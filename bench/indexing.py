"""Indexing cases into Elasticsearch: one `index` request per case (how the search service wrote before
it batched), the search service's Batcher (the same number of concurrent writers as a service has
workers), and raw `_bulk` straight to Elasticsearch; and events through the running search service."""
import time
import uuid

import eventlet

from bench.measure import progress, wait_while_moving
from services.search.bulk import Batcher, bulk_write
from services.search.index import alias, ensure_index, index_case
from shared.elastic import connect
from shared.events import new_event
from shared.outbox import EventPublisher

WORKERS = 10  # nameko's max_workers in config/sorasori.yaml


def case(n, run):
    return {"tracking_id": f"WB-{run}-{n:08d}", "status": "routed", "version": 1, "kind": "complaint",
            "subject": f"জল নেই, ward {n % 40}", "description": "The tube well has been broken for two weeks.",
            "department": "phe", "category": "drinking_water", "place": {"district": "Nadia", "ward": str(n % 40)},
            "level": 1, "urgent": False, "created_at": "2026-11-28T10:00:00+00:00",
            "updated_at": "2026-11-28T10:00:00+00:00", "channel": "mobile",
            "complainant": {"name": "Bench Citizen", "mobile": f"9{n:09d}"}}


def concurrently(write, cases):
    started = time.perf_counter()
    pool = eventlet.GreenPool(WORKERS)
    for result in pool.imap(write, cases):
        assert result is True
    return len(cases) / (time.perf_counter() - started)


def measure_index_paths(config, count):
    """{path: cases/s}, the three paths in one run, each into its own fresh index."""
    es = connect(config["ELASTICSEARCH_URL"])
    rates = {}
    try:
        for path in ("single", "batched", "raw_bulk"):
            local = dict(config, ES_INDEX_PREFIX=f"bench-{uuid.uuid4().hex[:8]}-")
            name = ensure_index(es, local)
            cases = [case(n, path) for n in range(count)]
            progress(f"indexing {count} cases: {path}")
            if path == "single":
                rates[path] = concurrently(lambda c: index_case(es, local, c), cases)
            elif path == "batched":
                batcher = Batcher(lambda batch, refresh: bulk_write(es, batch, (name,), refresh), max_docs=WORKERS)
                flusher = eventlet.spawn(batcher.run)
                rates[path] = concurrently(batcher.submit, cases)
                flusher.kill()
                rates["batched_docs_per_request"] = count / batcher.batches
            else:
                started = time.perf_counter()
                for start in range(0, count, 500):
                    assert all(o is True for o in bulk_write(es, cases[start:start + 500], (name,)))
                rates[path] = count / (time.perf_counter() - started)
            es.indices.refresh(index=name)
            assert es.count(index=name)["count"] == count
            for index in es.indices.get_alias(name=name):
                es.indices.delete(index=index)
            es.indices.delete_index_template(name=name)
    finally:
        es.close()
    return rates


def note_event(n, run):
    """A `grievance.note_added` for a generated case: an event type only search consumes (routing would
    route a `filed`, and intake record that), valid under the event contract (shared/contracts)."""
    return new_event("grievance.note_added", "intake", {"case": case(n, run), "text": "bench note",
                                                        "visibility": "internal"}, subject=f"WB-{run}-{n:08d}")


def measure_service_indexing(config, count):
    """Events/s through the running search service: publish `count` grievance events to intake's
    exchange, time until all are in the index (counted after a refresh)."""
    run = uuid.uuid4().hex[:8]
    publisher = EventPublisher(config["AMQP_URI"], "intake")
    events = [note_event(n, run) for n in range(count)]
    es = connect(config["ELASTICSEARCH_URL"])
    name = alias(config)
    query = {"prefix": {"tracking_id": f"WB-{run}-"}}
    try:
        started = time.perf_counter()
        for event in events:  # publishing (thousands a second) outpaces indexing
            publisher.publish(event)

        def indexed():
            es.options(ignore_status=404).indices.refresh(index=name)  # made by the service's first event
            return es.options(ignore_status=404).count(index=name, query=query).get("count", 0)

        done = wait_while_moving(indexed, count, "events indexed by the search service")
        if done < count:
            raise SystemExit(f"[bench] the search service stopped indexing at {done} of {count} events")
        return count / (time.perf_counter() - started)
    finally:
        es.close()
