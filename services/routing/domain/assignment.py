"""A case's assignment and its SLA clock as plain data, and what each routing step does to them.

Pure: no I/O, no clock of its own. Each function takes the assignment (a dict, as stored), what happened
and the time, and returns a `Change`: the fields to set, the history entry, the decisions to publish and
the officers' load deltas. The routing service writes it in one version-guarded single-document update.

The clock's life cycle (`TRANSITIONS`):

    start (a new office or level: a fresh clock) -> active
    active -> pause (the officer asked the citizen) -> paused -> resume -> active
    active | paused -> stop (resolved, closed, rejected) -> stopped; a reopening starts it again
    active -> remind, escalate (one level up, a fresh clock), breach (missed at the top level) -> active

Officer load: an officer holds a case while it is assigned to them and its clock is not stopped.
`Change.load` is what a step changes in officers' open loads (-1 for who stops holding the case, +1 for
who starts). The handlers record these deltas in the assignment's own guarded write and then apply each
once to the officers' counters (see AssignmentStore.apply_load).
"""
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.routing.domain import sla
from services.routing.domain.officers import Officer, Seat
from services.routing.domain.rules import Route
from shared.vocabulary import STOPPED_STATUSES, Status

ACTIVE, PAUSED, STOPPED = "active", "paused", "stopped"
OPEN_CLOCKS = (ACTIVE, PAUSED)  # the clock states in which the officer holds the case


@dataclass(frozen=True)
class Transition:
    sources: tuple[str | None, ...]  # clock states it is allowed from (None: no clock yet)
    target: str


TRANSITIONS: dict[str, Transition] = {
    "start": Transition((None, ACTIVE, PAUSED, STOPPED), ACTIVE),
    "pause": Transition((ACTIVE,), PAUSED),
    "resume": Transition((PAUSED,), ACTIVE),
    "stop": Transition((ACTIVE, PAUSED), STOPPED),
    "remind": Transition((ACTIVE,), ACTIVE),
    "escalate": Transition((ACTIVE,), ACTIVE),
    "breach": Transition((ACTIVE,), ACTIVE),
}

# The case statuses that stop the clock, and the one that pauses it (intake's life cycle names them).
STOPPING_STATUSES = STOPPED_STATUSES
WAITING_ON_CITIZEN = Status.INFO_REQUESTED

ROUTED, ASSIGNED, ESCALATED = "grievance.routed", "grievance.assigned", "grievance.escalated"
REMINDER, BREACHED = "grievance.sla_reminder", "grievance.sla_breached"


class Calendar(Protocol):
    def add_working_days(self, start: datetime, days: int) -> datetime: ...


Assignment = Mapping[str, Any]


@dataclass
class Change:
    """What one routing step does to an assignment."""
    set: dict[str, Any] = field(default_factory=dict)      # fields to set on the assignment
    history: dict[str, Any] | None = None                  # the entry appended to its history
    events: list[str] = field(default_factory=list)        # decision types to publish, in order
    reason: str = ""                                       # why, carried by every decision
    load: dict[str, int] = field(default_factory=dict)     # officer id -> change of their open load


def allowed(state: str | None, transition: str) -> bool:
    return state in TRANSITIONS[transition].sources


def holder(assignment: Assignment) -> str | None:
    """The officer the case counts for: its officer while the clock runs or waits, nobody once stopped."""
    return assignment["officer_id"] if assignment.get("state") in OPEN_CLOCKS else None


def load_deltas(before: Assignment | None, after: Assignment) -> dict[str, int]:
    """How a step changes officers' open loads: -1 for the officer who stops holding the case, +1 for the
    one who starts; nothing when the holder stays."""
    was, now = (holder(before) if before else None), holder(after)
    if was == now:
        return {}
    return {**({was: -1} if was else {}), **({now: +1} if now else {})}


def as_stored(moment: datetime) -> datetime:
    """A time as the store keeps it (BSON dates hold milliseconds): a deadline published as it is computed
    and again after a later write must read the same."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _fresh_clock(category: str, level: int, now: datetime, calendar: Calendar) -> dict[str, Any]:
    deadline, reminder_at = sla.clock(category, level, now, calendar)
    return {"state": TRANSITIONS["start"].target, "started_at": now, "deadline": as_stored(deadline),
            "reminder_at": as_stored(reminder_at), "reminded": False}


def _finish(assignment: Assignment, change: Change) -> Change:
    change.load = load_deltas(assignment, {**assignment, **change.set})
    return change


def _with_note(reason: str, seat: Seat) -> str:
    return f"{reason}; {seat.note}" if seat.note else reason


def new_assignment(case: Mapping[str, Any], route: Route, seat: Seat, now: datetime, calendar: Calendar,
                   urgent: bool) -> tuple[dict[str, Any], Change]:
    """The first assignment of a newly filed case (at level 1, or above when level 1 has nobody available)
    and its `routed` and `assigned` decisions."""
    officer, level, reason = seat.officer, seat.level, _with_note(route.reason, seat)
    assignment: dict[str, Any] = {
        "_id": case["tracking_id"], "category": route.category, "department": route.department,
        "district": route.district, "level": level, "officer_id": officer.id, "officer_name": officer.name,
        "subject": case.get("subject"), "urgent": urgent, **_fresh_clock(route.category, level, now, calendar),
        "breached": False, "seq": 0, "rev": 0,
        "history": [{"at": now, "kind": Status.ROUTED, "reason": reason, "officer_id": officer.id, "level": level}],
    }
    if route.guess:
        assignment["guess"] = route.guess.record()
    change = Change(events=[ROUTED, ASSIGNED], reason=reason, load=load_deltas(None, assignment))
    return assignment, change


def reroute(assignment: Assignment, route: Route, seat: Seat, kind: str, now: datetime,
            calendar: Calendar) -> Change:
    """A transfer or a reopening: a new office or level, a new officer and a fresh clock."""
    officer, reason = seat.officer, _with_note(route.reason, seat)
    change = Change(
        set={"category": route.category, "department": route.department, "district": route.district,
             "level": seat.level, "officer_id": officer.id, "officer_name": officer.name,
             "breached": False,
             **_fresh_clock(route.category, seat.level, now, calendar)},
        history={"at": now, "kind": kind, "reason": reason},
        events=[ROUTED, ASSIGNED], reason=reason)
    return _finish(assignment, change)


def current_route(assignment: Assignment) -> Route:
    """Where the case is now (a reopened case stays with its office)."""
    return Route(assignment["category"], assignment["department"], assignment["district"], "")


def reopened(route: Route, level: int) -> Route:
    return dataclasses.replace(route, reason=f"reopened on appeal at level {level}")


def hand_over(assignment: Assignment, officer: Officer, by: str, why: str, now: datetime) -> Change:
    """A supervisor (or the cell) gives the case to another officer of the same office; the clock runs on."""
    reason = f"reassigned by {by}: {why}"
    change = Change(set={"officer_id": officer.id, "officer_name": officer.name},
                    history={"at": now, "kind": ASSIGNED, "reason": reason}, events=[ASSIGNED], reason=reason)
    return _finish(assignment, change)


def move_off(assignment: Assignment, seat: Seat, why: str, now: datetime) -> Change:
    """The directory took the case's officer away (a leave began, a transfer, a retirement): the case goes to
    `seat` (the delegate, or the most free officer of the office) with `why` on its timeline. The clock is
    not touched: deadline and reminder stay as they were; the level rises only when the office is empty."""
    reason = _with_note(why, seat)
    fields: dict[str, Any] = {"officer_id": seat.officer.id, "officer_name": seat.officer.name}
    if seat.level != assignment["level"]:
        fields["level"] = seat.level
    change = Change(set=fields, history={"at": now, "kind": ASSIGNED, "reason": reason}, events=[ASSIGNED],
                    reason=reason)
    return _finish(assignment, change)


def clock_transition(before: str, after: str) -> str | None:
    """What a case's status change does to its clock: 'stop', 'pause', 'resume' or nothing."""
    if after in STOPPING_STATUSES:
        return "stop"
    if after == WAITING_ON_CITIZEN:
        return "pause"
    if before == WAITING_ON_CITIZEN:
        return "resume"
    return None


def follows_status(before: str, after: str) -> bool:
    return clock_transition(before, after) is not None


def follow_status(assignment: Assignment, case_version: int, before: str, after: str,
                  now: datetime) -> Change | None:
    """Stop the clock when the case is done, pause it while waiting on the citizen, resume it after. None
    when the news is older than what the clock followed last, or the clock is not in a state it moves."""
    if case_version <= assignment.get("case_version", 0):
        return None
    transition = clock_transition(before, after)
    if transition is None or not allowed(assignment["state"], transition):
        return None
    fields: dict[str, Any] = {"state": TRANSITIONS[transition].target, "case_version": case_version}
    if transition == "stop":
        fields["stopped_at"] = now
    elif transition == "pause":
        fields["remaining_seconds"] = (assignment["deadline"] - now).total_seconds()
    else:
        fields["deadline"], fields["reminder_at"] = map(as_stored, sla.resume(assignment["remaining_seconds"], now))
    change = Change(set=fields, history={"at": now, "kind": f"clock_{fields['state']}", "status": after})
    return _finish(assignment, change)


DUE_TRANSITIONS = {"escalate": "escalate", "remind": "remind", "breached": "breach"}  # sla.due's answers


def check_clock(assignment: Assignment, now: datetime, calendar: Calendar,
                seat_at: Callable[[str, str, int], Seat]) -> Change | None:
    """What an active clock needs at `now`: escalation a level up, the breach at the top, a reminder.
    `seat_at(department, district, level)` finds who takes an escalated case (officers.seat)."""
    action = sla.due(assignment, now)
    if action is None or not allowed(assignment.get("state"), DUE_TRANSITIONS[action]):
        return None
    if action == "escalate":
        seat = seat_at(assignment["department"], assignment["district"], assignment["level"] + 1)
        level, officer = seat.level, seat.officer
        reason = _with_note(f"SLA missed at level {assignment['level']} "
                            f"(deadline {assignment['deadline'].isoformat()})", seat)
        fields = {"level": level, "officer_id": officer.id, "officer_name": officer.name,
                  **_fresh_clock(assignment["category"], level, now, calendar)}
        change = Change(set=fields, history={"at": now, "kind": ESCALATED, "reason": reason}, events=[ESCALATED],
                        reason=reason)
        return _finish(assignment, change)
    if action == "remind":
        reason = "three quarters of the SLA time has gone"
        return Change(set={"reminded": True}, history={"at": now, "kind": REMINDER, "reason": reason},
                      events=[REMINDER], reason=reason)
    reason = "the deadline passed at the CMO cell, the top level"  # breached
    return Change(set={"breached": True}, history={"at": now, "kind": BREACHED, "reason": reason},
                  events=[BREACHED], reason=reason)


def decisions(assignment: Assignment, change: Change) -> list[tuple[str, dict[str, Any]]]:
    """(event type, data) of each decision the change publishes, numbered after the assignment's `seq` so
    consumers can tell a late decision from a newer one. A `routed` published with its `assigned` names that
    decision's seq (`assigned_seq`), and that `assigned` the routed's (`routed_seq`): both carry the same
    assignment, so a consumer may record the two at once, from whichever reaches it first, and take the
    other as already seen. Each names the officer the change took the case from
    (`previous_officer_id`, None when it did not move it), so no consumer has to work it out from the order
    decisions reach it in."""
    after = {**assignment, **change.set}
    seqs = {kind: after["seq"] + offset for offset, kind in enumerate(change.events, start=1)}
    moved_from = assignment["officer_id"] if after["officer_id"] != assignment["officer_id"] else None
    published = []
    for kind in change.events:
        data = {"tracking_id": after["_id"], "department": after["department"], "district": after["district"],
                "category": after["category"], "officer_id": after["officer_id"],
                "officer_name": after.get("officer_name"), "level": after["level"], "deadline": after["deadline"],
                "reason": change.reason, "kind": kind, "seq": seqs[kind], "previous_officer_id": moved_from,
                "breached": bool(after.get("breached"))}
        if kind == ROUTED and ASSIGNED in seqs:
            data["assigned_seq"] = seqs[ASSIGNED]
        if kind == ASSIGNED and ROUTED in seqs:
            data["routed_seq"] = seqs[ROUTED]
        if after.get("guess"):  # filed without a category: what routing read in the text, and how
            data["guess"] = after["guess"]
        published.append((kind, data))
    return published
