"""SLA clocks: deadlines per category and level on the working-day calendar, reminders, escalation.

A missed deadline moves the case one level up (L1 field officer -> L2 district -> L3 head of department
-> L4 the CMO cell) and starts a fresh clock for the new level. At L4 there is no higher level: the case
is marked as breached there and the cell is reminded.
"""
from datetime import timedelta

from shared.catalog import categories
from shared.vocabulary import TOP_LEVEL

LEVEL_SLA_DAYS = {2: 3, 3: 3, 4: 2}   # working days each higher level gets
REMINDER_AT = 0.75                    # remind when three quarters of the time has gone


def sla_days(category, level):
    if level == 1:
        return categories()[category]["sla_days"]
    return LEVEL_SLA_DAYS[min(level, TOP_LEVEL)]


def clock(category, level, start, calendar):
    """(deadline, reminder time) for a clock that starts now at `level`."""
    deadline = calendar.add_working_days(start, sla_days(category, level))
    return deadline, start + (deadline - start) * REMINDER_AT


def resume(remaining_seconds, now):
    """A paused clock (waiting on the citizen) restarts with the time it had left."""
    deadline = now + timedelta(seconds=remaining_seconds)
    return deadline, now + timedelta(seconds=remaining_seconds * REMINDER_AT)


def due(assignment, now):
    """What an active clock needs at `now`: 'escalate', 'breached' (missed at the top), 'remind' or None."""
    if assignment.get("state") != "active":
        return None
    if now >= assignment["deadline"]:
        if assignment["level"] < TOP_LEVEL:
            return "escalate"
        return None if assignment.get("breached") else "breached"
    if not assignment.get("reminded") and now >= assignment["reminder_at"]:
        return "remind"
    return None
