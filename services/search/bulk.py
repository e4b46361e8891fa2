"""Index writes in `_bulk` requests, and the batching of the live ones: every event handler of a search
process hands its case to one Batcher (shared.batching) and waits for that case's own result, while the
Batcher sends what has gathered in one `_bulk` request. A handler returns (and its message is acked) only after
Elasticsearch accepted its document; a version conflict means the index already had a newer state and counts
as done; any other refusal raises in that handler alone, so its event is retried and, past the delivery limit,
dead-lettered.

A request goes out when `max_docs` cases wait (at most one per worker) or `linger` seconds after the first
one arrived; of several versions of one case in it, only the newest is sent (a filing's three events arrive
within a few hundred milliseconds: SEARCH_BULK_LINGER_MS).
"""
import time
from itertools import islice

from services.search.index import alias, building_alias, document
from shared import batching
from shared.metrics import SEARCH_VERSIONS


class Batcher(batching.Batcher):
    """The live writes' batches (shared.batching): each case with whether its handler asked for a refresh; a
    request refreshes (`wait_for`) when any of its cases asked."""

    def __init__(self, write, max_docs=500, linger=0.05):
        """`write(cases, refresh)` returns one outcome per case: a value, or an exception to raise."""
        super().__init__(lambda items: write([case for case, _ in items], _refresh(items)), max_docs, linger,
                         name="search.bulk")

    def submit(self, case, refresh=False):
        return super().submit((case, refresh))


def _refresh(items):
    return "wait_for" if any(refresh for _, refresh in items) else None


def bulk_write(es, cases, targets, refresh=None, counted=False):
    """Write each case into every target alias in one `_bulk` request, with the case's version as an
    external version. Returns one outcome per case: True (written into targets[0]), False (targets[0]
    already had this version or a newer one), or an exception for that case alone. `counted`: live writes,
    counted in SEARCH_VERSIONS (sent, or coalesced into a newer version of the case sent instead).

    `require_alias`: a target that is no longer an alias (a rebuild just swapped or was abandoned) fails
    its item with a 404 instead of Elasticsearch creating an index by that name; for targets after the
    first that is expected and ignored."""
    outcomes, sent, operations = [None] * len(cases), [], []
    newest, older = _newest_versions(cases)
    for n, case in enumerate(cases):
        if n not in newest:
            continue
        try:
            meta = {"_id": case["tracking_id"], "version": int(case["version"]), "version_type": "external"}
            doc = document(case)
        except (KeyError, TypeError, ValueError) as error:  # never indexable: this case alone fails
            outcomes[n] = error
            continue
        sent.append(n)
        for target in targets:
            operations += [{"index": {"_index": target, **meta}}, doc]
    if counted:
        SEARCH_VERSIONS.labels("sent").inc(len(sent))
        SEARCH_VERSIONS.labels("coalesced").inc(len(older))
    if not sent:
        return _coalesced(outcomes, older)
    response = es.bulk(operations=operations, require_alias=True, refresh=refresh,
                       filter_path="errors,items.*.status,items.*.error")
    items = response["items"]
    for k, n in enumerate(sent):
        for t, target in enumerate(targets):
            item = next(iter(items[k * len(targets) + t].values()))
            status = item["status"]
            if t == 0 and status in (200, 201, 409):
                outcomes[n] = status != 409  # 409: the index had this version or a newer one
            elif status >= 300 and status != 409 and (t == 0 or status != 404):
                outcomes[n] = BulkItemError(target, item)
    return _coalesced(outcomes, older)


def _newest_versions(cases):
    """Coalescing: of several versions of one case in a batch only the newest is sent. The positions sent,
    and for each older one the position of the newer version that stands for it."""
    best = {}  # tracking ID -> position of its newest version
    for n, case in enumerate(cases):
        try:
            key, version = case["tracking_id"], int(case["version"])
        except (KeyError, TypeError, ValueError):
            continue  # not indexable: sent alone, to fail alone
        if key not in best or version > int(cases[best[key]]["version"]):
            best[key] = n
    older = {}
    for n, case in enumerate(cases):
        key = case.get("tracking_id") if isinstance(case, dict) else None
        if key in best and best[key] != n:
            older[n] = best[key]
    return set(range(len(cases))) - set(older), older


def _coalesced(outcomes, older):
    """An older version shares its newer version's fate: done (False: the index has a newer one) once that
    is written or found newer there, the same error when it failed (both are retried)."""
    for n, newer in older.items():
        outcome = outcomes[newer]
        outcomes[n] = outcome if isinstance(outcome, Exception) else False
    return outcomes


def bulk_load(es, target, cases, chunk_size=1000, on_chunk=None):
    """Index many cases (an iterable: a generator's, a file's, an export page) into the `target` alias,
    `chunk_size` to a request, order-safe as live writes; returns (written, already newer).
    `on_chunk(n)`: progress."""
    cases = iter(cases)
    written = newer = 0
    while chunk := list(islice(cases, chunk_size)):
        outcomes = bulk_write(es, chunk, (target,))
        refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if refused:
            raise RuntimeError(f"{len(refused)} cases were refused, e.g. {refused[0]}")
        written, newer = written + outcomes.count(True), newer + outcomes.count(False)
        if on_chunk:
            on_chunk(len(chunk))
    return written, newer


class BulkItemError(Exception):
    """Elasticsearch refused one document of a bulk request (not a version conflict)."""

    def __init__(self, target, item):
        super().__init__(f"{target}: {item.get('status')} {item.get('error')}")
        self.status = item.get("status")


class WriteTargets:
    """Where live writes go: the alias, and the building alias while a rebuild runs (asked at most every
    RECHECK_SECONDS; the rebuild waits longer than that before it reads the store, see rebuild.py)."""

    RECHECK_SECONDS = 1.0

    def __init__(self, es, config):
        self.es = es
        self.targets = (alias(config),)
        self.building = building_alias(config)
        self.checked_at = float("-inf")

    def current(self):
        if time.monotonic() - self.checked_at >= self.RECHECK_SECONDS:
            self.checked_at = time.monotonic()
            building = self.es.indices.exists_alias(name=self.building)
            self.targets = (self.targets[0], self.building) if building else (self.targets[0],)
        return self.targets
