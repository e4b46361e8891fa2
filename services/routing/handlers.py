"""What the routing service does with each event, RPC and tick, over a store interface.

Each handler reads the assignment, asks the pure domain (`domain.assignment`) for a `Change` and writes it
in one version-guarded update with its decisions in the outbox and its officers' load deltas as claims
(`load_pending`); then it applies the claims to the officers' counters, relays the decisions and clears the
claims in the same update that removes the sent decisions (`_settle_and_relay`). A crash between the two
leaves the claims on the assignment: the next delivery of the same news, the next write of the case, or the
next clock check applies them (each claim counts once; see AssignmentStore.apply_load).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.routing.domain import assignment as domain
from services.routing.domain import directory, officers, rules
from services.routing.domain.assignment import Calendar, Change
from services.routing.domain.officers import Officer, Seat
from services.routing.domain.rules import Route
from services.routing.storage import AlreadyAssigned, StaleAssignment
from shared.catalog import is_urgent
from shared.errors import Conflict, NotFound, ValidationFailed

MAX_ATTEMPTS = 5

Document = dict[str, Any]


class Store(Protocol):
    """The routing service's own store (AssignmentStore on MongoDB; an in-memory one in unit tests)."""

    def get(self, tracking_id: str) -> Document | None: ...

    def insert(self, assignment: Document, events: list[Document]) -> Document: ...  # raises AlreadyAssigned

    def update(self, assignment: Document, fields: Document, events: list[Document],
               history: Document | None = None) -> Document | None: ...  # raises StaleAssignment

    def due_clocks(self, now: datetime, limit: int = 500) -> list[Document]: ...

    def queue(self, officer_id: str) -> list[Document]: ...

    def load(self, officer_id: str) -> int: ...

    def apply_load(self, claims: list[Document], now: datetime) -> None: ...

    def load_settled(self, tracking_id: str, rev: int) -> None: ...

    def record_staff(self, record: Document) -> Document | None: ...  # None: not newer than the one kept

    def staff_record(self, staff_id: str) -> Document | None: ...

    def pool_records(self, key: str) -> list[Document]: ...

    def on_leave_records(self) -> list[Document]: ...


class Relay(Protocol):
    def relay_written(self, document: Document) -> Any: ...  # the document as written: `_id` and `outbox`

    # the same, and `update` in the update that removes the sent events if `guard` still holds (True: made)
    def relay_written_and(self, document: Document, guard: Document, update: Document) -> bool: ...


@dataclass
class Routing:
    """What the handlers work with: the store, the outbox relay, the envelope maker, the calendar and the
    routing rules (with the classifier) for a new case."""
    store: Store
    outbox: Relay
    envelope: Callable[[str, Document, str], Document]  # (type, data, subject) -> CloudEvents envelope
    calendar: Calendar
    route: Callable[[Document], Route]

    def pool(self, now: datetime) -> Callable[[str, str, int], list[Officer]]:
        """The available officers of the pool that works a department's cases in a district at a level, from
        the directory routing keeps (identity's staff.changed)."""
        def members(department: str, district: str, level: int) -> list[Officer]:
            return officers.members(self.store.pool_records(officers.pool_key(department, district, level)), now)
        return members

    def seat(self, department: str, district: str, level: int, now: datetime) -> Seat:
        """The most free available officer at `level`, or above it when its office has nobody."""
        return officers.seat(department, district, level, self.pool(now), self.store.load)


# --- what intake tells us ------------------------------------------------------------------------------

def assign_new(r: Routing, case: Document, now: datetime) -> bool:
    """Route a filed case once (its assignment's _id is the case's). False when it was routed already.
    The insert itself tells a replay (no read before it): the decision is pure and reads only the pools."""
    route = r.route(case)
    seat = r.seat(route.department, route.district, 1, now)
    urgent = bool(case.get("urgent")) or is_urgent(route.category)
    assignment, change = domain.new_assignment(case, route, seat, now, r.calendar, urgent)
    events = _envelopes(r, assignment, change)
    assignment.update(seq=len(events), load_pending=_claims(assignment["_id"], assignment["rev"], change.load))
    try:
        written = r.store.insert(assignment, events)
    except AlreadyAssigned:
        # a replay, or a duplicate delivery that routed it a moment ago: finish what a crash may have left
        existing = r.store.get(case["tracking_id"])
        if existing is not None:
            settle(r, existing, now)
        return False
    _settle_and_relay(r, written, assignment["_id"], assignment["rev"], assignment["load_pending"], now)
    return True


def transfer(r: Routing, case: Document, department: str, why: str, now: datetime) -> None:
    reroute(r, case, rules.route_transfer(case, department, why), 1, "transfer", now)


def reopen(r: Routing, case: Document, now: datetime) -> None:
    current = r.store.get(case["tracking_id"])
    route = r.route(case) if current is None else domain.current_route(current)
    reroute(r, case, domain.reopened(route, case["level"]), case["level"], "reopen", now)


def reroute(r: Routing, case: Document, route: Route, level: int, kind: str, now: datetime) -> None:
    """A transfer or a reopening: a new office or level, a new officer and a fresh clock."""
    for _ in range(MAX_ATTEMPTS):
        assignment = r.store.get(case["tracking_id"])
        if assignment is None:
            assign_new(r, case, now)
            return
        seat = r.seat(route.department, route.district, level, now)
        try:
            _write(r, assignment, domain.reroute(assignment, route, seat, kind, now, r.calendar), now)
        except StaleAssignment:
            continue
        return


def follow_status(r: Routing, tracking_id: str, case_version: int, before: str, after: str,
                  now: datetime) -> None:
    """Idempotent without an inbox: the clock remembers the case version it last followed."""
    for _ in range(MAX_ATTEMPTS):
        assignment = r.store.get(tracking_id)
        if assignment is None:
            return
        change = domain.follow_status(assignment, case_version, before, after, now)
        if change is None:
            settle(r, assignment, now)
            return
        try:
            _write(r, assignment, change, now)
        except StaleAssignment:
            continue
        return


# --- the cell and supervisors --------------------------------------------------------------------------

def hand_over(r: Routing, tracking_id: str, officer_id: str, by: str, why: str, now: datetime,
              may_see: Callable[[Document], bool]) -> Officer:
    """Give a case to another officer of its office. A case the caller may not see answers as unknown."""
    for _ in range(MAX_ATTEMPTS):
        assignment = r.store.get(tracking_id)
        if assignment is None or not may_see(assignment):
            raise NotFound(f"no assignment for {tracking_id}")
        members = {o.id: o for o in r.pool(now)(assignment["department"], assignment["district"],
                                                assignment["level"])}
        if officer_id not in members:
            raise ValidationFailed("not an officer of this office",
                                   {"officer_id": [f"Must be one of: {', '.join(sorted(members))}."]})
        try:
            _write(r, assignment, domain.hand_over(assignment, members[officer_id], by, why, now), now)
        except StaleAssignment:
            continue
        return members[officer_id]
    raise Conflict("the assignment is being changed by someone else; try again", {"allowed": []})


def queue(r: Routing, officer_id: str, now: datetime) -> list[Document]:
    """The officer's open cases, most urgent first, with the SLA time left."""
    items = []
    for assignment in r.store.queue(officer_id):
        left = (assignment["deadline"] - now).total_seconds() if assignment["state"] == domain.ACTIVE \
            else assignment.get("remaining_seconds")
        items.append({
            "tracking_id": assignment["_id"], "subject": assignment.get("subject"),
            "category": assignment["category"], "urgent": assignment.get("urgent", False),
            "level": assignment["level"], "clock": assignment["state"],
            "deadline": assignment["deadline"].isoformat(), "sla_seconds_left": round(left),
            "overdue": left < 0, "district": assignment.get("district"),
        })
    items.sort(key=lambda item: (item["sla_seconds_left"], not item["urgent"]))
    return items


# --- the officer directory ------------------------------------------------------------------------------

def staff_changed(r: Routing, data: Document, now: datetime) -> int:
    """Keep the member's record if newer (a replayed or late event changes nothing), then move the open
    cases the member may no longer hold, as the kept record says (so a redelivery after a crash finishes the
    moves). How many cases moved."""
    r.store.record_staff(directory.record_of(data))
    kept = r.store.staff_record(data["staff_id"])
    return move_away(r, kept, now) if kept else 0


def leaves_begun(r: Routing, now: datetime) -> int:
    """Move the cases of members whose leave has begun since the directory said so (the clock tick)."""
    return sum(move_away(r, record, now) for record in r.store.on_leave_records()
               if officers.on_leave(record, now))


def move_away(r: Routing, record: Document, now: datetime) -> int:
    """Each open case the member may no longer hold goes to the delegate or another officer of its office,
    through the version-guarded write and the load claims; the clock stays as it is."""
    moved = 0
    delegate_id = record["status"].get("delegate")
    delegate = r.store.staff_record(delegate_id) if delegate_id else None
    for held in r.store.queue(record["staff_id"]):
        assignment: Document | None = held
        for _ in range(MAX_ATTEMPTS):
            if assignment is None or domain.holder(assignment) != record["staff_id"]:
                break
            why = directory.why_away(record, assignment, now)
            if why is None:
                break
            try:
                seat, words = directory.replacement(record, assignment, delegate, now, r.pool(now), r.store.load)
            except officers.NoOfficer:
                break  # nobody at all to take it: it stays until the directory has someone
            try:
                _write(r, assignment, domain.move_off(assignment, seat, f"{why}; {words}", now), now)
            except StaleAssignment:
                assignment = r.store.get(held["_id"])
                continue
            moved += 1
            break
    return moved


# --- clocks --------------------------------------------------------------------------------------------

CLOCK_COUNTS = {domain.ESCALATED: "escalated", domain.REMINDER: "reminded", domain.BREACHED: "breached"}


def check_clocks(r: Routing, now: datetime) -> dict[str, int]:
    counts = {"escalated": 0, "reminded": 0, "breached": 0}
    for assignment in r.store.due_clocks(now):
        if assignment.get("load_pending"):  # claims a crash left: settle them as the assignment stands now
            assignment = r.store.get(assignment["_id"])
            settle(r, assignment, now)
        try:
            change = domain.check_clock(assignment, now, r.calendar, lambda d, x, lvl: r.seat(d, x, lvl, now))
        except officers.NoOfficer:
            continue  # nobody above to take it: the directory is empty; the next tick tries again
        if change is None:
            continue
        try:
            _write(r, assignment, change, now)
        except StaleAssignment:
            continue  # it changed meanwhile; the next tick sees the new state
        counts[CLOCK_COUNTS[change.events[-1]]] += 1
    return counts


# --- writing -------------------------------------------------------------------------------------------

def settle(r: Routing, assignment: Document, now: datetime) -> None:
    """Apply the load claims a crash left on the assignment (between its write and its claims)."""
    if assignment.get("load_pending"):
        _settle(r, assignment["_id"], assignment["rev"], assignment["load_pending"], now)


def _write(r: Routing, assignment: Document, change: Change, now: datetime) -> None:
    """One version-guarded write of the change with its decisions and its load claims (with any earlier
    claims still pending), then the claims applied."""
    events = _envelopes(r, assignment, change)
    rev = assignment["rev"] + 1
    pending = list(assignment.get("load_pending") or []) + _claims(assignment["_id"], rev, change.load)
    fields = {**change.set, "load_pending": pending} if pending else change.set
    written = r.store.update(assignment, fields, events, change.history)
    _settle_and_relay(r, written, assignment["_id"], rev, pending, now)


def _claims(tracking_id: str, rev: int, deltas: dict[str, int]) -> list[Document]:
    """The deltas of the write that makes `rev`, each with an id no other claim on that officer has."""
    return [{"officer_id": officer_id, "delta": delta, "claim": f"{tracking_id}~{rev}"}
            for officer_id, delta in deltas.items()]


def _settle(r: Routing, tracking_id: str, rev: int, claims: list[Document], now: datetime) -> None:
    r.store.apply_load(claims, now)
    r.store.load_settled(tracking_id, rev)


def _settle_and_relay(r: Routing, written: Document | None, tracking_id: str, rev: int, claims: list[Document],
                      now: datetime) -> None:
    """After the write that made `rev`: apply its load claims, relay its decisions (`written`: the document as
    written, None without events) and clear the claims in the same update that removes the sent decisions
    (on its own when the assignment changed meanwhile). The decisions go out even if the load write fails."""
    if written is None or not claims:
        if written is not None:
            r.outbox.relay_written(written)
        if claims:
            _settle(r, tracking_id, rev, claims, now)
        return
    try:
        r.store.apply_load(claims, now)
    except Exception:
        r.outbox.relay_written(written)
        raise
    if not r.outbox.relay_written_and(written, {"rev": rev}, {"$unset": {"load_pending": ""}}):
        r.store.load_settled(tracking_id, rev)


def _envelopes(r: Routing, assignment: Document, change: Change) -> list[Document]:
    return [r.envelope(kind, data, assignment["_id"]) for kind, data in domain.decisions(assignment, change)]
