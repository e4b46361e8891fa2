"""The daily digest's arithmetic (domain/digest.py): the hour in IST, whose cases, the counts, the worst 10."""
from datetime import datetime, timedelta, timezone

from services.intake.domain.grievance import EVENT_FOR_ACTION, apply_feedback
from services.intake.domain.lifecycle import RULES
from services.notification.domain import digest
from services.notification.grievance_events import HEARD_FROM_INTAKE
from shared.vocabulary import STOPPED_STATUSES, Status

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)  # 09:30 IST


def test_the_digest_is_due_from_its_hour_in_india_for_the_rest_of_that_day():
    assert digest.digest_day(NOW, 9) == "2026-12-01"
    assert digest.digest_day(NOW, 10) is None
    assert digest.digest_day(datetime(2026, 11, 30, 18, 45, tzinfo=timezone.utc), 0) == "2026-12-01"  # 00:15 IST
    assert digest.digest_day(datetime(2026, 11, 30, 18, 15, tzinfo=timezone.utc), 9) == "2026-11-30"  # 23:45 IST


def case(tracking_id, hours_late, department="PWD", district="Bankura", level=1, breached=False, open_=True):
    return {"_id": tracking_id, "department": department, "district": district, "level": level,
            "breached": breached, "open": open_, "category": "roads",
            "deadline": (NOW - timedelta(hours=hours_late)).isoformat()}


def who(role, department="PWD", district="Bankura"):
    return {"_id": "x", "role": role, "office": {"department": department, "district": district, "level": 2}}


def test_a_supervisor_counts_their_office_the_state_supervisor_the_department_the_cell_everything():
    cases = ([case(f"B{n:02d}", 24 * (n + 1), level=2 if n < 2 else 1, breached=n == 0) for n in range(12)]
             + [case("B-early", -5), case("B-done", 100, open_=False), case("P1", 3, district="Purulia"),
                case("H1", 3, department="Health")])
    office = digest.summary(who("supervisor"), cases, NOW, "2026-12-01")
    assert (office["overdue"], office["escalated"], office["breached"]) == (12, 2, 1)
    assert office["office"] == "PWD, Bankura"
    assert [c["tracking_id"] for c in office["cases"]] == [f"B{n:02d}" for n in range(11, 1, -1)]
    assert office["cases"][0]["days_overdue"] == 12.0
    department = digest.summary(who("supervisor", district="state"), cases, NOW, "2026-12-01")
    assert department["overdue"] == 13 and department["office"] == "PWD"
    cell = digest.summary(who("cmo_cell", "cmo_cell", "state"), cases, NOW, "2026-12-01")
    assert cell["overdue"] == 14 and cell["office"] == "West Bengal"


def test_nothing_overdue_gives_zeros_and_no_list():
    quiet = digest.summary(who("supervisor"), [case("B-early", -5)], NOW, "2026-12-01")
    assert (quiet["overdue"], quiet["escalated"], quiet["breached"], quiet["cases"]) == (0, 0, 0, [])


class CountingStaff:
    """An in-memory stand-in of the staff store: nobody in the directory; counts the looks."""

    def __init__(self):
        self.looks = 0

    def staff_with_role(self, role):
        self.looks += 1
        return []


class Settings:
    digest_hour_ist, notify_quiet_start_hour, notify_quiet_end_hour = 9, 21, 8


def test_a_process_looks_once_a_day_after_the_hour_and_again_the_next_day():
    from services.notification.digest import Digests

    digests, staff = Digests(), CountingStaff()
    digests.setup()
    assert digests.run(None, staff, Settings(), NOW - timedelta(hours=1)) == 0 and staff.looks == 0  # 08:30 IST
    digests.run(None, staff, Settings(), NOW)
    digests.run(None, staff, Settings(), NOW + timedelta(minutes=1))
    assert staff.looks == 2  # supervisors and the cell, once
    digests.run(None, staff, Settings(), NOW + timedelta(days=1))
    assert staff.looks == 4


def test_every_status_change_that_opens_or_stops_a_case_is_one_the_digest_records():
    """notification records a case's status only at the statuses that can flip its `open` flag; intake's
    lifecycle must lead into or out of a stopped status only through them."""
    for name, rule in RULES.items():
        if rule.target is None:
            continue
        for source in rule.sources:
            if (source in STOPPED_STATUSES) != (rule.target in STOPPED_STATUSES):
                assert digest.moves_open_flag(rule.target), (name, source, rule.target)
    assert not digest.moves_open_flag(Status.ROUTED) and not digest.moves_open_flag(Status.FILED)
    assert digest.moves_open_flag(Status.RESOLVED) and digest.moves_open_flag(Status.REOPENED)


def test_each_step_the_digest_records_has_an_event_notification_is_bound_to():
    """notification leaves intake's `status_changed` unbound (every step emits one): each lifecycle step and
    each rating that leads to a status the digest records has its own event, carrying the same case."""
    assert "grievance.status_changed" not in HEARD_FROM_INTAKE
    for name, rule in RULES.items():
        if rule.target is not None and digest.moves_open_flag(rule.target):
            assert EVENT_FOR_ACTION.get(name) in HEARD_FROM_INTAKE, name
    citizen = {"sub": "citizen-1", "role": "citizen"}
    for rating in (1, 5):
        change = apply_feedback({"status": Status.RESOLVED, "level": 1}, {"rating": rating}, citizen, NOW)
        assert digest.moves_open_flag(change.set["status"])
        assert {kind for kind, _ in change.events} & HEARD_FROM_INTAKE - {"grievance.feedback_received"}, rating


def test_notification_hears_what_the_complainant_is_told_and_the_public_stream_carries():
    assert {"grievance.filed", "grievance.note_added", "grievance.assignment_recorded", "grievance.completed",
            "grievance.feedback_received", "grievance.reopened"} <= HEARD_FROM_INTAKE
    assert not HEARD_FROM_INTAKE & {"grievance.routed", "grievance.assigned", "grievance.status_changed"}
