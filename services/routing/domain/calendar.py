"""Working days in West Bengal: SLA clocks run only on them (weekends and state holidays stop them).

The holidays come from the maintained `holidays` package (India, subdivision WB, public holidays), which
computes the lunar festivals (Durga Puja, Kali Puja, Eid ...) year by year, with the state's own list
applied on top as additions and removals (services/routing/data/holidays.yaml)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

IST = ZoneInfo("Asia/Kolkata")
OVERRIDES_PATH = Path(__file__).resolve().parent.parent / "data" / "holidays.yaml"
# Fewer public holidays than this in a year means the package has no data for it (its lunar tables end
# somewhere); every year it covers has about 30 for West Bengal.
MIN_HOLIDAYS_PER_YEAR = 20
YEARS_BEHIND, YEARS_AHEAD = 1, 5


class CalendarUnavailable(ValueError):
    """The calendar has no trustworthy holidays for a year it was asked about."""


def package_holidays(first_year, last_year):
    """{date: name} of West Bengal's public holidays according to the `holidays` package."""
    return dict(holidays.India(subdiv="WB", years=range(first_year, last_year + 1),
                               categories=(holidays.PUBLIC,)))


def load_overrides(path=OVERRIDES_PATH):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {"weekend": frozenset(data.get("weekend", [5, 6])),
            "additions": frozenset(data.get("additions") or []),
            "removals": frozenset(data.get("removals") or [])}


def sparse_years(holiday_dates, first_year, last_year):
    counts = {year: 0 for year in range(first_year, last_year + 1)}
    for day in holiday_dates:
        counts[day.year] += 1
    return [year for year, count in counts.items() if count < MIN_HOLIDAYS_PER_YEAR]


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset
    first_year: int
    last_year: int
    weekend: frozenset = frozenset({5, 6})

    @classmethod
    def build(cls, first_year, last_year, path=OVERRIDES_PATH):
        """The calendar for whole years first_year..last_year; refuses years the package has no data for,
        so an outdated package cannot quietly turn every holiday into a working day."""
        return _build_cached(first_year, last_year, Path(path))

    @classmethod
    def load(cls, today=None, path=OVERRIDES_PATH):
        """The calendar for every year the platform may run in: last year to five years ahead."""
        year = (today or date.today()).year
        return cls.build(year - YEARS_BEHIND, year + YEARS_AHEAD, path)

    def is_working_day(self, day):
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarUnavailable(
                f"{day.isoformat()} is outside the working-day calendar ({self.first_year}-{self.last_year})")
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start, days):
        """The moment `days` working days after `start` (an aware datetime), at the same time of day in
        India. A case filed on a holiday or weekend starts counting from the next working day."""
        local = start.astimezone(IST)
        day = local.date()
        if not self.is_working_day(day):
            while not self.is_working_day(day):
                day += timedelta(days=1)
            local = datetime.combine(day, datetime.min.time().replace(hour=10), IST)
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)

    def working_days_between(self, start, end):
        """Whole working days from start's date to end's date (negative when end is earlier)."""
        first, last = start.astimezone(IST).date(), end.astimezone(IST).date()
        sign = 1 if last >= first else -1
        lo, hi = min(first, last), max(first, last)
        count = sum(1 for n in range(1, (hi - lo).days + 1) if self.is_working_day(lo + timedelta(days=n)))
        return sign * count


@lru_cache(maxsize=8)
def _build_cached(first_year, last_year, path):
    from_package = package_holidays(first_year, last_year)
    missing = sparse_years(from_package, first_year, last_year)
    if missing:
        raise CalendarUnavailable(
            f"the installed holidays package {holidays.__version__} has (almost) no West Bengal holidays "
            f"for {missing}: upgrade it")
    overrides = load_overrides(path)
    in_range = {day for day in overrides["additions"] if first_year <= day.year <= last_year}
    days = (set(from_package) | in_range) - overrides["removals"]
    return WorkingCalendar(frozenset(days), first_year, last_year, overrides["weekend"])
