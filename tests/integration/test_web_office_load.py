"""The supervisor's office page counts from routing's own aggregate (GET /api/v1/offices/{department}/{district}/load):
each officer of the office with open, overdue and escalated cases, and the office's totals, exact with far more
than a search page (100) of cases; the supervisor of that office, the CMO cell and administrators may read it."""
import re
import uuid
from datetime import datetime, timedelta, timezone

from shared.config import database_name
from shared.contracts import event_data
from shared.events import new_event
from shared.mongo import connect
from shared.outbox import EventPublisher
from tests.integration.platform_client import ADMIN, CMO_CELL, citizen, officer
from tests.integration.test_officer_load import snapshot
from tests.integration.test_web_staff import staff_account
from tests.integration.waiting import wait_for

DEPARTMENT, DISTRICT = "phe", "Bankura"
CASES, ESCALATED_BY_THE_CLOCK, OVERDUE_AT_THE_TOP = 130, 20, 7
LOAD = f"/api/v1/offices/{DEPARTMENT}/{DISTRICT}/load"


def file_many(config, count):
    """`count` filings of drinking-water cases in Bankura, as intake's events reach routing."""
    publisher = EventPublisher(config["AMQP_URI"], "intake")
    tracking_ids = [f"WB-2026-{uuid.uuid4().int % 10**8:08d}" for _ in range(count)]
    for tracking_id in tracking_ids:
        case = snapshot(tracking_id, "filed", 1, DISTRICT)
        publisher.publish(new_event("grievance.filed", "intake", event_data("grievance.filed", {"case": case}),
                                    subject=tracking_id))
    return tracking_ids


def test_the_office_load_is_exact_past_a_search_page_and_the_office_page_shows_it(console):
    assignments_db = connect(console.config["MONGO_URI"])
    assignments = assignments_db[database_name(console.config, "routing")]["assignments"]
    try:
        filed = file_many(console.config, CASES)
        wait_for(lambda: assignments.count_documents({"_id": {"$in": filed}}) == CASES or None, timeout=90,
                 interval=0.5, what=f"{CASES} cases routed")
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        # missed at level 1: the SLA clock escalates them to level 2 of the same office within seconds
        late = filed[:ESCALATED_BY_THE_CLOCK]
        assignments.update_many({"_id": {"$in": late}}, {"$set": {"deadline": past}})
        # already at the CMO cell's level and past that deadline: overdue, and escalated
        top = filed[ESCALATED_BY_THE_CLOCK:ESCALATED_BY_THE_CLOCK + OVERDUE_AT_THE_TOP]
        assignments.update_many({"_id": {"$in": top}}, {"$set": {"level": 4, "deadline": past}})
        wait_for(lambda: assignments.count_documents({"_id": {"$in": late}, "level": 2}) == len(late) or None,
                 timeout=30, interval=0.5, what="the late cases escalated by the clock")
        held = {}
        for a in assignments.find({"_id": {"$in": filed}}, {"officer_id": 1}):
            held[a["officer_id"]] = held.get(a["officer_id"], 0) + 1
    finally:
        assignments_db.close()

    supervisor = officer("sup-office-1", DEPARTMENT, [DISTRICT], role="supervisor")
    load = console.gateway.ok(console.gateway.request("GET", LOAD, supervisor))
    assert load["department"] == DEPARTMENT and load["district"] == DISTRICT
    assert load["totals"] == {"open": CASES, "overdue": OVERDUE_AT_THE_TOP,
                              "escalated": ESCALATED_BY_THE_CLOCK + OVERDUE_AT_THE_TOP}
    rows = {row["officer_id"]: row for row in load["officers"]}
    assert {officer_id: rows[officer_id]["open"] for officer_id in held} == held
    assert sum(row["open"] for row in load["officers"]) == CASES
    assert sum(row["escalated"] for row in load["officers"]) == ESCALATED_BY_THE_CLOCK + OVERDUE_AT_THE_TOP
    assert all(row["name"] and row["level"] >= 1 for row in load["officers"])
    idle = [row for row in load["officers"] if row["open"] == 0]  # the office's officers with nothing are listed too
    assert all(row["officer_id"].startswith("off-phe-bankura-") for row in idle)

    for allowed in (CMO_CELL, ADMIN):
        assert console.gateway.ok(console.gateway.request("GET", LOAD, allowed))["totals"] == load["totals"]
    for refused in (officer("sup-office-2", DEPARTMENT, ["Birbhum"], role="supervisor"),
                    officer("sup-office-3", "power", [DISTRICT], role="supervisor"),
                    officer(next(iter(held)), DEPARTMENT, [DISTRICT]), citizen("9830012345")):
        answer = console.gateway.request("GET", LOAD, refused)
        assert answer.status_code == 403, (refused, answer.text)
    unknown = console.gateway.request("GET", f"/api/v1/offices/{DEPARTMENT}/Atlantis/load", CMO_CELL)
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"

    staff_account(console, "sup-office-1", "7000000411", "supervisor", DEPARTMENT, [DISTRICT])
    browser = console.browser("en")
    console.sign_in(browser, "7000000411")
    page = console.get(browser, "/staff/office")
    assert page.status_code == 200, page.text
    row = re.search(r'<tr class="totals"><th scope="row">[^<]+</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>',
                    page.text)
    assert row, page.text
    totals = dict(zip(("open", "overdue", "escalated"), row.groups()))
    assert totals == {"open": str(CASES), "overdue": str(OVERDUE_AT_THE_TOP),
                      "escalated": str(ESCALATED_BY_THE_CLOCK + OVERDUE_AT_THE_TOP)}, page.text
    busiest = max(held, key=held.get)
    assert re.search(rf'<th scope="row">[^<]*{re.escape(busiest)}[^<]*</th><td>{held[busiest]}</td>', page.text)
