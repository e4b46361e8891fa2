from collections import Counter
from datetime import datetime, timedelta, timezone

from services.intake.domain.tracking import is_valid
from services.search.index import document
from synthetic.cases import HOTSPOT_DAYS, HOTSPOT_DISTRICT, RECURRING_CATEGORY, RECURRING_DISTRICT, generate
from synthetic.texts import script_of

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


def test_the_same_seed_gives_the_same_cases_and_each_is_indexable():
    first, again = list(generate(300, seed=3, now=NOW)), list(generate(300, seed=3, now=NOW))
    assert first == again and first != list(generate(300, seed=4, now=NOW))
    assert len({c["tracking_id"] for c in first}) == 300 and all(is_valid(c["tracking_id"]) for c in first)
    for case in first:
        assert NOW - timedelta(days=366) < case["created_at"] <= NOW
        assert case.get("resolved_at") is None or case["created_at"] < case["resolved_at"] <= NOW
        assert document(case)["tracking_id"] == case["tracking_id"]


def test_the_mix_is_realistic_and_the_planted_patterns_are_there():
    cases = list(generate(6000, seed=11, now=NOW))
    statuses = Counter(c["status"] for c in cases)
    assert 0.04 < sum(statuses[s] for s in ("routed", "acknowledged", "in_progress", "info_requested",
                                             "transferred", "reopened")) / len(cases) < 0.2
    scripts = Counter(script_of(c["subject"]) for c in cases)
    assert scripts["bn"] > scripts["latin"] > scripts["hi"] > 0
    assert all(c.get("escalation_levels", []) == list(range(2, c["level"] + 1)) for c in cases)
    assert all(c["feedback"][-1]["rating"] >= 3 for c in cases if c["status"] == "closed" and c["feedback"])

    def share(district):
        here = [c for c in cases if c["place"]["district"] == district]
        return sum(c["category"] == RECURRING_CATEGORY for c in here) / len(here)

    assert share(RECURRING_DISTRICT) > 3 * share("Nadia")
    recent = [c for c in cases if c["created_at"] > NOW - timedelta(days=HOTSPOT_DAYS)]
    older = [c for c in cases if NOW - timedelta(days=4 * HOTSPOT_DAYS) < c["created_at"] <= NOW - timedelta(days=HOTSPOT_DAYS)]

    def rise(district):
        return (sum(c["place"]["district"] == district for c in recent) /
                max(1, sum(c["place"]["district"] == district for c in older) / 3))

    assert rise(HOTSPOT_DISTRICT) > 2 * rise("Nadia")
