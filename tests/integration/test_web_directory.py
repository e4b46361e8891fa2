"""The officer directory in the web console (/admin/staff), through HTTP as a browser with JavaScript off, on
the real stack: an administrator adds a member and finds them in the table (a bad mobile is refused by the
field, in the person's language, with the input kept); puts an officer on leave with a delegate and routing
moves their open case to the delegate; transfers and retires members (retirement only once confirmed, and
final); a double submit is one change; anyone else gets the 403 page."""
import html
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.integration.console import csrf_of
from tests.integration.platform_client import ADMIN, citizen, drinking_water

INDIA = ZoneInfo("Asia/Kolkata")
ADMIN_MOBILE, CELL_MOBILE, CITIZEN_MOBILE = "9830066101", "9830066102", "9830066103"
A, B = "off-phe-bankura-l1-1", "off-phe-bankura-l1-2"  # seeded: phe's two field officers in Bankura


def signed_in_as(console, sub, mobile, role, language="en"):
    console.gateway.ok(console.gateway.request("POST", "/api/v1/admin/accounts", ADMIN, json={
        "sub": sub, "name": f"Test {role}", "mobile": mobile, "role": role}))
    browser = console.browser(language)
    console.sign_in(browser, mobile)
    return browser


def form_of(page, action=None, state=None):
    """The CSRF token and the Idempotency-Key of one form of the page (a status form by its state)."""
    text = page.text
    if state:
        text = re.search(rf'<form [^>]*id="{state}-form">.*?</form>', text, re.S).group(0)
    elif action:
        text = re.search(rf'<form method="post" action="{re.escape(action)}">.*?</form>', text, re.S).group(0)
    return {"csrf_token": csrf_of(page.text),
            "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"', text).group(1)}


def member_api(console, sub):
    return console.gateway.ok(console.gateway.request("GET", f"/api/v1/admin/staff/{sub}", ADMIN))


def row_of(page, sub):
    row = re.search(rf'<tr><th scope="row"><a href="/admin/staff/{sub}">{sub}</a></th>(.*?)</tr>', page.text, re.S)
    return [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)] if row else None


def error_of(page, field):
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else None


NEW_MEMBER = {"sub": "off-phe-bankura-l1-9", "name": "Rina Pal", "role": "officer", "department": "phe",
              "district": "Bankura", "level": "1", "mobile": "9830066104", "email": "rina.pal@wb.gov.in",
              "language": "bn"}


def test_an_administrator_adds_a_member_sees_them_listed_and_a_bad_mobile_is_refused_by_its_field(console):
    browser = signed_in_as(console, "admin-directory", ADMIN_MOBILE, "admin")
    empty = console.get(browser, "/admin/staff")
    assert empty.status_code == 200 and '<a href="/admin/staff">Officer directory</a>' in empty.text  # sub-navigation
    assert row_of(empty, A) is not None  # the seeded directory

    refused = console.post(browser, "/admin/staff", {**form_of(empty, "/admin/staff"), **NEW_MEMBER,
                                                     "mobile": "12345"})
    assert refused.status_code == 400
    assert error_of(refused, "mobile").startswith("Give a 10-digit Indian mobile number")
    assert 'value="Rina Pal"' in refused.text and 'value="12345"' in refused.text
    assert '<option value="phe" selected>' in refused.text and '<option value="1" selected>' in refused.text
    assert 'aria-invalid="true" aria-describedby="mobile-error"' in refused.text
    assert member_api_status(console, NEW_MEMBER["sub"]) == 404  # nothing saved

    assert console.get(browser, "/language/bn?next=/admin/staff").status_code == 303
    in_bengali = console.post(browser, "/admin/staff", {**form_of(empty, "/admin/staff"), **NEW_MEMBER,
                                                        "mobile": "12345"})
    assert in_bengali.status_code == 400 and error_of(in_bengali, "mobile").startswith("৬, ৭, ৮ বা ৯ দিয়ে শুরু")
    assert console.get(browser, "/language/en?next=/admin/staff").status_code == 303

    office_misfit = console.post(browser, "/admin/staff", {**form_of(empty, "/admin/staff"), **NEW_MEMBER,
                                                           "district": "state"})
    assert office_misfit.status_code == 400 and error_of(office_misfit, "district").startswith(
        "Choose a district that fits")  # the API names office.district: shown by the district select

    saved = console.post(browser, "/admin/staff", {**form_of(empty, "/admin/staff"), **NEW_MEMBER})
    assert saved.status_code == 303 and saved.headers["Location"] == "/admin/staff?saved=1"
    listed = console.get(browser, "/admin/staff?department=phe&district=Bankura")
    assert row_of(listed, NEW_MEMBER["sub"]) == ["Rina Pal", "Officer", "Public Health Engineering, Bankura, level 1",
                                                 "Active", "98******04"]
    assert "9830066104" not in listed.text and "rina.pal" not in listed.text  # masked, as the API answers it
    assert row_of(listed, A) is not None and row_of(listed, "off-power-bankura-l1-1") is None  # the filter
    assert row_of(console.get(browser, "/admin/staff?department=power&district=Nadia"), NEW_MEMBER["sub"]) is None
    assert member_api(console, NEW_MEMBER["sub"])["contacts"] == {"mobile": "9830066104", "language": "bn",
                                                                   "email": "rina.pal@wb.gov.in"}

    change = console.get(browser, f"/admin/staff?change={NEW_MEMBER['sub']}")
    assert 'value="Rina Pal"' in change.text and 'value="9830066104"' in change.text  # filled to change it
    renamed = console.post(browser, "/admin/staff", {**form_of(change, "/admin/staff"), **NEW_MEMBER,
                                                     "name": "Rina Pal Sen"})
    assert renamed.status_code == 303 and member_api(console, NEW_MEMBER["sub"])["name"] == "Rina Pal Sen"

    accounts = console.get(browser, "/admin/accounts")
    assert "managed in the officer directory" in accounts.text and 'href="/admin/staff"' in accounts.text


def member_api_status(console, sub):
    return console.gateway.request("GET", f"/api/v1/admin/staff/{sub}", ADMIN).status_code


def test_leave_with_a_delegate_moves_the_open_case_and_transfer_and_retirement_follow_the_forms(console):
    gateway = console.gateway
    tracking_id = gateway.ok(gateway.file(drinking_water(mobile=CITIZEN_MOBILE), citizen(CITIZEN_MOBILE)),
                             201)["tracking_id"]
    holder = gateway.wait_case(tracking_id, lambda c: c.get("officer_id"), "an assignment")["officer_id"]
    other = B if holder == A else A
    browser = signed_in_as(console, "admin-leave", ADMIN_MOBILE, "admin")

    page = console.get(browser, f"/admin/staff/{holder}")
    assert page.status_code == 200 and f'<option value="{other}">' in page.text  # a delegate of the same office
    assert '<option value="off-phe-bankura-l2-1">' not in page.text  # another level: another office
    now = datetime.now(INDIA)
    until = (now + timedelta(days=14)).date()
    bad_dates = console.post(browser, f"/admin/staff/{holder}/status", {
        **form_of(page, state="on_leave"), "state": "on_leave", "leave_from": now.strftime("%Y-%m-%dT%H:%M"),
        "leave_until": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "delegate": other})
    assert bad_dates.status_code == 400 and error_of(bad_dates, "leave_until").startswith("Give the date and time")
    assert f'<option value="{other}" selected>' in bad_dates.text  # the person's choice kept
    assert member_api(console, holder)["status"] == {"state": "active"}

    started = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    on_leave = console.post(browser, f"/admin/staff/{holder}/status", {
        **form_of(page, state="on_leave"), "state": "on_leave", "leave_from": started,
        "leave_until": until.isoformat(), "delegate": other})
    assert on_leave.status_code == 303 and on_leave.headers["Location"] == f"/admin/staff/{holder}?saved=1"
    status = member_api(console, holder)["status"]
    assert status["state"] == "on_leave" and status["delegate"] == other
    assert datetime.fromisoformat(status["leave_from"]) == datetime.fromisoformat(started).replace(tzinfo=INDIA)
    assert datetime.fromisoformat(status["leave_until"]) == datetime.combine(
        until, datetime.min.time(), INDIA).replace(hour=23, minute=59, second=59)  # the end of the day named
    shown = console.get(browser, f"/admin/staff/{holder}")
    words = html.unescape(re.search(r'<dd id="member-status">(.*?)</dd>', shown.text, re.S).group(1))
    assert words.startswith("On leave from ") and words.endswith(f"Delegate: {other}.")

    moved = gateway.wait_case(tracking_id, lambda c: c["officer_id"] == other, "the case with the delegate")
    assert [e["reason"] for e in moved["timeline"] if e["kind"] == "assigned"][-1] == (
        f"officer {holder} on leave until {until.isoformat()}; delegated to {other}")

    back = console.post(browser, f"/admin/staff/{holder}/status", {**form_of(shown, state="active"),
                                                                   "state": "active"})
    assert back.status_code == 303 and member_api(console, holder)["status"] == {"state": "active"}

    moving = console.get(browser, f"/admin/staff/{other}")
    transferred = console.post(browser, f"/admin/staff/{other}/status", {
        **form_of(moving, state="transferred"), "state": "transferred", "to_department": "phe",
        "to_district": "Nadia", "to_level": "1"})
    assert transferred.status_code == 303
    assert member_api(console, other)["office"] == {"department": "phe", "district": "Nadia", "level": 1}
    listed = console.get(browser, "/admin/staff?department=phe&district=Nadia")
    assert row_of(listed, other)[2:4] == ["Public Health Engineering, Nadia, level 1",
                                          "Transferred from Public Health Engineering, Bankura, level 1; active in "
                                          "the new office."]

    leaving = console.get(browser, f"/admin/staff/{holder}")
    unconfirmed = console.post(browser, f"/admin/staff/{holder}/status", {**form_of(leaving, state="retired"),
                                                                          "state": "retired"})
    assert unconfirmed.status_code == 400 and error_of(unconfirmed, "confirm") == (
        "Tick the box to confirm that retirement is final.")
    assert member_api(console, holder)["status"] == {"state": "active"}  # nothing sent to the API
    retired = console.post(browser, f"/admin/staff/{holder}/status", {**form_of(leaving, state="retired"),
                                                                      "state": "retired", "confirm": "yes"})
    assert retired.status_code == 303 and member_api(console, holder)["status"] == {"state": "retired"}
    final = console.get(browser, f"/admin/staff/{holder}")
    assert "Retirement is final" in final.text and 'id="retired-form"' not in final.text
    again = console.post(browser, f"/admin/staff/{holder}/status", {**form_of(leaving, state="active"),
                                                                    "state": "active"})
    assert again.status_code == 409 and "This was not saved:" in again.text  # the API's refusal, never a 5xx
    assert console.get(browser, "/admin/staff/nobody-here").status_code == 404


def test_a_double_submit_is_one_change(console):
    browser = signed_in_as(console, "admin-twice", ADMIN_MOBILE, "admin")
    page = console.get(browser, "/admin/staff")
    fields = {**form_of(page, "/admin/staff"), **NEW_MEMBER}
    answers, start = [], threading.Barrier(20)

    def submit():
        start.wait()
        answers.append(console.post(browser, "/admin/staff", fields).status_code)
    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * 20
    assert member_api(console, NEW_MEMBER["sub"])["seq"] == 1  # one change: the same Idempotency-Key

    member = console.get(browser, f"/admin/staff/{NEW_MEMBER['sub']}")
    leave = {**form_of(member, state="on_leave"), "state": "on_leave", "leave_from": "2030-01-01",
             "leave_until": "2030-01-10"}
    answers.clear()
    threads = [threading.Thread(target=lambda: answers.append(console.post(
        browser, f"/admin/staff/{NEW_MEMBER['sub']}/status", leave).status_code)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * 20
    assert member_api(console, NEW_MEMBER["sub"])["seq"] == 2


def test_anyone_but_an_administrator_gets_the_403_page(console):
    cell = signed_in_as(console, "cell-directory", CELL_MOBILE, "cmo_cell")
    citizen_browser = console.browser("en")
    console.sign_in(citizen_browser, CITIZEN_MOBILE)
    for browser in (cell, citizen_browser):
        for path in ("/admin/staff", f"/admin/staff/{A}", f"/admin/staff?change={A}"):
            page = console.get(browser, path)
            assert page.status_code == 403 and "You cannot do this" in page.text, path
        csrf = csrf_of(console.get(browser, "/").text)  # the sign-out form's
        for path, form in (("/admin/staff", {**NEW_MEMBER}), (f"/admin/staff/{A}/status", {"state": "retired",
                                                                                            "confirm": "yes"})):
            assert console.post(browser, path, {"csrf_token": csrf, **form}).status_code == 403
    assert member_api(console, A)["status"] == {"state": "active"} and member_api_status(
        console, NEW_MEMBER["sub"]) == 404
