"""Routing complaints filed without a category, as West Bengal writes them, on the real stack: the guess is
recorded on the case, reaches search and the officer queue, and a text routing cannot read goes to the CMO
cell's triage with suggestions."""
from urllib.parse import urlencode

from tests.integration.platform_client import CMO_CELL, citizen, officer
from tests.integration.waiting import wait_for

RINA = citizen("9830055501", "Rina Mondal")


def complaint(subject, description, district, mobile="9830055501"):
    return {"kind": "complaint", "subject": subject, "description": description,
            "place": {"district": district}, "channel": "mobile",
            "complainant": {"name": "Rina Mondal", "mobile": mobile, "language": "bn"}}


def routed(platform, tracking_id):
    return platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                              "the case to be routed and assigned")


def test_latin_letter_electricity_complaint_goes_to_power_with_its_guessed_category(platform):
    filed = platform.ok(platform.file(complaint(
        "Current nei kal raat theke",
        "Kal raat theke amader para te current nei, line man ke phone korle dhorche na. Fridge er jinis pochhe "
        "jacche, bachha der porikkha.", "Nadia"), RINA), 201)
    tracking_id = filed["tracking_id"]

    case = routed(platform, tracking_id)
    assert case["department"] == "power"
    assert case["category"] == "electricity_supply" and case["urgent"] is True
    guess = case["routing_guess"]
    assert guess["category"] == "electricity_supply" and guess["method"] in ("keyword", "classifier")
    assert "current" in guess["reason"] or "classifier" in guess["reason"]

    power_officer = officer(case["officer_id"], "power", ["Nadia"])
    item = next(i for i in platform.ok(platform.queue(power_officer))["items"] if i["tracking_id"] == tracking_id)
    assert item["urgent"] is True and item["category"] == "electricity_supply"

    def indexed():
        query = urlencode({"category": "electricity_supply", "urgent": "true"})
        found = platform.ok(platform.request("GET", f"/api/v1/search?{query}", CMO_CELL))
        return [r for r in found["results"] if r["tracking_id"] == tracking_id]
    assert wait_for(indexed, timeout=20, interval=0.3, what="the guessed category in the search index")


def test_a_bengali_housing_complaint_is_not_sent_to_the_police(platform):
    filed = platform.ok(platform.file(complaint(
        "বাসস্থানের সমস্যা",
        "আমাদের পাঁচজনের পরিবারের থাকার মতো কোনো পাকা বাসস্থান নেই, বর্ষায় ঘরে জল ঢোকে।", "Bankura",
        mobile="9830055502"), citizen("9830055502")), 201)
    case = routed(platform, filed["tracking_id"])
    assert case["department"] != "home_police"


def test_a_generic_hindi_keyword_is_outweighed_by_what_the_complaint_is_about(platform):
    """स्कूल names where a girl is followed, बिजली what a phishing SMS pretended to be about: in Devanagari
    the classifier, sure of the matter, outweighs the generic keyword, and the reason says so."""
    cases = (("बेटी को रास्ते में परेशान करते हैं", "स्कूल से लौटते समय मोहल्ले के दो लड़के रोज़ मेरी बेटी का पीछा "
              "करते हैं और गंदी बातें बोलते हैं।", "9830055511", "home_police", "women_safety", "'स्कूल'"),
             ("बिजली बिल के नाम पर धोखा", "मैसेज आया कि आज रात बिजली कट जाएगी, लिंक पर भुगतान करते ही खाते से "
              "पैसे निकल गए।", "9830055512", "home_cyber_cell", "cyber_fraud", "'बिजली'"))
    for subject, description, mobile, department, category, keyword in cases:
        filed = platform.ok(platform.file(complaint(subject, description, "Howrah", mobile=mobile),
                                          citizen(mobile)), 201)
        case = routed(platform, filed["tracking_id"])
        assert (case["department"], case["category"]) == (department, category), case["routing_guess"]
        guess = case["routing_guess"]
        assert guess["method"] == "classifier" and keyword in guess["reason"] and "outweighed" in guess["reason"]


def test_a_text_routing_cannot_read_goes_to_cmo_triage_with_three_suggestions(platform):
    filed = platform.ok(platform.file(complaint(
        "সমস্যার সমাধান চাই",
        "অনেকবার জানিয়েছি কিন্তু কেউ কিছু করেনি। দয়া করে বিষয়টা দেখুন, খুব অসুবিধায় আছি।", "Hooghly",
        mobile="9830055503"), citizen("9830055503")), 201)
    case = routed(platform, filed["tracking_id"])
    assert case["department"] == "cmo_cell"
    guess = case["routing_guess"]
    assert guess["method"] == "triage"
    assert len(guess["suggestions"]) == 3
    assert all({"category", "department", "confidence"} <= set(s) for s in guess["suggestions"])
    confidences = [s["confidence"] for s in guess["suggestions"]]
    assert confidences == sorted(confidences, reverse=True)
    # vague: either no category is likely enough, or the likeliest is `other` (the cell calls the citizen back)
    assert confidences[0] < guess["threshold"] or guess["suggestions"][0]["category"] == "other"
    assert case.get("category") is None  # nothing guessed: the cell decides


def test_a_guess_delivered_twenty_times_at_once_is_recorded_once(platform_with, platform_config, event_log):
    """At-least-once delivery: 20 copies of routing's decision arrive together; intake's version-guarded
    single-document write records the guessed category once, with one grievance.category_guessed event."""
    import eventlet

    from services.gateway.service import GatewayService
    from services.intake.service import IntakeService
    from shared.events import new_event
    from shared.outbox import EventPublisher

    # no routing: the test is routing
    gateway = platform_with(directory=(), services=(IntakeService, GatewayService))
    tracking_id = gateway.ok(gateway.file(complaint("bidyut nei", "teen din dhore gram e bidyut nei", "Malda",
                                                    mobile="9830055504"), citizen("9830055504")), 201)["tracking_id"]
    guess = {"category": "electricity_supply", "method": "keyword", "confidence": 0.97,
             "reason": "no category given; keyword 'bidyut nei' of 'electricity_supply'", "threshold": 0.3,
             "suggestions": [{"category": "electricity_supply", "department": "power", "confidence": 0.97}]}
    decision = {"tracking_id": tracking_id, "department": "power", "district": "Malda",
                "category": "electricity_supply", "officer_id": "off-power-malda-l1-1", "officer_name": "Officer",
                "level": 1, "deadline": "2026-12-03T10:00:00+00:00", "reason": guess["reason"], "kind": "routed",
                "seq": 1, "guess": guess}

    def deliver(_):
        publisher = EventPublisher(platform_config["AMQP_URI"], "routing")
        publisher.publish(new_event("grievance.routed", "routing", decision, subject=tracking_id))

    list(eventlet.GreenPool(20).imap(deliver, range(20)))
    case = gateway.wait_case(tracking_id, lambda c: c.get("routing_guess"), "the guess on the case")
    assert case["category"] == "electricity_supply" and case["urgent"] is True and case["department"] == "power"
    eventlet.sleep(3)  # let the other 19 copies arrive and be turned away

    events = [e for e in event_log.drain() if e["subject"] == tracking_id]
    assert [e["type"] for e in events].count("grievance.category_guessed") == 1
    routed = [e for e in events if e["type"] == "grievance.status_changed" and e["data"]["to"] == "routed"]
    assert len(routed) == 1
    final = gateway.case(tracking_id)
    assert final["version"] == case["version"]
    assert [entry["kind"] for entry in final["timeline"]].count("routed") == 1
