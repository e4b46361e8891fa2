from datetime import datetime, timedelta, timezone

import pytest

from services.intake.domain import my_cases
from services.intake.domain.lifecycle import STATUSES
from services.intake.domain.status_words import STATUS_WORDS, status_text

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


def test_cursor_round_trips_and_refuses_what_it_did_not_make():
    cursor = my_cases.encode_cursor(T0, "WB-2026-12345674")
    assert my_cases.decode_cursor(cursor) == (T0, "WB-2026-12345674")
    for bad in ("", "x", "not-a-cursor", "W10", my_cases.encode_cursor(T0, "a")[:-3] + "!!!"):
        with pytest.raises(my_cases.BadCursor):
            my_cases.decode_cursor(bad)


def test_newest_first_breaks_ties_by_tracking_id_and_starts_after_the_cursor():
    entries = [{"tracking_id": "B", "at": T0}, {"tracking_id": "A", "at": T0},
               {"tracking_id": "C", "at": T0 + timedelta(seconds=1)}, {"tracking_id": "D", "at": T0 - timedelta(1)}]
    assert [e["tracking_id"] for e in my_cases.newest_first(entries)] == ["C", "B", "A", "D"]
    assert [e["tracking_id"] for e in my_cases.newest_first(entries, (T0, "B"))] == ["A", "D"]
    naive = [{"tracking_id": "N", "at": T0.replace(tzinfo=None)}]
    assert my_cases.newest_first(naive, (T0 + timedelta(1), "Z")) == naive


def test_every_status_has_words_in_every_language():
    for status in STATUSES:
        assert set(STATUS_WORDS[status]) == {"bn", "en", "hi"} and all(STATUS_WORDS[status].values())
    assert status_text("resolved", "xx") == STATUS_WORDS["resolved"]["bn"]
    assert status_text("resolved", "hi") == STATUS_WORDS["resolved"]["hi"]
