"""The grievance life cycle end to end, through the gateway, on the real broker and store."""
from services.intake.domain.tracking import is_valid
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer

MITA = citizen("9830012345", "Mita Das")


def statuses(case):
    return [entry["status"] for entry in case["timeline"] if entry["kind"] == "status"]


def officer_for(gateway, tracking_id):
    case = gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                             "the case to be routed and assigned")
    return case, officer(case["officer_id"], case["department"], [case["place"]["district"]])


def test_happy_path_from_filing_to_closure(platform, event_log):
    filed = platform.ok(platform.file(drinking_water(), MITA), 201)
    tracking_id = filed["tracking_id"]
    assert is_valid(tracking_id) and filed["status"] == "filed"

    case, field_officer = officer_for(platform, tracking_id)
    assert case["department"] == "phe" and case["level"] == 1 and case["urgent"] is True
    queue = platform.ok(platform.queue(field_officer))
    item = next(i for i in queue["items"] if i["tracking_id"] == tracking_id)
    assert 0 < item["sla_seconds_left"] <= 5 * 86400 and item["urgent"] and not item["overdue"]

    platform.ok(platform.act(tracking_id, field_officer, action="acknowledge"))
    platform.ok(platform.act(tracking_id, field_officer, action="start"))
    platform.ok(platform.act(tracking_id, field_officer, action="add_note", visibility="public",
                             text="A mechanic is visiting on Monday."))
    platform.ok(platform.act(tracking_id, field_officer, action="add_note", text="Ask BDO for a new tube well"))
    platform.ok(platform.act(tracking_id, field_officer, action="resolve",
                             resolution="The tube well was repaired on 30 November; water is flowing."))
    closed = platform.ok(platform.feedback(tracking_id, MITA, rating=5, comment="Thank you"))
    assert closed["status"] == "closed"

    mine = platform.ok(platform.get(tracking_id, MITA))
    assert statuses(mine) == ["filed", "routed", "acknowledged", "in_progress", "resolved", "closed"]
    assert "Ask BDO" not in str(mine["timeline"])                # internal notes stay internal
    assert "mechanic" in str(mine["timeline"])                   # public notes reach the citizen
    assert "officer_id" not in mine and mine["complainant"]["mobile"] == "9830012345"

    types = platform_types = event_log.types(tracking_id)
    for expected in ("grievance.filed", "grievance.routed", "grievance.assigned", "grievance.acknowledged",
                     "grievance.status_changed", "grievance.note_added", "grievance.resolved",
                     "grievance.feedback_received", "grievance.closed"):
        assert expected in types, (expected, platform_types)
    sources = {e["source"] for e in event_log.events if e["subject"] == tracking_id}
    assert sources == {"/sorasori/intake", "/sorasori/routing"}
    assert platform.ok(platform.queue(field_officer))["count"] == 0  # its clock stopped


def test_the_rajasthan_romance_scam_case(platform, event_log):
    """A complainant in Jhunjhunu, Rajasthan lost Rs 51,800 to a romance scam run from Kolkata. The cell
    calls him five times, drafts the complaint with him, and the state cyber cell resolves it."""
    rakesh = citizen("9414012345", "Rakesh Sharma")
    body = {"kind": "complaint", "subject": "Cheated of money through a website", "description": "",
            "place": {"district": "Kolkata"}, "channel": "phone_assisted",
            "complainant": {"name": "Rakesh Sharma", "mobile": "9414012345", "language": "hi",
                            "residence": {"state": "Rajasthan", "district": "Jhunjhunu"}}}
    filed = platform.ok(platform.file(body, CMO_CELL), 201)
    tracking_id = filed["tracking_id"]
    assert filed["status"] == "incomplete" and filed["missing"] == ["description"]

    for outcome in ("no_answer", "switched_off", "busy", "no_answer", "answered"):
        platform.ok(platform.act(tracking_id, CMO_CELL, action="log_contact", channel="phone", outcome=outcome,
                                 notes="Called about the missing details"))
    drafted = ("I met a woman on a dating website that is run from Kolkata. Over three weeks she asked for "
               "money for a medical emergency and I sent Rs 51,800 by UPI. The website and her numbers are now "
               "unreachable. This is an online romance scam; central agencies and the local police did not help.")
    edited = platform.ok(platform.act(tracking_id, CMO_CELL, action="edit_on_behalf", consent="verbal_on_call",
                                      changes={"description": drafted, "category": "cyber_fraud"}))
    assert edited["status"] == "filed" and edited["versions"][0]["before"]["description"] == ""

    case, _ = officer_for(platform, tracking_id)
    assert case["department"] == "home_cyber_cell" and case["district"] == "state"
    routed = next(e for e in case["timeline"] if e["kind"] == "routed")
    assert "Rajasthan" in routed["reason"] and "Kolkata" in routed["reason"]
    cyber_officer = officer(case["officer_id"], "home_cyber_cell", ["*"])

    platform.ok(platform.act(tracking_id, cyber_officer, action="acknowledge"))
    platform.ok(platform.act(tracking_id, cyber_officer, action="start"))
    platform.ok(platform.act(tracking_id, cyber_officer, action="resolve",
                             resolution="FIR registered at the Cyber Crime police station, Kolkata; the bank has "
                                        "frozen the receiving account and the website is being taken down."))
    platform.ok(platform.feedback(tracking_id, rakesh, rating=5, comment="Finally someone listened"))

    final = platform.case(tracking_id)
    assert final["status"] == "closed"
    assert final["contact_attempts"] == 5
    assert [e["outcome"] for e in final["timeline"] if e["kind"] == "log_contact"] == \
        ["no_answer", "switched_off", "busy", "no_answer", "answered"]
    assert "51,800" in final["description"]
    assert final["feedback"][0]["rating"] == 5
    his_view = platform.ok(platform.get(tracking_id, rakesh))
    calls = [e for e in his_view["timeline"] if e["kind"] == "log_contact"]
    assert len(calls) == 5 and all("notes" not in e for e in calls)  # he sees each call, not the notes
    assert "grievance.filed" in event_log.types(tracking_id)


def test_a_poor_rating_reopens_the_case_one_level_up(platform):
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830011111"), citizen("9830011111")), 201)[
        "tracking_id"]
    case, field_officer = officer_for(platform, tracking_id)
    platform.ok(platform.act(tracking_id, field_officer, action="acknowledge"))
    platform.ok(platform.act(tracking_id, field_officer, action="resolve", resolution="Repaired the tube well."))
    reopened = platform.ok(platform.feedback(tracking_id, citizen("9830011111"), rating=2,
                                             comment="It broke again the next day"))
    assert reopened["status"] == "reopened" and reopened["level"] == 2 and reopened["reopenings"] == 1

    # `routed` and `assigned` are two events: wait for the level-2 officer, not just the status
    again = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("routing_seq", 0) > 2
                               and "-l2-" in (c.get("officer_id") or ""), "the reopened case to be routed at level 2")
    assert again["level"] == 2 and again["officer_id"] != case["officer_id"]
    assert "-l2-" in again["officer_id"]
