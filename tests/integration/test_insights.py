"""The CMO cell's insights, checked against counts computed here, independently, from the generator's
cases; CSV exports streamed past a page with no row cap; supervisors see their own scope only."""
import csv
import io
import statistics
from collections import Counter
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from services.search.bulk import bulk_load
from services.search.index import alias, ensure_index
from shared.elastic import connect
from synthetic.cases import HOTSPOT_DISTRICT, RECURRING_CATEGORY, RECURRING_DISTRICT, generate
from tests.integration.platform_client import CMO_CELL, officer

CASES = 4000
OPEN = {"incomplete", "filed", "routed", "acknowledged", "in_progress", "info_requested", "transferred", "reopened"}
DONE = {"resolved", "closed"}
SUPERVISOR = officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor")


@pytest.fixture
def cases(platform, platform_config):
    es = connect(platform_config["ELASTICSEARCH_URL"])
    generated = list(generate(CASES, seed=7, now=datetime.now(timezone.utc)))
    ensure_index(es, platform_config)
    assert bulk_load(es, alias(platform_config), generated) == (CASES, 0)
    es.indices.refresh(index=alias(platform_config))
    es.close()
    return generated


def insight(platform, name, actor=CMO_CELL, **params):
    return platform.ok(platform.request("GET", f"/api/v1/insights/{name}?" + urlencode(params), actor))


def rows_by_key(table):
    return {row[0]: dict(zip(table["columns"], row)) for row in table["rows"]}


def age_days(case, now):
    return (now - case["created_at"]).total_seconds() // 86400


def group_of(case, by):
    return case["place"]["district"] if by == "district" else case[by]


def test_backlog_sla_escalations_and_ratings_match_the_generated_cases(platform, cases):
    now = datetime.now(timezone.utc)
    backlog = rows_by_key(insight(platform, "backlog", by="department"))
    open_cases = [c for c in cases if c["status"] in OPEN]
    assert sum(row["open"] for row in backlog.values()) == len(open_cases)
    for department, row in backlog.items():
        mine = [c for c in open_cases if c["department"] == department]
        ages = Counter(next(label for label, low, high in (("0-7 days", 0, 7), ("8-30 days", 8, 30),
                                                            ("31-90 days", 31, 90), ("91-180 days", 91, 180),
                                                            ("over 180 days", 181, 10 ** 6))
                            if low <= age_days(c, now) <= high) for c in mine)
        assert row["open"] == len(mine)
        assert [row[label] for label in ("0-7 days", "8-30 days", "31-90 days", "91-180 days", "over 180 days")] \
            == [ages[label] for label in ("0-7 days", "8-30 days", "31-90 days", "91-180 days", "over 180 days")]

    sla = rows_by_key(insight(platform, "sla", by="district"))
    assert set(sla) == {c["place"]["district"] for c in cases}
    for district, row in sla.items():
        mine = [c for c in cases if c["place"]["district"] == district]
        resolved = [c for c in mine if c["status"] in DONE]
        met = [c for c in resolved if not c.get("escalation_levels") and c["resolved_at"] <= c["sla_deadline"]]
        hours = [(c["resolved_at"] - c["created_at"]).total_seconds() / 3600 for c in resolved]
        overdue = [c for c in mine if c["status"] in OPEN - {"incomplete", "info_requested"}
                   and c["sla_deadline"] < now]
        assert (row["cases"], row["resolved"], row["resolved_in_time"], row["open_overdue"]) == \
            (len(mine), len(resolved), len(met), len(overdue)), district
        assert row["compliance_pct"] == round(100 * len(met) / len(resolved), 1)
        low, high = statistics.median_low(hours), statistics.median_high(hours)
        assert low * 0.99 - 0.1 <= row["median_hours"] <= high * 1.01 + 0.1, (district, row, low, high)

    escalations = rows_by_key(insight(platform, "escalations", by="department"))
    for department, row in escalations.items():
        mine = [c for c in cases if department in ("all", c["department"])]
        reached = Counter(level for c in mine for level in c.get("escalation_levels", []))
        assert [row["escalated_to_l2"], row["escalated_to_l3"], row["escalated_to_l4"]] == \
            [reached[2], reached[3], reached[4]], department
    assert escalations["all"]["cases"] == CASES

    ratings = rows_by_key(insight(platform, "ratings", by="department"))
    for department, row in ratings.items():
        stars = [c["feedback"][-1]["rating"] for c in cases if c["department"] == department and c["feedback"]]
        assert row["rated"] == len(stars) and row["average"] == round(sum(stars) / len(stars), 2)
        assert [row[str(s)] for s in range(1, 6)] == [stars.count(s) for s in range(1, 6)]


def test_trends_hotspots_and_recurring_issues_match_the_generated_cases(platform, cases):
    now = datetime.now(timezone.utc)
    kolkata = ZoneInfo("Asia/Kolkata")
    trends = insight(platform, "trends", interval="month")
    filed = Counter(c["created_at"].astimezone(kolkata).strftime("%Y-%m") for c in cases)
    resolved = Counter(c["resolved_at"].astimezone(kolkata).strftime("%Y-%m") for c in cases if c.get("resolved_at")
                       and c["status"] != "rejected")
    assert {row[0][:7]: row[1] for row in trends["rows"] if row[1]} == dict(filed)
    assert {row[0][:7]: row[2] for row in trends["rows"] if row[2]} == dict(resolved)

    hotspots = insight(platform, "hotspots", by="district", days=30, baseline_days=90, min_cases=5)
    assert hotspots["rows"][0][0] == HOTSPOT_DISTRICT  # planted: its filings tripled this month
    for name, recent, baseline, *_ in hotspots["rows"]:
        mine = [age_days(c, now) + (now - c["created_at"]).total_seconds() % 86400 / 86400
                for c in cases if c["place"]["district"] == name]
        assert recent == sum(1 for age in mine if age <= 30), name
        assert baseline == sum(1 for age in mine if 30 < age <= 120), name

    recurring = insight(platform, "recurring", by="district", days=90)
    found = [row for row in recurring["rows"] if row[0] == RECURRING_DISTRICT and row[2] == "category"]
    assert found and found[0][3] == RECURRING_CATEGORY  # planted: drinking water, far above the state's share
    window = [c for c in cases if c["created_at"] >= now - timedelta(days=90)]
    here = [c for c in window if c["place"]["district"] == RECURRING_DISTRICT]
    assert found[0][1] == len(here)
    assert found[0][4] == sum(1 for c in here if c["category"] == RECURRING_CATEGORY)
    assert found[0][5] == sum(1 for c in window if c["category"] == RECURRING_CATEGORY)


def read_csv(response):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exports_stream_every_row_and_scope_follows_the_caller(platform, cases):
    everything = read_csv(platform.request("GET", "/api/v1/search?format=csv&sort=oldest", CMO_CELL))
    assert everything[0][0] == "tracking_id" and len(everything) - 1 == CASES  # 40 pages, no cap
    assert sorted(row[0] for row in everything[1:]) == sorted(c["tracking_id"] for c in cases)

    theirs = [c for c in cases if c["department"] == "phe" and c["place"]["district"] == "Bankura"]
    scoped = read_csv(platform.request("GET", "/api/v1/search?format=csv", SUPERVISOR))
    assert sorted(row[0] for row in scoped[1:]) == sorted(c["tracking_id"] for c in theirs)
    backlog = insight(platform, "backlog", SUPERVISOR, by="district")
    assert [row[:2] for row in backlog["rows"]] == [["Bankura", sum(c["status"] in OPEN for c in theirs)]]

    supported = sorted((c for c in cases if c["status"] in OPEN and c["supporters"]),
                       key=lambda c: (-c["supporters"], c["tracking_id"]))
    first = insight(platform, "most-supported", size=5)
    assert [row[0] for row in first["rows"]] == [c["tracking_id"] for c in supported[:5]]
    exported = read_csv(platform.request("GET", "/api/v1/insights/most-supported?format=csv&size=7", CMO_CELL))
    assert [row[0] for row in exported[1:]] == [c["tracking_id"] for c in supported]
    sla = read_csv(platform.request("GET", "/api/v1/insights/sla?format=csv&by=department", CMO_CELL))
    assert sla[0][:3] == ["department", "cases", "resolved"] and len(sla) - 1 == len({c["department"] for c in cases})

    assert platform.request("GET", "/api/v1/insights/backlog", officer("o1", "phe", ["Bankura"])).status_code == 403
    assert platform.request("GET", "/api/v1/insights/nothing", CMO_CELL).status_code == 404
    assert "by" in platform.request("GET", "/api/v1/insights/sla?by=planet", CMO_CELL).json()["errors"]
    assert "days" in platform.request("GET", "/api/v1/insights/hotspots?days=0", CMO_CELL).json()["errors"]
