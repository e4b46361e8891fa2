"""The web console's flows in a real headless Chromium on the real stack (the six services and the console
in-process, as tests/integration/console.py starts them): a citizen signs in and files in Bengali and sees
the case; an officer acknowledges, requests information and resolves from the queue; the citizen rates 1 and
the case reopens one level up; the call centre completes an incomplete case after logging five calls, and
sees similar open cases while typing a caller's complaint."""
import re
import time

from tests.browser.console_steps import sign_in, status_of, submit_in
from tests.browser.harness import rendered_fonts, wait_for
from tests.integration.platform_client import CMO_CELL, drinking_water
from tests.integration.test_web_staff import staff_account

SUBJECT = "আমাদের পাড়ায় তিন দিন ধরে পানীয় জল নেই"
DESCRIPTION = "পাড়ার একমাত্র নলকূপ ভাঙা, চল্লিশটি পরিবার জল পায় না।"


def file_in_bengali(page, console, keyboard_reaches_every_control):
    """Both steps of the filing form, with the keyboard where a person would type; Tab reaches every
    control of each step in order."""
    page.goto(console.base + "/file")
    page.wait_for_selector("#category")
    assert page.get_attribute("html", "lang") == "bn"
    keyboard_reaches_every_control(page, scope="main form")
    page.select_option("#category", "drinking_water")
    page.select_option("#district", "Bankura")
    page.click("button[value=next]")
    page.wait_for_selector("#subject")
    keyboard_reaches_every_control(page, scope="main form")
    for field, text in (("#subject", SUBJECT), ("#description", DESCRIPTION), ("#name", "রমা দাস")):
        page.focus(field)
        page.keyboard.type(text)
    page.focus("#name")
    page.keyboard.press("Enter")  # the form's implicit submission
    wait_for(lambda: re.search(r"/grievances/[A-Za-z0-9-]+$", page.url), page, seconds=20,
             why=lambda: page.inner_text("main")[:400])
    return page.url.rsplit("/", 1)[1]


def test_a_citizen_files_in_bengali_an_officer_works_it_from_the_queue_and_a_rating_of_1_reopens_it(
        console, console_page, keyboard_reaches_every_control):
    citizen = console_page(console)
    sign_in(citizen, console, "9830055501")
    tracking_id = file_in_bengali(citizen, console, keyboard_reaches_every_control)
    assert citizen.inner_text("h1") == SUBJECT
    assert any("Bengali" in family for family in rendered_fonts(citizen, "h1"))  # real glyphs, not tofu
    assert "এরপর কী হবে" in citizen.inner_text("main")
    citizen.goto(console.base + "/my/grievances")
    assert citizen.query_selector(f'a[href="/grievances/{tracking_id}"]') is not None
    assert SUBJECT in citizen.inner_text("main")

    case = console.gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                                     "the case to be routed and assigned")
    staff_account(console, case["officer_id"], "7000000201", "officer", case["department"],
                  [case["place"]["district"]])
    officer = console_page(console, "en")
    sign_in(officer, console, "7000000201")
    officer.goto(console.base + "/staff/queue")
    officer.click(f'a[href="/staff/cases/{tracking_id}"]')
    wait_for(lambda: officer.query_selector("#acknowledge-note"), officer, why=lambda: officer.url)
    assert officer.inner_text("h1") == SUBJECT

    officer.fill("#acknowledge-note", "Seen; visiting tomorrow")
    submit_in(officer, "section[aria-labelledby=h-acknowledge]",
              lambda: status_of(officer) == "Seen by the officer" and officer.query_selector("#request_info-question"),
              "acknowledged")
    officer.fill("#request_info-question", "Which tube well: the one near the school?")
    submit_in(officer, "section[aria-labelledby=h-request_info]",
              lambda: console.gateway.case(tracking_id)["status"] == "info_requested"
              and officer.query_selector("#resolve-resolution"), "information requested")
    officer.fill("#resolve-resolution", "The tube well near the school was repaired.")
    submit_in(officer, "section[aria-labelledby=h-resolve]",
              lambda: console.gateway.case(tracking_id)["status"] == "resolved" and status_of(officer) == "Resolved",
              "resolved")
    officer.goto(console.base + "/staff/queue")
    assert officer.query_selector(f'a[href="/staff/cases/{tracking_id}"]') is None  # it left the queue

    citizen.goto(f"{console.base}/grievances/{tracking_id}")
    citizen.wait_for_selector("#rating-1")
    citizen.focus("#rating-1")
    citizen.keyboard.press("Space")
    assert citizen.is_checked("#rating-1")
    citizen.focus("#comment")
    citizen.keyboard.type("আবার খারাপ")
    submit_in(citizen, f'form[action="/grievances/{tracking_id}/feedback"]',
              lambda: console.gateway.case(tracking_id)["reopenings"] == 1, "the rating taken")
    reopened = console.gateway.case(tracking_id)
    assert reopened["level"] == 2 and reopened["status"] in ("reopened", "routed")
    citizen.goto(f"{console.base}/grievances/{tracking_id}")
    assert "এখন: আবার খোলা হয়েছে" in citizen.inner_text("main")  # in the timeline


def test_the_call_centre_completes_an_incomplete_case_after_logging_five_calls(console, console_page):
    body = drinking_water("9830055502", channel="phone_assisted", description="No water")
    body["complainant"].pop("mobile")
    tracking_id = console.gateway.ok(console.gateway.file(body, CMO_CELL), 201)["tracking_id"]
    assert console.gateway.case(tracking_id)["status"] == "incomplete"
    staff_account(console, "cmo-cell-caller-31", "7000000202", "cmo_cell")
    page = console_page(console, "en")
    sign_in(page, console, "7000000202")
    calls = f'form[action="/staff/cases/{tracking_id}/actions"]'

    def listed():
        page.goto(console.base + "/staff/outreach")
        return page.query_selector(calls)
    wait_for(listed, page, seconds=30, why=lambda: "the incomplete case on the worklist")
    for logged, outcome in enumerate(("no_answer", "busy", "switched_off", "no_answer", "answered"), start=1):
        page.click(f"{calls} button[value={outcome}]")
        wait_for(lambda: console.gateway.case(tracking_id)["contact_attempts"] == logged
                 and page.url.endswith("/staff/outreach") and page.query_selector("main"), page,
                 why=lambda: f"call {logged}: {page.url}")

    page.goto(f"{console.base}/staff/cases/{tracking_id}")
    page.wait_for_selector("#edit_on_behalf-description")
    assert "Calls logged\n5" in page.inner_text("dl") or re.search(r"Calls logged\s+5", page.inner_text("dl"))
    page.fill("#edit_on_behalf-mobile", "9830055502")
    page.fill("#edit_on_behalf-description", "The only tube well of the para has been broken for two weeks.")
    page.select_option("#edit_on_behalf-consent", "verbal_on_call")
    case = submit_in(page, "section[aria-labelledby=h-edit_on_behalf]",
                     lambda: (lambda c: c if c["status"] != "incomplete" else None)(console.gateway.case(tracking_id)),
                     "the case completed")
    assert case["status"] in ("filed", "routed") and not case.get("missing")
    assert case["versions"][-1]["consent"] == "verbal_on_call"


def test_the_call_centre_sees_similar_open_cases_while_typing(console, console_page):
    """Phone filing: the tele-caller types the caller's words and open cases like them appear on their own
    (static/phone-filing.js), no button pressed; nothing is filed by it."""
    body = drinking_water("9830055503", channel="phone_assisted",
                          subject="Tube well broken in Gangajalghati para",
                          description="The only tube well of the para has been broken for two weeks.")
    tracking_id = console.gateway.ok(console.gateway.file(body, CMO_CELL), 201)["tracking_id"]
    staff_account(console, "cmo-cell-caller-32", "7000000203", "cmo_cell")
    page = console_page(console, "en")
    sign_in(page, console, "7000000203")
    page.goto(console.base + "/staff/file")
    page.wait_for_selector("#f-subject")
    page.select_option("#f-district", body["place"]["district"])

    link = f'#similar a[href="/staff/cases/{tracking_id}"]'
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and not page.query_selector(link):
        page.fill("#f-subject", "")  # typing again asks again, until the search index has the first case
        page.type("#f-subject", "tube well broken", delay=20)
        page.wait_for_timeout(1500)  # the script waits 400 ms after the last key, then asks
    assert page.query_selector(link), page.inner_text("#similar")
    assert page.url.endswith("/staff/file")  # the page never left: the look-up only drew the list
    assert page.input_value("#f-subject") == "tube well broken"  # and nothing typed was lost
