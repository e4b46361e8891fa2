"""The citizen hears every change that concerns them, in their language, on the real servers (the dev SMS
sink): a transfer names the new department in their words, an officer's public note reaches them (an
internal one does not), an escalation that gives the case to another officer is told; and the info_requested
SMS carries the link where they answer, signed in, with JavaScript off."""
import io
import re
from datetime import datetime, timedelta

import pytest
import requests
from PIL import Image

from shared.catalog import names
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.console import csrf_of, path_of
from tests.integration.platform_client import citizen, drinking_water, officer
from tests.integration.test_attachments import GPS_IFD, jpeg_with_gps
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
NO_QUIET_HOURS = {"NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0}  # the tests run at any hour
# what each language's message says, to find it in the sink
SAYS = {
    "transferred": {"en": "has moved to", "bn": "দপ্তরে পাঠানো হল", "hi": "को भेजी गई"},
    "public_note": {"en": "the officer writes", "bn": "আধিকারিক লিখেছেন", "hi": "अधिकारी ने लिखा"},
    "handler_changed": {"en": "higher officer (level 2)", "bn": "উচ্চতর আধিকারিকের কাছে গেছে (স্তর 2)",
                        "hi": "ऊँचे अधिकारी को भेजी गई (स्तर 2)"},
}


@pytest.fixture
def platform(platform_with):
    return platform_with(**NO_QUIET_HOURS)


def sms_sink(gateway, mobile):
    return [m["text"] for m in gateway.ok(gateway.request("GET", f"/api/v1/dev/sms?mobile={mobile}", ADMIN))[
        "messages"]]


def wait_sms(gateway, mobile, words, what):
    return wait_for(lambda: [text for text in sms_sink(gateway, mobile) if words in text], what=what)[0]


def assigned(gateway, tracking_id, **predicate):
    case = gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id") and all(
        c.get(k) == v for k, v in predicate.items()), f"assignment {predicate}")
    return case, officer(case["officer_id"], case["department"], [case["place"]["district"]])


@pytest.mark.parametrize("language, mobile", [("bn", "9830071001"), ("en", "9830071002"), ("hi", "9830071003")])
def test_transfer_public_note_and_escalation_each_reach_the_citizen_in_their_language(platform, platform_config,
                                                                                       language, mobile):
    body = drinking_water(mobile=mobile)
    body["complainant"]["language"] = language
    tracking_id = platform.ok(platform.file(body, citizen(mobile)), 201)["tracking_id"]
    _, field_officer = assigned(platform, tracking_id)

    platform.ok(platform.act(tracking_id, field_officer, action="add_note", text="Checked the register; internal.",
                             visibility="internal"))
    platform.ok(platform.act(tracking_id, field_officer, action="add_note", visibility="public",
                             text="A mechanic visits on Monday"))
    note = wait_sms(platform, mobile, SAYS["public_note"][language], "the public note's SMS")
    assert tracking_id in note and "A mechanic visits on Monday" in note
    assert not [text for text in sms_sink(platform, mobile) if "internal" in text]  # internal notes stay inside

    platform.ok(platform.act(tracking_id, field_officer, action="transfer", department="panchayat_rd",
                             reason="The tube well belongs to the gram panchayat"))
    moved = wait_sms(platform, mobile, SAYS["transferred"][language], "the transfer's SMS")
    assert names()["departments"]["panchayat_rd"][language] in moved and tracking_id in moved

    case, _ = assigned(platform, tracking_id, department="panchayat_rd")
    assert not [text for text in sms_sink(platform, mobile) if SAYS["handler_changed"][language] in text]
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        deadline = datetime.fromisoformat(case["sla_deadline"])
        assert cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})["escalated"] == 1
    up = wait_sms(platform, mobile, SAYS["handler_changed"][language], "the escalation's SMS")
    assert tracking_id in up
    # one message per change: the note, the transfer, the escalation (plus the filing's)
    texts = sms_sink(platform, mobile)
    assert sum(SAYS["public_note"][language] in t for t in texts) == 1
    assert sum(SAYS["handler_changed"][language] in t for t in texts) == 1


def test_the_citizen_answers_request_info_from_the_sms_link(console_with):
    console = console_with(**NO_QUIET_HOURS)
    mobile = "9830071004"
    tracking_id = console.gateway.ok(console.gateway.file(drinking_water(mobile=mobile), citizen(mobile)), 201)[
        "tracking_id"]
    _, field_officer = assigned(console.gateway, tracking_id)
    console.gateway.ok(console.gateway.act(tracking_id, field_officer, action="acknowledge"))
    console.gateway.ok(console.gateway.act(tracking_id, field_officer, action="request_info",
                                           question="Which para is the broken tube well in?"))
    sms = wait_sms(console.gateway, mobile, "আরও তথ্য চান", "the info_requested SMS")
    link = re.search(r"https?://\S+/grievances/[A-Za-z0-9-]+", sms).group(0)
    assert link == f"{console.base}/grievances/{tracking_id}"

    browser = console.browser()
    assert console.get(browser, path_of(link)).status_code in (302, 303)  # signed out: to the sign-in first
    back = console.sign_in(browser, mobile, start=path_of(link))
    assert back.status_code in (302, 303) and path_of(back.headers["Location"]) == path_of(link)
    page = console.get(browser, path_of(link))
    assert page.status_code == 200 and "Which para is the broken tube well in?" in page.text
    assert 'action="/grievances/' + tracking_id + '/answer"' in page.text and "<script" not in page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.text).group(1)

    empty = console.post(browser, f"/grievances/{tracking_id}/answer",
                         {"csrf_token": csrf_of(page.text), "idempotency_key": key, "text": "  "})
    assert empty.status_code == 400 and "আপনার উত্তর লিখুন" in empty.text
    form = {"csrf_token": csrf_of(page.text), "idempotency_key": key, "text": "দক্ষিণ পাড়া, মন্দিরের পাশে"}
    lying = console.post(browser, f"/grievances/{tracking_id}/answer", form,
                         files=[("files", ("well.jpg", b"<html><body>not a photo</body></html>", "image/jpeg"))])
    assert lying.status_code == 415 and "একটি ফাইল নেওয়া গেল না" in lying.text
    assert "দক্ষিণ পাড়া, মন্দিরের পাশে" in lying.text  # what they wrote is kept
    assert console.gateway.case(tracking_id)["status"] == "info_requested"  # and the answer was not sent
    answered = console.post(browser, f"/grievances/{tracking_id}/answer", form,
                            files=[("files", ("কলের ছবি.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert answered.status_code == 303 and answered.headers["Location"] == f"/grievances/{tracking_id}"
    shown = console.get(browser, f"/grievances/{tracking_id}")
    ref = re.search(rf'href="/grievances/{tracking_id}/attachments/([0-9a-f]{{32}})">কলের ছবি.jpg</a>', shown.text)
    assert ref, "the case page lists the photo sent with the answer"
    link = console.get(browser, f"/grievances/{tracking_id}/attachments/{ref.group(1)}")
    assert link.status_code == 303
    photo = Image.open(io.BytesIO(requests.get(link.headers["Location"], timeout=10).content))
    assert photo.format == "JPEG" and not photo.getexif().get_ifd(GPS_IFD)  # stored without its position
    stranger = console.browser()
    console.sign_in(stranger, "9830071005")
    assert console.get(stranger, f"/grievances/{tracking_id}/attachments/{ref.group(1)}").status_code == 404
    case = console.gateway.case(tracking_id)
    assert case["status"] == "in_progress"
    assert [e["text"] for e in case["timeline"] if e["kind"] == "provide_info"] == ["দক্ষিণ পাড়া, মন্দিরের পাশে"]
    after = console.get(browser, f"/grievances/{tracking_id}")
    assert 'action="/grievances/' + tracking_id + '/answer"' not in after.text  # nothing more to answer
    assert "আপনি আধিকারিককে উত্তর দিয়েছেন" in after.text

    officer_view = console.gateway.case(tracking_id, field_officer)  # staff: the same answer, once
    assert [e["kind"] for e in officer_view["timeline"]].count("provide_info") == 1
