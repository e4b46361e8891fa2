"""Messages in Bengali, English and Hindi: every template renders, SMS variants stay within two parts
even with long values, a missing translation falls back to English, and the delivery records an event
causes carry what the channels need."""
import json
from datetime import datetime, timezone

import pytest

from services.notification import messages, planning
from services.notification.domain import schedule, segments
from services.notification.domain.recipients import LANGUAGES
from shared.catalog import names
from shared.contracts import event_data

LONG = {"tracking_id": "WB-2026-12345674", "name": "Anindita Chattopadhyay" * 3, "subject": "s" * 200,
        "missing": ["description", "district"], "question": "Which tube well? " * 40,
        "resolution": "The tube well at Onda para was repaired on 2 December; water flows again. " * 20,
        "explanation": "This is a matter before the court (sub judice). " * 20, "level": 3, "code": "123456",
        "minutes": 5, "case_url": "https://sorasori.wb.gov.in/grievances/WB-2026-12345674",
        "note": "We visited the site on Monday and ordered a new pipe. " * 20,
        # the catalogue's longest department name in each language
        "department_name": {language: max((n[language] for n in names()["departments"].values()), key=len)
                            for language in LANGUAGES},
        "special_reason": {"en": "it is outside the state's powers", "bn": "এটি রাজ্যের এক্তিয়ারের বাইরে",
                           "hi": "यह राज्य के अधिकार से बाहर है"}}
DIGEST = {"day": "2026-12-01", "office": "Public Works, Bankura", "overdue": 12, "escalated": 3, "breached": 1,
          "cases": [{"tracking_id": "WB-2026-12345674", "category": "roads", "district": "Bankura", "level": 2,
                     "days_overdue": 4.5}]}
SMS_TEMPLATES = ("otp", "filed", "info_requested", "resolved", "rejected", "closed", "reopened", "transferred",
                 "public_note", "handler_changed", "special_closed", "special_close_reopened")
MAX_SMS_PARTS = 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SMS_TEMPLATES)
def test_sms_variants_fit_in_two_parts_whatever_the_values(name, language):
    message = messages.render(name, "sms", language, LONG)
    split = segments.split(message["text"])
    assert split.count <= MAX_SMS_PARTS, (message["text"], split.count)
    assert "WB-2026-12345674" in message["text"] or name == "otp"


def test_bengali_and_hindi_sms_are_in_their_script_and_ucs2():
    bn = messages.render("resolved", "sms", "bn", LONG)
    hi = messages.render("resolved", "sms", "hi", LONG)
    assert "সমাধান" in bn["text"] and bn["language"] == "bn"
    assert "समाधान" in hi["text"] and hi["language"] == "hi"
    assert segments.encoding(bn["text"]) == segments.encoding(hi["text"]) == segments.UCS2
    assert segments.encoding(messages.render("resolved", "sms", "en", LONG)["text"]) == segments.GSM7


def test_a_missing_translation_falls_back_to_english():
    message = messages.render("rejected", "sms", "hi", LONG)  # hi.yaml has no `rejected`
    assert message["language"] == "en" and message["text"].startswith("Sorasori WB-2026-12345674: not taken up")
    email = messages.render("rejected", "email", "hi", LONG)
    assert email["language"] == "en" and email["subject"] == "Grievance not taken up: WB-2026-12345674"


@pytest.mark.parametrize("language", LANGUAGES)
def test_emails_carry_the_whole_resolution_and_a_subject(language):
    email = messages.render("resolved", "email", language, LONG)
    assert "WB-2026-12345674" in email["subject"]
    assert LONG["resolution"].strip() in email["text"]


def test_every_template_of_every_language_renders():
    for language in LANGUAGES:
        catalogue = messages._catalogue(language)
        for name, parts in catalogue.items():
            for part in parts:
                channel = "email" if part.startswith("email") else part
                messages.render(name, channel, language, {**LONG, "category": "drinking_water",
                                                          "department": "phe", "district": "Bankura",
                                                          "officer_name": "A B", "reason": "r",
                                                          "deadline": "2026-12-09 10:00 UTC", **DIGEST})


def test_an_unknown_language_gets_english():
    assert messages.render("closed", "sms", "ur", LONG)["language"] == "en"


def event(kind="grievance.resolved"):
    """As the consumer hands it on: its data loaded through its contract."""
    resolution = "The tube well was repaired and water flows again."
    return {"id": "ev-1", "type": kind, "subject": "WB-2026-12345674", "time": "2026-12-02T05:00:00+00:00",
            "data": event_data(kind, {"resolution": resolution, "case": {
                "tracking_id": "WB-2026-12345674", "version": 6, "kind": "complaint", "channel": "web", "level": 1,
                "subject": "No water", "status": "resolved", "resolution": resolution, "department": "phe",
                "place": {"district": "Bankura"}, "created_at": "2026-11-30T05:00:00+00:00",
                "updated_at": "2026-12-02T05:00:00+00:00",
                "complainant": {"name": "Mita Das", "mobile": "9830012345", "email": "mita@example.org",
                                "language": "bn", "residence": {"address": "12 Onda Road"}}}})}


def test_an_event_becomes_deliveries_with_messages_ready_for_their_channels():
    noon = datetime(2026, 12, 2, 6, 30, tzinfo=timezone.utc)  # 12:00 IST
    subs = [{"_id": "state-dashboard", "events": ["in.gov.wb.sorasori.grievance.*"]}]
    deliveries = {d["channel"]: d for d in planning.deliveries_for(event(), noon, None, subs,
                                                                    schema_base_url="https://api.example.org")}
    assert set(deliveries) == {"sms", "email", "webhook"}
    sms = deliveries["sms"]
    assert sms["state"] == "queued" and sms["not_before"] == noon and sms["tracking_id"] == "WB-2026-12345674"
    assert sms["message"]["encoding"] == "ucs2" and "".join(sms["message"]["parts"]) == sms["message"]["text"]
    assert deliveries["email"]["message"]["subject"] == "অভিযোগের সমাধান: WB-2026-12345674"
    body = json.loads(deliveries["webhook"]["message"]["body"])  # the public stream's CloudEvent
    assert body["id"] == "ev-1" and body["type"] == "in.gov.wb.sorasori.grievance.resolved.v1"
    assert body["dataschema"].startswith("https://api.example.org/") and body["data"]["department"] == "phe"
    for private in ("9830012345", "Mita", "Onda", "No water", "tube well"):
        assert private not in deliveries["webhook"]["message"]["body"]
    assert sms["scope"] == {"department": "phe", "district": "Bankura"}


def test_at_night_the_sms_is_deferred_to_eight_and_the_email_goes():
    night = datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)  # 22:30 IST
    deliveries = {d["channel"]: d for d in planning.deliveries_for(event(), night)}
    assert deliveries["sms"]["state"] == "deferred"
    assert deliveries["sms"]["not_before"] == schedule.quiet_hours_end(night)
    assert deliveries["email"]["state"] == "queued"
    opted_out = {d["channel"]: d for d in planning.deliveries_for(event(), night, {"quiet_hours": False})}
    assert opted_out["sms"]["state"] == "queued"


def test_an_event_the_public_projection_cannot_read_still_reaches_the_people_it_concerns(caplog):
    broken = event()
    del broken["time"]  # every public event needs one
    subs = [{"_id": "state-dashboard", "events": ["*"]}]
    deliveries = planning.deliveries_for(broken, datetime(2026, 12, 2, 6, 30, tzinfo=timezone.utc), None, subs)
    assert {d["channel"] for d in deliveries} == {"sms", "email"}
    assert "could not be projected for webhooks" in caplog.text


@pytest.mark.parametrize("language, words", [("bn", "আদালতে বিচারাধীন"), ("en", "the matter is before a court"),
                                             ("hi", "मामला अदालत में है")])
def test_a_special_close_tells_the_reason_in_plain_words_and_where_to_ask_for_a_review(language, words):
    text = "Title suit 112/2025 on this land is pending before the Bankura civil court."
    case = {"tracking_id": "WB-2026-12345674", "version": 9, "kind": "complaint", "channel": "web", "level": 3,
            "subject": "No water", "status": "special_closed", "department": "phe", "place": {"district": "Bankura"},
            "created_at": "2026-11-30T05:00:00+00:00", "updated_at": "2026-12-02T05:00:00+00:00",
            "special_close": {"reason": "sub_judice", "text": text, "at": "2026-12-02T05:00:00+00:00", "level": 3},
            "complainant": {"name": "Mita Das", "mobile": "9830012345", "email": "mita@example.org",
                            "language": language}}
    closed = {"id": "ev-9", "type": "grievance.special_closed", "subject": "WB-2026-12345674",
              "time": "2026-12-02T05:00:00+00:00",
              "data": event_data("grievance.special_closed", {"reason": "sub_judice", "text": text, "case": case})}
    noon = datetime(2026, 12, 2, 6, 30, tzinfo=timezone.utc)
    deliveries = {d["channel"]: d for d in planning.deliveries_for(closed, noon, console_url="https://x.example")}
    assert set(deliveries) == {"sms", "email"}
    for delivery in deliveries.values():
        assert delivery["template"] == "special_closed" and delivery["message"]["language"] == language
        assert words in delivery["message"]["text"] and "sub_judice" not in delivery["message"]["text"]
    assert {"bn": "মুখ্যমন্ত্রীর সেল", "en": "CM's cell", "hi": "मुख्यमंत्री प्रकोष्ठ"}[language] in \
        deliveries["sms"]["message"]["text"]
