"""The grievance life cycle: which action may move a case from which status to which.

Pure: no I/O, no clock. `decide(case, action, actor_role)` answers the new status (or None when the
action does not change it) or raises a LifecycleError saying what is allowed instead.

    filed -> routed -> acknowledged -> in_progress -> resolved -> closed
    with incomplete (facts missing: the cell calls the citizen), info_requested (waiting on the citizen),
    transferred (to another office, at most three times), rejected (with a reason), reopened (an appeal or
    a poor rating sends the case to the next level up), special_closed (at L3/L4 only, a case no office in
    the state can resolve, with a reason from SPECIAL_CLOSE_REASONS; the CMO cell may reopen it).
"""
from dataclasses import dataclass

from shared import vocabulary
from shared.vocabulary import (
    SPECIAL_CLOSE_LEVELS,
    STAFF_ROLES,
    STATUSES,
    TOP_LEVEL,
    WORKING_STATUSES,
    Role,
    Status,
)

INCOMPLETE, FILED, ROUTED, ACKNOWLEDGED = Status.INCOMPLETE, Status.FILED, Status.ROUTED, Status.ACKNOWLEDGED
IN_PROGRESS, INFO_REQUESTED, TRANSFERRED = Status.IN_PROGRESS, Status.INFO_REQUESTED, Status.TRANSFERRED
RESOLVED, CLOSED, REJECTED, REOPENED = Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.REOPENED
SPECIAL_CLOSED = Status.SPECIAL_CLOSED
OPEN_STATUSES = frozenset(vocabulary.OPEN_STATUSES)
WORKING = WORKING_STATUSES

MAX_TRANSFERS = 3      # CPGRAMS: at most three transfers in a grievance's life
MAX_REOPENINGS = 2     # Andhra Pradesh lets a citizen reopen a case twice

# CPGRAMS' exclusions, plus a reasoned "other".
REJECTION_REASONS = ("sub_judice", "rti_matter", "personal_or_family_dispute", "religious_matter",
                     "duplicate", "not_a_grievance", "other")

OFFICER, SUPERVISOR, CMO_CELL, CITIZEN, SYSTEM = Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL, Role.CITIZEN, Role.SYSTEM
STAFF = STAFF_ROLES


@dataclass(frozen=True)
class Rule:
    sources: tuple        # statuses the action is allowed from
    target: str | None    # the status it leads to; None keeps the status
    roles: tuple          # who may take it
    levels: tuple = ()    # the case's levels it may be taken at (empty: any)


RULES = {
    # taken by the platform itself, from the routing service's decisions
    "route": Rule((FILED, TRANSFERRED, REOPENED), ROUTED, (SYSTEM,)),
    "complete": Rule((INCOMPLETE,), FILED, (SYSTEM,)),
    # officers' actions
    "acknowledge": Rule((ROUTED,), ACKNOWLEDGED, STAFF),
    "start": Rule((ACKNOWLEDGED,), IN_PROGRESS, STAFF),
    "request_info": Rule((ACKNOWLEDGED, IN_PROGRESS), INFO_REQUESTED, STAFF),
    "transfer": Rule(WORKING, TRANSFERRED, STAFF),
    "resolve": Rule((ACKNOWLEDGED, IN_PROGRESS, INFO_REQUESTED), RESOLVED, STAFF),
    "reject": Rule((INCOMPLETE, FILED) + WORKING, REJECTED, STAFF),
    "close": Rule((RESOLVED,), CLOSED, STAFF + (SYSTEM,)),
    "special_close": Rule(WORKING, SPECIAL_CLOSED, STAFF, SPECIAL_CLOSE_LEVELS),
    "reopen_special_close": Rule((SPECIAL_CLOSED,), REOPENED, (CMO_CELL,)),
    "add_note": Rule(tuple(STATUSES), None, STAFF),
    "log_contact": Rule(tuple(STATUSES), None, STAFF),
    "edit_on_behalf": Rule((INCOMPLETE, FILED, ROUTED, ACKNOWLEDGED, IN_PROGRESS, INFO_REQUESTED), None, STAFF),
    # the citizen's
    "provide_info": Rule((INFO_REQUESTED,), IN_PROGRESS, (CITIZEN,)),
    "appeal": Rule((RESOLVED, CLOSED, REJECTED), REOPENED, (CITIZEN, CMO_CELL)),
}
OFFICER_ACTIONS = tuple(a for a, r in RULES.items() if set(r.roles) & set(STAFF))
CITIZEN_ACTIONS = tuple(a for a, r in RULES.items() if CITIZEN in r.roles)


class LifecycleError(Exception):
    def __init__(self, message, allowed=()):
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed)


class IllegalTransition(LifecycleError):
    """The action is not allowed from the case's status (or by this role)."""


class LimitReached(LifecycleError):
    """A life-time limit (transfers, reopenings) is used up."""


class LevelTooLow(IllegalTransition):
    """The action is taken only at higher levels (special close: L3 and L4)."""


# Actions an officer takes only on a case they hold (supervisors and the cell on any case they may see): at
# L3 the head of department holding it decides a special close, not any officer of the department.
HOLDER_ONLY = frozenset({"special_close"})


def holds(case, actor):
    return actor["role"] != OFFICER or case.get("officer_id") == actor["sub"]


def allowed_for(case, actor):
    """What this caller may do on this case now (the life cycle's table, the case's level, who holds it)."""
    return [action for action in allowed_actions(case["status"], actor["role"], case.get("level", 1))
            if action not in HOLDER_ONLY or holds(case, actor)]


def check_holder(case, action, actor):
    if action in HOLDER_ONLY and not holds(case, actor):
        raise IllegalTransition(f"'{action}' is taken by the officer holding the case (level {case.get('level', 1)}), "
                                "a supervisor or the CMO cell", allowed_for(case, actor))


def _at_level(rule, level):
    return not rule.levels or level in rule.levels


def allowed_actions(status, role, level=1):
    return [action for action, rule in RULES.items()
            if status in rule.sources and role in rule.roles and _at_level(rule, level)]


def decide(case, action, role):
    """Return the status `action` leads to (None: unchanged). `case` needs status, level, transfers, reopenings."""
    rule = RULES.get(action)
    status, level = case["status"], case.get("level", 1)
    if rule is None or role not in rule.roles or status not in rule.sources:
        raise IllegalTransition(f"'{action}' is not allowed on a {status} case for role {role}",
                                allowed_actions(status, role, level))
    if not _at_level(rule, level):
        levels = " and ".join(str(int(n)) for n in rule.levels)
        raise LevelTooLow(f"'{action}' is taken only at levels {levels} (head of department, the CMO cell); "
                          f"this case is at level {level}", allowed_actions(status, role, level))
    if action == "transfer" and case.get("transfers", 0) >= MAX_TRANSFERS:
        raise LimitReached(f"a case may be transferred at most {MAX_TRANSFERS} times",
                           [a for a in allowed_actions(status, role, level) if a != "transfer"])
    if action == "appeal" and case.get("reopenings", 0) >= MAX_REOPENINGS:
        raise LimitReached(f"a case may be reopened at most {MAX_REOPENINGS} times", [])
    return rule.target


def next_level(level):
    return min(level + 1, TOP_LEVEL)


POOR_RATING = 2  # a rating of 1 or 2 is an appeal


def feedback_outcome(status, rating, appeal_requested):
    """What a citizen's feedback does: 'appeal' (reopen a level up), 'close', or nothing (None)."""
    if status not in (RESOLVED, CLOSED):
        raise IllegalTransition(f"feedback is taken after resolution; this case is {status}", [])
    if appeal_requested or rating <= POOR_RATING:
        return "appeal"
    return "close" if status == RESOLVED else None
