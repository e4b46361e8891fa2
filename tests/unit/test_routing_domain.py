from datetime import date, datetime, timedelta, timezone

from services.routing.domain import officers, rules, sla
from services.routing.domain.calendar import IST, WorkingCalendar
from shared.catalog import categories, departments, districts

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
    l1 = officers.pool("phe", "Bankura", 1)
    assert len(l1) == 2 and all(o.district == "Bankura" and o.level == 1 for o in l1)
    assert officers.pool("phe", "Bankura", 2)[0].designation == "District officer"
    assert officers.pool("phe", "Bankura", 3)[0].district == rules.STATE
    assert officers.pool("phe", "Bankura", 4)[0].department == "cmo_cell"
    assert officers.pool("phe", "Bankura", 1) == l1  # the same every time
    assert len({o.id for o in officers.all_officers()}) > 1000


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
