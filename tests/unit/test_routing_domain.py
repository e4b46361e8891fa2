from datetime import date, datetime, timedelta, timezone

from services.routing.domain import assignment as domain
from services.routing.domain import officers, rules, sla
from services.routing.domain.assignment import ACTIVE, PAUSED, STOPPED
from services.routing.domain.calendar import IST, WorkingCalendar
from shared.catalog import categories, departments, districts
from tests.unit.staff_pools import RECORDS, pool, seat_of

CAL = WorkingCalendar.build(2026, 2027)


def ist(year, month, day, hour=11):
    return datetime(year, month, day, hour, tzinfo=IST)


def test_catalogue_has_the_23_districts_and_every_category_maps_to_a_department():
    assert len(districts()) == 23 and "Kolkata" in districts() and "Kalimpong" in districts()
    assert all(c["department"] in departments() for c in categories().values())
    assert all(1 <= c["sla_days"] <= 21 for c in categories().values())


def test_working_days_skip_weekends_and_holidays():
    # Friday 2026-11-06 + 3 working days: Mon 9th is Kali Puja, Wed 11th Bhatri Dwitiya: Tue, Thu, Fri 13th.
    assert CAL.add_working_days(ist(2026, 11, 6), 3) == ist(2026, 11, 13)
    assert CAL.add_working_days(ist(2026, 12, 1), 7) == ist(2026, 12, 10)
    assert not CAL.is_working_day(date(2026, 10, 20))  # Durga Puja


def test_a_case_filed_on_a_holiday_starts_counting_on_the_next_working_day():
    deadline = CAL.add_working_days(ist(2026, 11, 28, 22), 1)  # Saturday night
    assert deadline == ist(2026, 12, 1, 10)


def test_deadlines_keep_the_callers_timezone():
    start = datetime(2026, 12, 1, 5, 0, tzinfo=timezone.utc)
    deadline = CAL.add_working_days(start, 2)
    assert deadline.tzinfo == timezone.utc and deadline == start + timedelta(days=2)
    assert CAL.working_days_between(start, deadline) == 2 and CAL.working_days_between(deadline, start) == -2


def test_category_routes_to_its_department_and_district():
    route = rules.route({"category": "drinking_water", "place": {"district": "Bankura"}})
    assert (route.department, route.district) == ("phe", "Bankura")
    assert "drinking_water" in route.reason


def test_cyber_fraud_goes_to_the_state_cyber_cell_wherever_the_complainant_lives():
    case = {"category": "cyber_fraud", "place": {"district": "Kolkata"},
            "complainant": {"residence": {"state": "Rajasthan"}}}
    route = rules.route(case)
    assert (route.department, route.district) == ("home_cyber_cell", rules.STATE)
    assert "Rajasthan" in route.reason and "Kolkata" in route.reason


def test_keywords_place_uncategorised_cases_in_bengali_hindi_and_transliteration():
    assert rules.route({"subject": "জল নেই", "description": "পানীয় জল আসছে না",
                        "place": {"district": "Nadia"}}).category == "drinking_water"
    assert rules.route({"subject": "rasta kharap", "description": "gram road", "place": {"district": "Birbhum"}}
                       ).category == "rural_road"
    assert rules.route({"subject": "बिजली नहीं", "description": "transformer jal gaya",
                        "place": {"district": "Malda"}}).category == "electricity_supply"
    fraud = rules.route({"subject": "Cheated by a dating website", "description": "romance scam, online fraud",
                         "place": {"district": "Kolkata"}})
    assert fraud.department == "home_cyber_cell"
    other = rules.route({"subject": "Hello", "description": "general", "place": {"district": "Howrah"}})
    assert other.category == "other" and "triages" in other.reason


def test_pools_per_level():
    l1 = pool("phe", "Bankura", 1)
    assert len(l1) == 2 and all(o.district == "Bankura" and o.level == 1 for o in l1)
    assert pool("phe", "Bankura", 2)[0].designation == "District officer"
    assert pool("phe", "Bankura", 3)[0].district == rules.STATE
    assert pool("phe", "Bankura", 4)[0].department == "cmo_cell"
    assert pool("phe", "Bankura", 1) == l1  # the same every time
    assert pool("health", "Bankura", 1) == []  # nobody in the directory for that office


def test_an_office_with_nobody_sends_the_case_up_to_the_first_level_with_someone():
    seat = seat_of()
    assert seat("phe", "Bankura", 1).level == 1 and seat("phe", "Bankura", 1).note == ""
    up = seat("health", "Bankura", 1)  # no health officers at all: the CMO cell
    assert up.level == 4 and up.officer.department == "cmo_cell"
    assert up.note == "nobody available at level 1 (health, Bankura); taken up to level 4"
    without_field = [r for r in RECORDS if not r["staff_id"].startswith("off-phe-bankura-l1")]
    assert seat_of(without_field)("phe", "Bankura", 1).officer.id == "off-phe-bankura-l2-1"
    try:
        seat_of([])("phe", "Bankura", 1)
    except officers.NoOfficer:
        pass
    else:
        raise AssertionError("an empty directory routes nowhere")


def test_sla_days_per_category_and_level():
    assert sla.sla_days("drinking_water", 1) == 3 and sla.sla_days("land_records", 1) == 15
    assert [sla.sla_days("land_records", level) for level in (2, 3, 4)] == [3, 3, 2]


def test_clock_due_escalates_reminds_and_breaches_once():
    start = ist(2026, 12, 1)
    deadline, reminder_at = sla.clock("drinking_water", 1, start, CAL)
    clock = {"state": "active", "level": 1, "deadline": deadline, "reminder_at": reminder_at, "reminded": False}
    assert sla.due(clock, start) is None
    assert sla.due(clock, reminder_at) == "remind"
    assert sla.due(clock, deadline) == "escalate"
    assert sla.due(dict(clock, level=4), deadline) == "breached"
    assert sla.due(dict(clock, level=4, breached=True), deadline) is None
    assert sla.due(dict(clock, state="paused"), deadline) is None


# --- assignments and the clock's life cycle (domain.assignment) -------------------------------------------

NOW = ist(2026, 12, 1)
WATER = rules.route({"category": "drinking_water", "place": {"district": "Bankura"}})


def assigned(officer_index=0, now=NOW):
    officer = pool("phe", "Bankura", 1)[officer_index]
    case = {"tracking_id": "WB-2026-00000001", "subject": "No water"}
    return domain.new_assignment(case, WATER, officers.Seat(officer, 1), now, CAL, urgent=False)


def test_the_clock_transition_table():
    assert domain.allowed(None, "start") and domain.allowed(STOPPED, "start")
    assert domain.allowed(ACTIVE, "pause") and not domain.allowed(PAUSED, "pause")
    assert domain.allowed(PAUSED, "resume") and not domain.allowed(ACTIVE, "resume")
    assert domain.allowed(PAUSED, "stop") and not domain.allowed(STOPPED, "stop")
    assert all(not domain.allowed(PAUSED, t) for t in ("remind", "escalate", "breach"))
    assert {t.target for t in domain.TRANSITIONS.values()} == {ACTIVE, PAUSED, STOPPED}


def test_the_most_free_officer_is_picked_ties_by_id():
    members = pool("cmo_cell", "state", 4)
    loads = {members[0].id: 3, members[1].id: 1, members[2].id: 1}
    assert officers.pick_officer(members, loads.get) == min(members[1:], key=lambda o: o.id)


def test_a_new_assignment_starts_the_clock_and_claims_the_officer():
    assignment, change = assigned()
    officer = pool("phe", "Bankura", 1)[0]
    assert assignment["state"] == ACTIVE and assignment["level"] == 1 and assignment["officer_id"] == officer.id
    assert assignment["deadline"] == sla.clock("drinking_water", 1, NOW, CAL)[0]
    assert change.events == [domain.ROUTED, domain.ASSIGNED] and change.load == {officer.id: 1}
    decisions = domain.decisions(assignment, change)
    assert [(kind, data["seq"]) for kind, data in decisions] == [(domain.ROUTED, 1), (domain.ASSIGNED, 2)]
    assert decisions[0][1]["reason"] == WATER.reason and decisions[1][1]["officer_id"] == officer.id
    assert decisions[0][1]["assigned_seq"] == 2 and "assigned_seq" not in decisions[1][1]
    assert decisions[1][1]["routed_seq"] == 1 and "routed_seq" not in decisions[0][1]
    assert [data["previous_officer_id"] for _, data in decisions] == [None, None]  # it moved from no one


def test_a_transfer_moves_the_case_and_the_load_with_a_fresh_clock():
    assignment, _ = assigned()
    later = NOW + timedelta(days=2)
    new_officer = pool("power", "Bankura", 1)[0]
    route = rules.route_transfer({"category": "drinking_water", "place": {"district": "Bankura"}}, "power", "pump")
    change = domain.reroute(assignment, route, officers.Seat(new_officer, 1), "transfer", later, CAL)
    assert change.set["department"] == "power" and change.set["started_at"] == later
    assert change.load == {assignment["officer_id"]: -1, new_officer.id: 1}
    assert change.history["kind"] == "transfer"
    # both decisions name the officer the case leaves, so a consumer need not work it out from their order
    assert [data["previous_officer_id"] for _, data in domain.decisions(assignment, change)] == [
        assignment["officer_id"], assignment["officer_id"]]


def test_a_reopening_restarts_a_stopped_clock_one_level_up():
    assignment, _ = assigned()
    assignment.update(state=STOPPED)
    route = domain.reopened(domain.current_route(assignment), 2)
    district_officer = pool("phe", "Bankura", 2)[0]
    change = domain.reroute(assignment, route, officers.Seat(district_officer, 2), "reopen", NOW, CAL)
    assert change.set["state"] == ACTIVE and change.set["level"] == 2 and "level 2" in change.reason
    assert change.load == {district_officer.id: 1}  # the stopped clock released the field officer already
    # a fresh clock: whoever heard the case breached before hears that it no longer has
    after_breach = {**assignment, "breached": True}
    decided = domain.decisions(after_breach, domain.reroute(after_breach, route, officers.Seat(district_officer, 2),
                                                             "reopen", NOW, CAL))
    assert [data["breached"] for _, data in decided] == [False, False]


def test_status_changes_pause_resume_and_stop_the_clock_once():
    assignment, _ = assigned()
    officer_id = assignment["officer_id"]
    asked = NOW + timedelta(hours=5)
    pause = domain.follow_status(assignment, 3, "acknowledged", "info_requested", asked)
    assert pause.set["state"] == PAUSED and pause.load == {}
    assert pause.set["remaining_seconds"] == (assignment["deadline"] - asked).total_seconds()
    paused = {**assignment, **pause.set}
    assert domain.follow_status(paused, 3, "acknowledged", "info_requested", asked) is None  # old news
    answered = asked + timedelta(days=9)
    resume = domain.follow_status(paused, 4, "info_requested", "in_progress", answered)
    assert resume.set["state"] == ACTIVE
    assert resume.set["deadline"] == answered + timedelta(seconds=pause.set["remaining_seconds"])
    stop = domain.follow_status(paused, 5, "info_requested", "resolved", answered)
    assert stop.set["state"] == STOPPED and stop.load == {officer_id: -1}
    stopped = {**paused, **stop.set}
    assert domain.follow_status(stopped, 6, "resolved", "closed", answered) is None  # stopped already
    assert domain.follow_status(assignment, 3, "routed", "acknowledged", asked) is None  # not the clock's news
    assert not domain.follows_status("routed", "acknowledged") and not domain.follows_status("resolved", "reopened")


def test_a_due_clock_escalates_reminds_and_breaches_at_the_top():
    assignment, _ = assigned()
    assert domain.check_clock(assignment, NOW, CAL, seat_of()) is None
    remind = domain.check_clock(assignment, assignment["reminder_at"], CAL, seat_of())
    assert remind.set == {"reminded": True} and remind.events == [domain.REMINDER] and remind.load == {}
    late = assignment["deadline"] + timedelta(seconds=1)
    escalate = domain.check_clock(assignment, late, CAL, seat_of())
    district_officer = pool("phe", "Bankura", 2)[0]
    assert escalate.set["level"] == 2 and escalate.set["officer_id"] == district_officer.id
    assert escalate.set["deadline"] == sla.clock("drinking_water", 2, late, CAL)[0]
    assert escalate.load == {assignment["officer_id"]: -1, district_officer.id: 1}
    assert "SLA missed at level 1" in escalate.reason
    top = {**assignment, "level": 4}
    assert [data["previous_officer_id"] for _, data in domain.decisions(assignment, escalate)] == [
        assignment["officer_id"]]
    breach = domain.check_clock(top, late, CAL, seat_of())
    assert breach.set == {"breached": True} and breach.events == [domain.BREACHED]
    assert domain.decisions(top, breach)[0][1]["previous_officer_id"] is None  # the case stays where it is
    assert domain.decisions(top, breach)[0][1]["breached"] is True
    assert domain.check_clock({**top, "breached": True}, late, CAL, seat_of()) is None


def test_load_deltas_follow_the_holder():
    assignment, _ = assigned()
    officer_id = assignment["officer_id"]
    assert domain.load_deltas(None, assignment) == {officer_id: 1}
    assert domain.load_deltas(assignment, {**assignment, "officer_id": "b"}) == {officer_id: -1, "b": 1}
    assert domain.load_deltas(assignment, {**assignment, "state": PAUSED}) == {}  # a waiting case is still held
    assert domain.load_deltas(assignment, {**assignment, "state": STOPPED}) == {officer_id: -1}
    assert domain.load_deltas({**assignment, "state": STOPPED}, {**assignment, "officer_id": "b"}) == {"b": 1}
    assert domain.hand_over(assignment, pool("phe", "Bankura", 1)[0], "sup", "same", NOW).load == {}
