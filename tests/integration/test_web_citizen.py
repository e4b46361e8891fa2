"""A citizen's pages in the web console, through HTTP as a browser with JavaScript off: filing in Bengali,
a refused form keeping what was typed, a double submit filing once, the case page and rating."""
import re
import threading

import requests
from nameko.testing.utils import get_container

from services.gateway.service import GatewayService
from services.web import citizen_pages
from services.web.gateway import GatewayClient
from services.web.service import WebService
from shared.mongo import connect
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.console import csrf_of
from tests.integration.platform_client import citizen, drinking_water, officer

MOBILE = "9830022233"
ADMIN = {"sub": "admin-test", "role": "admin"}
SUBJECT = "আমাদের পাড়ায় তিন দিন ধরে পানীয় জল নেই"


def details_form(console, browser, district="Kolkata", category="drinking_water"):
    page = console.get(browser, f"/file?kind=complaint&category={category}&district={district}&go=next")
    assert page.status_code == 200, page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.text).group(1)
    return page, {"csrf_token": csrf_of(page.text), "idempotency_key": key, "kind": "complaint",
                  "category": category, "district": district, "name": "রমা দাস"}


def test_a_citizen_files_in_bengali_and_sees_the_case(console):
    browser = console.browser()
    console.sign_in(browser, MOBILE)
    start = console.get(browser, "/file?q=জল")
    assert start.status_code == 200 and "পানীয় জল" in start.text and "গ্রামের রাস্তা" not in start.text  # filtered
    page, form = details_form(console, browser)
    css = console.get(browser, "/static/site.css")
    assert "<script" not in page.text and len(page.content) + len(css.content) < 150 * 1024  # a citizen page
    filed = console.post(browser, "/file", {**form, "subject": SUBJECT, "description": "নলকূপ খারাপ। Tubewell broken.",
                                            "ward": "৫২", "sms_updates": "yes"})
    assert filed.status_code == 303, filed.text
    case_path = filed.headers["Location"]
    assert re.fullmatch(r"/grievances/[A-Za-z0-9-]+", case_path)
    case = console.get(browser, case_path)
    assert case.status_code == 200 and SUBJECT in case.text and len(case.content) + len(css.content) < 150 * 1024
    assert "এরপর কী হবে" in case.text and "এখন পর্যন্ত যা হয়েছে" in case.text  # next steps, timeline in Bengali
    mine = console.get(browser, "/my/grievances")
    assert case_path in mine.text and SUBJECT in mine.text
    client = connect(console.config["MONGO_URI"])
    try:
        token = client[console.config["MONGO_DB_PREFIX"] + "web"]["sessions"].find_one(
            {"tokens": {"$ne": None}})["tokens"]["access_token"]
    finally:
        client.close()
    preferences = requests.get(console.gateway.base + "/api/v1/notifications/preferences", timeout=10,
                               headers={"Authorization": f"Bearer {token}"}).json()
    assert "sms" in preferences["channels"] and preferences["language"] == "bn"  # the consent, in her language
    _, form = details_form(console, browser)
    assert 'name="sms_updates" value="yes" checked' in console.get(
        browser, "/file?kind=complaint&category=drinking_water&district=Kolkata&go=next").text
    console.post(browser, "/file", {**form, "subject": "রাস্তায় জল জমে আছে", "description": "এক সপ্তাহ"})  # unticked
    preferences = requests.get(console.gateway.base + "/api/v1/notifications/preferences", timeout=10,
                               headers={"Authorization": f"Bearer {token}"}).json()
    assert "sms" not in preferences["channels"]  # consent withdrawn


def test_a_refused_form_keeps_the_input_and_names_each_field_in_the_persons_language(console):
    browser = console.browser("en")
    console.sign_in(browser, MOBILE)
    _, form = details_form(console, browser)
    description = "Long description <kept> & escaped"
    refused = console.post(browser, "/file", {**form, "subject": "ab", "description": description, "lat": "91",
                                              "lon": "88.3"})
    assert refused.status_code in (400, 422), refused.text
    assert "Write what is wrong in 3 to 200 characters." in refused.text
    assert "Give the latitude as a number between -90 and 90" in refused.text
    assert 'value="ab"' in refused.text and "Long description &lt;kept&gt; &amp; escaped" in refused.text
    assert 'value="91"' in refused.text and 'aria-invalid="true"' in refused.text
    mine = console.get(browser, "/my/grievances")
    assert "/grievances/" not in mine.text  # nothing filed


def test_a_double_submit_files_once(console):
    browser = console.browser()
    console.sign_in(browser, MOBILE)
    _, form = details_form(console, browser)
    form.update(subject="রাস্তার আলো জ্বলছে না", description="দুবার চাপ দিলেও একবার")
    answers = []

    def submit():
        answers.append(console.post(browser, "/file", form))
    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {303}, [a.text[:300] for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1
    mine = console.get(browser, "/my/grievances")
    assert len(set(re.findall(r'href="(/grievances/[A-Za-z0-9-]+)"', mine.text))) == 1


def test_the_case_page_says_what_comes_next_and_takes_a_rating_that_reopens_it(console):
    browser = console.browser()
    console.sign_in(browser, "9830033344")
    _, form = details_form(console, browser, district="Bankura")
    filed = console.post(browser, "/file", {**form, "subject": "নলকূপ তিন সপ্তাহ ধরে খারাপ", "block": "Onda",
                                            "description": "পাড়ার একমাত্র নলকূপ ভাঙা, চল্লিশটি পরিবার জল পায় না।"})
    case_path = filed.headers["Location"]
    tracking_id = case_path.rsplit("/", 1)[1]
    case = console.gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                                     "the case to be routed and assigned")
    routed = console.get(browser, case_path)
    assert "একজন আধিকারিক বিষয়টি দেখবেন।" in routed.text and "আনুমানিক" in routed.text  # next step, by when
    assert 'name="rating"' not in routed.text  # nothing to rate yet
    field_officer = officer(case["officer_id"], case["department"], [case["place"]["district"]])
    console.gateway.ok(console.gateway.act(tracking_id, field_officer, action="acknowledge"))
    console.gateway.ok(console.gateway.act(tracking_id, field_officer, action="resolve",
                                           resolution="Repaired the tube well."))
    resolved = console.get(browser, case_path)
    assert "সমাধান হয়েছে" in resolved.text and 'name="rating"' in resolved.text
    token, key = csrf_of(resolved.text), re.search(r'name="idempotency_key" value="([0-9a-f]+)"', resolved.text)[1]
    unrated = console.post(browser, case_path + "/feedback", {"csrf_token": token, "idempotency_key": key,
                                                               "comment": "আবার খারাপ"})
    assert unrated.status_code == 400 and "১ থেকে ৫-এর মধ্যে" in unrated.text and "আবার খারাপ" in unrated.text
    rated = console.post(browser, case_path + "/feedback", {"csrf_token": token, "idempotency_key": key,
                                                             "rating": "1", "comment": "আবার খারাপ"})
    assert rated.status_code == 303 and rated.headers["Location"] == case_path
    reopened = console.gateway.case(tracking_id)
    assert reopened["reopenings"] == 1 and reopened["level"] == 2  # (routing may have taken it on already)
    assert reopened["status"] in ("reopened", "routed")
    assert "এখন: আবার খোলা হয়েছে" in console.get(browser, case_path).text  # in the timeline


def test_citizen_pages_are_for_citizens_and_the_menu_follows_the_role(console):
    citizen = console.browser("en")
    console.sign_in(citizen, MOBILE)
    home = console.get(citizen, "/")
    assert 'href="/file"' in home.text and 'href="/my/grievances"' in home.text
    with SignedClusterRpcProxy(console.config, caller=ADMIN, issuer="test") as cluster:
        cluster.identity.put_staff_account({"sub": "sup-phe-bankura", "name": "Supervisor", "mobile": "7000000099",
                                            "role": "supervisor", "department": "phe", "districts": ["Bankura"]},
                                           ADMIN)
    staff = console.browser("en")
    console.sign_in(staff, "7000000099")
    assert 'href="/file"' not in console.get(staff, "/").text
    refused = console.get(staff, "/my/grievances")
    assert refused.status_code == 403 and "You cannot do this" in refused.text


def test_a_form_posted_while_the_gateway_is_down_keeps_everything_typed(console):
    browser = console.browser("en")
    console.sign_in(browser, MOBILE)
    _, form = details_form(console, browser)
    get_container(console.platform, GatewayService).stop()
    web = get_container(console.web, WebService)
    next(e for e in web.extensions if isinstance(e, GatewayClient)).gateway._catalog = None  # not kept either
    down = console.post(browser, "/file", {**form, "subject": "Street light out", "description": "Near the school"})
    assert down.status_code == 503, down.text
    assert "Filing is not available right now" in down.text
    assert 'value="Street light out"' in down.text and "Near the school" in down.text
    assert f'value="{form["idempotency_key"]}"' in down.text  # the same key: a retry later files once


def test_my_grievances_come_a_page_at_a_time(console, monkeypatch):
    mobile = "9830055566"
    filed = [console.gateway.ok(console.gateway.file(drinking_water(mobile=mobile, subject=f"No water, lane {n}"),
                                                     citizen(mobile)), 201)["tracking_id"] for n in (1, 2)]
    monkeypatch.setattr(citizen_pages, "PAGE_SIZE", 1)
    browser = console.browser("en")
    console.sign_in(browser, mobile)
    first = console.get(browser, "/my/grievances")
    assert f"/grievances/{filed[1]}" in first.text and f"/grievances/{filed[0]}" not in first.text  # newest first
    older = re.search(r'href="(/my/grievances\?cursor=[^"]+)"', first.text).group(1)
    second = console.get(browser, older.replace("&amp;", "&"))
    assert f"/grievances/{filed[0]}" in second.text and "Older grievances" not in second.text
