"""How intake records the routing service's decisions (routed, assigned, escalated) on the case of record.

Idempotent without an inbox: each decision carries routing's sequence number (`seq`), and a case keeps the
newest it recorded (`routing_seq`), so a replayed or late decision changes nothing it should not, in
whatever order the broker delivers them. `sequence` is the pure rule; `record` is the handler, over any
store with intake's `get` and version-guarded `apply`.
"""
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from services.intake.domain import grievance as domain
from services.intake.domain import lifecycle
from services.intake.domain.grievance import Change
from services.intake.storage import ConcurrentUpdate
from shared.errors import Conflict, NotFound
from shared.vocabulary import Status

MAX_WRITE_ATTEMPTS = 5
KINDS = (Status.ROUTED, "assigned", "escalated")  # a `routed` decision leads to the status it names

Case = dict[str, Any]


class CaseStore(Protocol):
    def get(self, tracking_id: str) -> Case | None: ...

    def apply(self, case: Case, change: Change, events: list[dict],
              now: datetime) -> dict | None: ...  # raises ConcurrentUpdate; the outbox written, with events


class Relay(Protocol):
    def relay_written(self, document: dict) -> Any: ...  # the document as written: `_id` and `outbox`


def sequence(case: Case, kind: str, decision: dict[str, Any], now: datetime) -> Change | None:
    """What one decision does to the case, given the decisions it recorded already (None: nothing)."""
    if decision["seq"] > case.get("routing_seq", 0):
        change = domain.apply_routing(case, kind, decision, now)
        change.set["routing_seq"] = decision["seq"]
        return change
    # An older decision than one recorded. Its one lasting effect: a `routed` that arrives after its own
    # `assigned` still moves the case to routed, unless the case was rerouted (transferred, reopened) since.
    if kind == Status.ROUTED and case["status"] in lifecycle.RULES["route"].sources \
            and decision["seq"] > case.get("rerouted_after_seq", 0):
        return domain.apply_routing(case, "routed_status", decision, now)
    return None


def record(store: CaseStore, outbox: Relay, envelopes: Callable[[Case, list], list[dict]], tracking_id: str,
           kind: str, decision: dict[str, Any], now: Callable[[], datetime]) -> Case:
    """Read the case, sequence the decision, write it with its events; read again when the case changed
    meanwhile. Returns the case as it stands after."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        case = store.get(tracking_id)
        if case is None:
            raise NotFound(f"no grievance {tracking_id}")
        at = now()
        change = sequence(case, kind, decision, at)
        if change is None:
            return case
        after = {**case, **change.set, "version": case["version"] + 1}
        try:
            written = store.apply(case, change, envelopes(after, change.events), at)
        except ConcurrentUpdate:
            continue
        if written is not None:
            outbox.relay_written(written)
        return after
    raise Conflict("the case is being changed by someone else; try again", {"allowed": []})
