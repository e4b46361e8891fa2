"""The working-day calendar: the `holidays` package for West Bengal plus the state's overrides."""
from datetime import date, datetime, timedelta

import pytest

from services.routing.domain import calendar
from services.routing.domain.calendar import IST, CalendarUnavailable, WorkingCalendar

THIS_YEAR = date.today().year
RUNNING_YEARS = range(THIS_YEAR, THIS_YEAR + 6)
DURGA_PUJA = ("Mahasaptami", "Mahashtami", "Mahanavami", "Vijayadashami")
# The state's 2026 list as the hand-typed calendar had it before the package: 2026 must not change.
STATE_LIST_2026 = {date.fromisoformat(d) for d in (
    "2026-01-01", "2026-01-23", "2026-01-26", "2026-03-03", "2026-03-20", "2026-04-03", "2026-04-14",
    "2026-04-15", "2026-05-01", "2026-05-09", "2026-05-27", "2026-08-15", "2026-10-02", "2026-10-16",
    "2026-10-19", "2026-10-20", "2026-10-21", "2026-10-22", "2026-11-09", "2026-11-11", "2026-12-25")}


def ist(year, month, day, hour=11):
    return datetime(year, month, day, hour, tzinfo=IST)


def named(holidays, name):
    return [day for day, names in holidays.items() if name in names]


@pytest.mark.parametrize("year", RUNNING_YEARS)
def test_every_running_year_has_the_national_and_west_bengal_holidays(year):
    cal = WorkingCalendar.load()
    from_package = calendar.package_holidays(year, year)
    for national in (date(year, 1, 26), date(year, 8, 15), date(year, 10, 2)):
        assert national in cal.holidays
    assert date(year, 4, 15) in cal.holidays or date(year, 4, 14) in cal.holidays  # Bengali New Year
    assert named(from_package, "Bengali New Year")
    for puja_day in DURGA_PUJA:
        days = named(from_package, puja_day)
        assert len(days) == 1 and days[0].month in (9, 10, 11), (year, puja_day, days)
        assert days[0] in cal.holidays


@pytest.mark.parametrize("year", RUNNING_YEARS)
def test_the_package_has_real_data_for_every_running_year(year):
    # An outdated package returns only the fixed-date holidays (or none) for years past its lunar tables.
    assert len(calendar.package_holidays(year, year)) >= calendar.MIN_HOLIDAYS_PER_YEAR
    assert not calendar.sparse_years(calendar.package_holidays(year, year), year, year)


def test_a_package_without_holidays_for_a_year_is_refused(monkeypatch):
    monkeypatch.setattr(calendar, "package_holidays", lambda first, last: {})
    with pytest.raises(CalendarUnavailable, match="upgrade"):
        WorkingCalendar.build(1990, 1991)


def test_2026_keeps_every_day_of_the_states_list_and_the_packages():
    cal = WorkingCalendar.build(2026, 2027)
    from_package = calendar.package_holidays(2026, 2027)
    day = date(2026, 1, 1)
    while day.year == 2026:
        holiday = day.weekday() >= 5 or day in STATE_LIST_2026 or day in from_package
        assert cal.is_working_day(day) == (not holiday), day
        day += timedelta(days=1)


def test_the_states_additions_apply():
    cal = WorkingCalendar.build(2026, 2027)
    from_package = calendar.package_holidays(2026, 2027)
    assert date(2026, 10, 16) not in from_package and not cal.is_working_day(date(2026, 10, 16))  # added
    assert date(2027, 1, 1) not in from_package and not cal.is_working_day(date(2027, 1, 1))


def test_overrides_from_a_file_add_and_remove(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("weekend: [6]\nadditions:\n  - 2029-03-07  # a Wednesday\n"
                    "removals:\n  - 2029-08-15  # Independence Day, a Wednesday\n")
    cal = WorkingCalendar.build(2029, 2029, path=path)
    assert not cal.is_working_day(date(2029, 3, 7))
    assert cal.is_working_day(date(2029, 8, 15))
    assert cal.is_working_day(date(2029, 3, 10))  # a Saturday, working under this file's weekend


def test_every_override_still_differs_from_the_package():
    overrides = calendar.load_overrides()
    years = {day.year for day in overrides["additions"] | overrides["removals"]}  # removals: none yet
    from_package = calendar.package_holidays(min(years), max(years))
    assert not overrides["additions"] & set(from_package), "the package now has these: drop the additions"
    assert overrides["removals"] <= set(from_package), "the package no longer has these: drop the removals"
    assert all(day.weekday() < 5 for day in overrides["removals"])


def test_working_days_carry_across_the_year_boundary():
    cal = WorkingCalendar.build(2026, 2027)
    # Thursday 24 Dec + 3: Christmas Friday, weekend, then Mon 28, Tue 29, Wed 30.
    assert cal.add_working_days(ist(2026, 12, 24), 3) == ist(2026, 12, 30)
    # Tuesday 29 Dec + 3: Wed 30, Thu 31, New Year's Day (an addition), then Monday 4 January.
    assert cal.add_working_days(ist(2026, 12, 29), 3) == ist(2027, 1, 4)
    assert cal.working_days_between(ist(2026, 12, 29), ist(2027, 1, 4)) == 3


def test_working_days_skip_durga_puja():
    cal = WorkingCalendar.build(2026, 2027)
    # Thursday 15 Oct 2026 + 2: the state's puja days 16 and 19-22 around a weekend: Fri 23, Mon 26.
    assert cal.add_working_days(ist(2026, 10, 15), 2) == ist(2026, 10, 26)
    # 2027 from the package alone: Mahasaptami Wed 6 Oct to Vijayadashami Sat 9 Oct.
    assert cal.add_working_days(ist(2027, 10, 5), 1) == ist(2027, 10, 11)


def test_the_calendar_is_built_once_per_year_range_and_refuses_days_outside_it():
    assert WorkingCalendar.build(2026, 2027) is WorkingCalendar.build(2026, 2027)
    assert WorkingCalendar.load() is WorkingCalendar.load()
    with pytest.raises(CalendarUnavailable, match="outside"):
        WorkingCalendar.build(2026, 2027).is_working_day(date(2028, 1, 3))
