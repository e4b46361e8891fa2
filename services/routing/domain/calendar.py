"""Working days in West Bengal: SLA clocks run only on them (weekends and state holidays stop them)."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

IST = ZoneInfo("Asia/Kolkata")
HOLIDAYS_PATH = Path(__file__).resolve().parent.parent / "data" / "holidays.yaml"


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset
    weekend: frozenset = frozenset({5, 6})

    @classmethod
    def load(cls, path=HOLIDAYS_PATH):
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        return cls(frozenset(data["holidays"]), frozenset(data.get("weekend", [5, 6])))

    def is_working_day(self, day):
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

