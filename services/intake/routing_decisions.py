"""How intake records the routing service's decisions (routed, assigned, escalated) on the case of record.

Idempotent without an inbox: each decision carries routing's sequence number (`seq`), and a case keeps the
newest it recorded (`routing_seq`), so a replayed or late decision changes nothing it should not, in
whatever order the broker delivers them. `sequence` is the pure rule; `record` is the handler, over any
store with intake's `latest`, `forget`, `one_writer` and version-guarded `apply`.

Cost: the decisions of one case are recorded one at a time in this process, each from the case as this
process last wrote it (`latest`: no read when it filed the case or recorded the decision before), so the
first routing of a filing (`routed` naming its `assigned`) costs one guarded write for both and no read
(services/intake/recent_writes.py).
"""
from collections.abc import Callable
from contextlib import AbstractContextManager
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

    def latest(self, tracking_id: str) -> tuple[Case | None, bool]: ...  # (case, from this process's memory)

    def forget(self, tracking_id: str) -> None: ...

    def one_writer(self, tracking_id: str) -> AbstractContextManager: ...

    def apply(self, case: Case, change: Change, events: list[dict],
              now: datetime) -> dict | None: ...  # raises ConcurrentUpdate; the outbox written, with events


def sequence(case: Case, kind: str, decision: dict[str, Any], now: datetime) -> Change | None:
    """What one decision does to the case, given the decisions it recorded already (None: nothing). A `routed`
    and the `assigned` published with it (each names the other's seq: `assigned_seq`, `routed_seq`; both carry
    the same assignment) are recorded together by whichever comes first, in one write; the other then changes
    nothing."""
    if decision["seq"] > case.get("routing_seq", 0):
        change = Change()
        for step in _recorded_with(kind, decision, case.get("routing_seq", 0)):
            domain.merge(change, domain.apply_routing({**case, **change.set}, step, decision, now))
        change.set["routing_seq"] = max(decision["seq"], decision.get("assigned_seq", 0))
        return change
    # An older decision than one recorded. Its one lasting effect: a `routed` that arrives after its own
    # `assigned` still moves the case to routed, unless the case was rerouted (transferred, reopened) since.
    if kind == Status.ROUTED and case["status"] in lifecycle.RULES["route"].sources \
            and decision["seq"] > case.get("rerouted_after_seq", 0):
        return domain.apply_routing(case, "routed_status", decision, now)
    return None


def _recorded_with(kind: str, decision: dict[str, Any], recorded_seq: int) -> tuple[str, ...]:
    """The decisions one newer than those recorded stands for: itself, or its pair (routed, then assigned)
    when it is a routed naming its assigned, or an assigned naming a routed not recorded yet."""
    paired = (kind == Status.ROUTED and decision.get("assigned_seq", 0) > decision["seq"]) or \
        (kind == "assigned" and decision.get("routed_seq", 0) > recorded_seq)
    return (Status.ROUTED, "assigned") if paired else (kind,)


def recorded_already(case: Case, kind: str, decision: dict[str, Any]) -> bool:
    """True when even a stale copy of the case proves the decision changes nothing: the stored `routing_seq`
    only grows, and only a `routed` does anything once its seq is behind (a late one's status)."""
    return kind != Status.ROUTED and decision["seq"] <= case.get("routing_seq", 0)


def record(store: CaseStore, relay: Callable[[dict], Any], envelopes: Callable[[Case, list], list[dict]],
           tracking_id: str, kind: str, decision: dict[str, Any], now: Callable[[], datetime]) -> Case:
    """Take the case (as last written here, else read), sequence the decision, write it with its events;
    read again when the case changed meanwhile. Returns the case as it stands after. `relay` gets the document
    as written (`_id` and `outbox`) once this process's lock on the case is let go: the case's next decision
    does not wait for the broker."""
    with store.one_writer(tracking_id):
        after, written = _write(store, envelopes, tracking_id, kind, decision, now)
    if written is not None:
        relay(written)
    return after


def _write(store: CaseStore, envelopes: Callable[[Case, list], list[dict]], tracking_id: str, kind: str,
           decision: dict[str, Any], now: Callable[[], datetime]) -> tuple[Case, dict | None]:
    """(the case after, the document written with its events, or None)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        case, remembered = store.latest(tracking_id)
        if case is None:
            raise NotFound(f"no grievance {tracking_id}")
        at = now()
        change = sequence(case, kind, decision, at)
        if change is None:
            if remembered and not recorded_already(case, kind, decision):
                # nothing to do, says a copy that may be stale: ask the store
                store.forget(tracking_id)
                continue
            return case, None
        after = {**case, **change.set, "version": case["version"] + 1}
        try:
            return after, store.apply(case, change, envelopes(after, change.events), at)
        except ConcurrentUpdate:  # the store forgot its copy: the next attempt reads the case
            continue
    raise Conflict("the case is being changed by someone else; try again", {"allowed": []})
