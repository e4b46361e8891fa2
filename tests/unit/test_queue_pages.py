from datetime import datetime, timedelta, timezone

import pytest

from services.routing.domain import queue_pages

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


def _active(tracking_id, hours, urgent=False):
    return {"tracking_id": tracking_id, "clock": "active", "urgent": urgent,
            "deadline": (T0 + timedelta(hours=hours)).isoformat(), "sla_seconds_left": 0}


def _paused(tracking_id, hours, urgent=False):
    return {"tracking_id": tracking_id, "clock": "paused", "urgent": urgent,
            "deadline": T0.isoformat(), "sla_seconds_left": hours * 3600}


def _walk(items_at, limit, times):
    """Page through, asking for each page at the next time in `times` with the items as they are then."""
    seen, cursor = [], None
    for index, now in enumerate(times):
        shown, cursor = queue_pages.page(items_at(index), limit, cursor, now)
        seen += [item["tracking_id"] for item in shown]
        if cursor is None:
            return seen
    raise AssertionError("more pages than expected")


def test_a_walk_is_ranked_at_its_first_page_so_time_passing_moves_nothing():
    # at T0 the paused C (3 h left) ranks before the running B (due in 4 h); two hours later B has 2 h left
    # and C still 3 h: ranked afresh at each page, B would come before C and the walk would show C twice or
    # skip B. Ranked at the first page's moment, the walk keeps its order.
    items = [_active("A", 1), _active("B", 4), _paused("C", 3), _paused("D", 5), _active("E", 6, urgent=True)]
    seen = _walk(lambda i: items, 2, [T0, T0 + timedelta(hours=2), T0 + timedelta(hours=3)])
    assert seen == ["A", "C", "B", "D", "E"]


def test_cases_arriving_meanwhile_land_at_their_rank_and_nothing_repeats_or_goes_missing():
    start = [_active("A", 1), _active("B", 2), _active("C", 3), _active("D", 4)]
    later = start + [_active("early", 0.5), _active("late", 10), _active("between", 3.5)]
    seen = _walk(lambda i: start if i == 0 else later, 2, [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2),
                                                           T0 + timedelta(minutes=3)])
    assert seen == ["A", "B", "C", "between", "D", "late"]  # "early" ranks before the cursor: next walk


def test_ties_break_on_urgency_then_tracking_id():
    items = [_active("Z", 1), _active("Y", 1, urgent=True), _active("X", 1)]
    assert [i["tracking_id"] for i in queue_pages.page(items, 10, None, T0)[0]] == ["Y", "X", "Z"]


def test_a_cursor_it_did_not_make_is_refused():
    for bad in ("", "abc", "W10", "WyIyMDI2LTExLTI5VDEwOjAwOjAwIiwgWzEsIGZhbHNlLCAiQSJdXQ"):  # a naive time
        with pytest.raises(queue_pages.BadCursor):
            queue_pages.decode_cursor(bad)
