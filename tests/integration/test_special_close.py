"""Special close at L3/L4 on the real servers: refused below level 3 naming the rule, taken at level 3 with a
reason from the list and a text, the clock stopped, the citizen told in their language, the cell sees it in
insights and reopens it (a fresh clock at the same level)."""
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
REASON_TEXT = "The land is owned by the Railways, a central body; the state cannot order the repair."


@pytest.fixture
def platform(platform_with):
    """No quiet hours: the tests run at any hour and read the SMS at once."""
    return platform_with(NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)


def sms_sink(gateway, mobile):
    return gateway.ok(gateway.request("GET", f"/api/v1/dev/sms?mobile={mobile}", ADMIN))["messages"]


def escalate_to(platform, platform_config, tracking_id, level):
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        for n in range(platform.case(tracking_id)["level"] + 1, level + 1):
            deadline = datetime.fromisoformat(platform.case(tracking_id)["sla_deadline"])
            cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})
            platform.wait_case(tracking_id, lambda c, n=n: c["level"] == n and c.get("officer_id"), f"level {n}")
    case = platform.case(tracking_id)
    return case, officer(case["officer_id"], case["department"], [case["place"]["district"]])


def file_case(platform, mobile, language="bn"):
    body = drinking_water(mobile=mobile)
    body["complainant"]["language"] = language
    tracking_id = platform.ok(platform.file(body, citizen(mobile)), 201)["tracking_id"]
    platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    return tracking_id


def special_close(platform, tracking_id, actor, reason="outside_state_jurisdiction", text=REASON_TEXT):
    return platform.act(tracking_id, actor, action="special_close", reason=reason, text=text)


def test_special_close_is_refused_at_levels_1_and_2_naming_the_rule(platform, platform_config):
    tracking_id = file_case(platform, "9830070001")
    case = platform.case(tracking_id)
    field_officer = officer(case["officer_id"], case["department"], [case["place"]["district"]])
    assert "special_close" not in platform.case(tracking_id, field_officer)["allowed_actions"]
    refused = special_close(platform, tracking_id, field_officer)
    assert refused.status_code == 409, refused.text
    assert "levels 3 and 4" in refused.text and "level 1" in refused.text
    _, district_officer = escalate_to(platform, platform_config, tracking_id, 2)
    refused = special_close(platform, tracking_id, CMO_CELL)  # the cell too: the rule is the case's level
    assert refused.status_code == 409 and "level 2" in refused.text, refused.text
    assert platform.case(tracking_id)["status"] == "routed"


def test_bad_special_close_input_names_the_field(platform, platform_config):
    tracking_id = file_case(platform, "9830070002")
    _, head = escalate_to(platform, platform_config, tracking_id, 3)
    unknown = special_close(platform, tracking_id, head, reason="too_hard")
    assert unknown.status_code in (400, 422) and "reason" in unknown.json()["errors"], unknown.text
    no_text = platform.act(tracking_id, head, action="special_close", reason="sub_judice")
    assert no_text.status_code in (400, 422) and "text" in no_text.json()["errors"], no_text.text


def test_special_close_at_level_3_tells_the_citizen_the_cell_sees_it_and_reopens_it(platform, platform_config):
    mobile = "9830070003"
    tracking_id = file_case(platform, mobile, language="en")
    first = platform.case(tracking_id)
    field_officer = officer(first["officer_id"], first["department"], [first["place"]["district"]])
    case, head = escalate_to(platform, platform_config, tracking_id, 3)
    assert "special_close" in platform.case(tracking_id, head)["allowed_actions"]
    assert "special_close" not in platform.case(tracking_id, field_officer)["allowed_actions"]
    not_theirs = special_close(platform, tracking_id, field_officer)  # sees the case, does not hold it
    assert not_theirs.status_code == 409 and "officer holding the case" in not_theirs.text, not_theirs.text
    closed = platform.ok(special_close(platform, tracking_id, head))
    assert closed["status"] == "special_closed"
    assert closed["special_close"]["reason"] == "outside_state_jurisdiction"
    assert closed["special_close"]["text"] == REASON_TEXT and closed["special_close"]["level"] == 3
    assert closed["allowed_actions"] == ["add_note", "log_contact"]  # an officer cannot reopen it

    # routing stopped the clock: a month later nothing escalates
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        later = (datetime.fromisoformat(case["sla_deadline"]) + timedelta(days=30)).isoformat()
        assert cluster.routing.check_clocks({"now": later})["escalated"] == 0

    sms = wait_for(lambda: [m for m in sms_sink(platform, mobile) if "cannot act" in m["text"]],
                   what="the special-close SMS")[0]
    assert tracking_id in sms["text"] and "outside the state's powers" in sms["text"]

    mine = platform.case(tracking_id, citizen(mobile))
    assert mine["status"] == "special_closed" and mine["special_close"]["reason"] == "outside_state_jurisdiction"
    assert mine["allowed_actions"] == []  # the citizen asks the cell; the cell reopens

    query = urlencode({"by": "department"})
    table = wait_for(lambda: (t := platform.ok(platform.request("GET", f"/api/v1/insights/special-closes?{query}",
                                                               CMO_CELL))) and t["rows"] and t,
                     what="the special close in insights")
    row = dict(zip(table["columns"], table["rows"][0]))
    assert row["department"] == "phe" and row["outside_state_jurisdiction"] == 1 and row["special_closes"] == 1

    refused = platform.act(tracking_id, head, action="reopen_special_close", reason="The cell must decide this")
    assert refused.status_code == 409, refused.text
    reopened = platform.ok(platform.act(tracking_id, CMO_CELL, action="reopen_special_close",
                                        reason="The state owns the approach road; the PWD can act."))
    assert reopened["status"] == "reopened" and reopened["special_close"]["reopen_reason"].startswith("The state")
    again = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c["officer_id"], "rerouted")
    assert again["level"] == 3 and again["sla_deadline"]
    wait_for(lambda: [m for m in sms_sink(platform, mobile) if "reopened" in m["text"] and "review" in m["text"]],
             what="the reopening SMS")


def test_the_staff_case_page_offers_special_close_at_level_3_and_the_cell_reopens_from_its_page(console_with):
    from tests.integration.test_web_staff import act, form_for, routed_case, signed_in_officer, staff_account

    console = console_with(NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    case = routed_case(console, mobile="9830070004")
    tracking_id, path = case["tracking_id"], f"/staff/cases/{case['tracking_id']}"
    field_browser = signed_in_officer(console, case, mobile="7000000401")
    assert form_for(console.get(field_browser, path).text, "special_close") is None  # level 1: not offered
    case, _ = escalate_to(console.gateway, console.config, tracking_id, 3)
    head_browser = signed_in_officer(console, case, mobile="7000000402")
    page = console.get(head_browser, path)
    assert form_for(page.text, "special_close") is not None and "Outside the state" in page.text and "jurisdiction" in page.text
    refused, _ = act(console, head_browser, path, "special_close", reason="sub_judice", text="short")
    assert refused.status_code in (400, 422) and 'aria-invalid="true"' in refused.text
    closed, _ = act(console, head_browser, path, "special_close", reason="sub_judice",
                    text="Title suit 112/2025 on this land is pending before the Bankura civil court.")
    assert closed.status_code == 303, closed.text
    assert console.gateway.case(tracking_id)["status"] == "special_closed"
    assert form_for(console.get(head_browser, path).text, "reopen_special_close") is None  # the cell's alone

    staff_account(console, "cmo-cell-reviewer-1", "7000000403", "cmo_cell")
    cell = console.browser("en")
    console.sign_in(cell, "7000000403")
    review = console.get(cell, path)
    assert "Title suit 112/2025" in review.text and form_for(review.text, "reopen_special_close") is not None
    reopened, _ = act(console, cell, path, "reopen_special_close", reason="The court vacated its stay last week.")
    assert reopened.status_code == 303, reopened.text
    assert console.gateway.wait_case(tracking_id, lambda c: c["status"] in ("reopened", "routed"), "reopened")


def test_twenty_concurrent_special_closes_and_reopenings_each_happen_once(platform, platform_config, event_log):
    from concurrent.futures import ThreadPoolExecutor

    mobile = "9830070005"
    tracking_id = file_case(platform, mobile, language="en")
    _, head = escalate_to(platform, platform_config, tracking_id, 3)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: special_close(platform, tracking_id, head), range(20)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 19, [a.text for a in answers if a.status_code
                                                                          not in (200, 409)]
    wait_for(lambda: [m for m in sms_sink(platform, mobile) if "cannot act" in m["text"]], what="the SMS")
    assert wait_for(lambda: not [i for i in platform.ok(platform.queue(head))["items"]
                                 if i["tracking_id"] == tracking_id], what="the case off the officer's queue")
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda n: platform.act(tracking_id, CMO_CELL, action="reopen_special_close",
                                                       reason=f"Review number {n} found an office"), range(20)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 19
    types = wait_for(lambda: (t := event_log.types(tracking_id)).count("grievance.reopened") and t, what="events")
    assert types.count("grievance.special_closed") == 1 and types.count("grievance.reopened") == 1
    case = platform.case(tracking_id)
    assert [e["kind"] for e in case["timeline"]].count("special_close") == 1
    assert [e["kind"] for e in case["timeline"]].count("reopen_special_close") == 1
    assert len([m for m in sms_sink(platform, mobile) if "cannot act" in m["text"]]) == 1
