"""The CMO cell's dashboard and the administration pages in the web console, through HTTP as a browser with
JavaScript off, on the real stack: the dashboard's tables and charts carry the insights API's numbers for the
same data; an administrator subscribes a webhook, sees its failed delivery and replays it until it leaves
the list; anyone else gets a 403 page in plain words."""
import html
import re
import threading
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from services.search.bulk import bulk_load
from services.search.index import alias, ensure_index
from services.web import dashboard
from services.web.i18n import Translator
from shared.elastic import connect
from synthetic.cases import generate
from tests.integration.console import csrf_of
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water
from tests.integration.receivers import WebhookReceiver
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
CASES = 800
CELL_MOBILE, ADMIN_MOBILE, CITIZEN_MOBILE, OTHER_CITIZEN = "9830055501", "9830055502", "9830055503", "9830055505"


def staff(console, sub, mobile, role):
    console.gateway.ok(console.gateway.request("POST", "/api/v1/admin/accounts", ADMIN, json={
        "sub": sub, "name": f"Test {role}", "mobile": mobile, "role": role}))


def signed_in_as(console, sub, mobile, role, language="en"):
    staff(console, sub, mobile, role)
    browser = console.browser(language)
    console.sign_in(browser, mobile)
    return browser


@pytest.fixture
def cases(console, platform_config):
    es = connect(platform_config["ELASTICSEARCH_URL"])
    ensure_index(es, platform_config)
    assert bulk_load(es, alias(platform_config), list(generate(CASES, seed=11, now=datetime.now(timezone.utc)))) \
        == (CASES, 0)
    es.indices.refresh(index=alias(platform_config))
    es.close()


def section(page, key):
    return re.search(rf'<section class="panel" id="{re.escape(key)}".*?</section>', page, re.S).group(0)


def table_rows(part):
    body = re.search(r"<tbody>(.*?)</tbody>", part, re.S).group(1)
    return [[html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def as_number(text):
    return None if text == "–" else float(text.replace(",", ""))


def same(shown, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) and value is not None:
        return True  # a name or a code: shown in the person's words
    return as_number(shown) == (None if value is None else float(value))


def api_table(console, panel):
    return console.gateway.ok(console.gateway.request(
        "GET", f"/api/v1/insights/{panel.insight}?" + urlencode(panel.params), CMO_CELL))


def test_the_dashboard_shows_the_insights_apis_numbers_in_tables_and_accessible_charts(console, cases):
    browser = signed_in_as(console, "cell-reader", CELL_MOBILE, "cmo_cell")
    page = console.get(browser, "/dashboard")
    assert page.status_code == 200, page.text
    assert "<script" not in page.text and "style=" not in page.text  # CSP default-src 'self': nothing inline
    filled = 0
    for panel in dashboard.PANELS:
        table = api_table(console, panel)
        part = section(page.text, panel.key)
        shown = table_rows(part)
        if not table["rows"]:
            assert len(shown) == 1 and "No cases yet." in shown[0][0]
            continue
        filled += 1
        assert len(shown) == len(table["rows"]), panel.key
        for shown_row, row in zip(shown, table["rows"]):
            assert len(shown_row) == len(row) and all(same(s, v) for s, v in zip(shown_row, row)), (panel.key, row)
        charts = re.findall(r'<svg class="chart" role="img".*?</svg>', part, re.S)
        assert len(charts) == len(panel.charts), panel.key
        for chart, drawn in zip(charts, panel.charts):
            assert re.search(r"<title id=[^>]+>[^<]+</title><desc id=[^>]+>[^<]+</desc>", chart)
            values = [as_number(v) for v in re.findall(r'<text class="value"[^>]*>([^<]*)</text>', chart)]
            at = {c: i for i, c in enumerate(table["columns"])}
            if drawn.totals:
                expected = [float(sum(row[at[c]] or 0 for row in table["rows"])) for c in drawn.values]
            else:
                expected = [None if row[at[c]] is None else float(row[at[c]]) for row in table["rows"]
                            for c in drawn.values]
            assert values == expected, panel.key
        csv_link = re.search(r'<a href="([^"]+\.csv[^"]*)" download>', part).group(1)
        exported = console.get(browser, html.unescape(csv_link))
        direct = console.gateway.request("GET", f"/api/v1/insights/{panel.insight}?" + urlencode(
            {**panel.params, "format": "csv"}), CMO_CELL)
        assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
        assert exported.content == direct.content, panel.key
    assert filled >= 6  # trends, SLA twice, backlog, escalations, ratings at least

    # the same numbers in Bengali digits
    console.get(browser, "/language/bn?next=/dashboard")
    bengali = console.get(browser, "/dashboard")
    sla = api_table(console, dashboard.PANELS[1])
    first = table_rows(section(bengali.text, "sla-department"))[0]
    assert first[1] == Translator("bn").number(sla["rows"][0][1]) and re.fullmatch(r"[০-৯,]+", first[1])


def test_an_administrator_replays_a_dead_letter_and_it_leaves_the_list(console_with):
    console = console_with(NOTIFY_RETRY_BASE_SECONDS=0.2, NOTIFY_RETRY_MAX_SECONDS=0.5, NOTIFY_MAX_ATTEMPTS=2,
                           NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    receiver = WebhookReceiver()  # no secret yet: it refuses every delivery (401)
    try:
        browser = signed_in_as(console, "admin-two", ADMIN_MOBILE, "admin")
        form = console.get(browser, "/admin/webhooks")
        assert form.status_code == 200
        fields = {"csrf_token": csrf_of(form.text),
                  "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.text).group(1)}
        refused = console.post(browser, "/admin/webhooks", {**fields, "id": "x", "url": "not a url"})
        assert refused.status_code == 400 and 'value="not a url"' in refused.text and 'aria-invalid="true"' in refused.text
        created = console.post(browser, "/admin/webhooks", {**fields, "id": "state-dashboard",
                                                           "url": receiver.url + "/hook", "events": "in.gov.wb.sorasori.grievance.filed.v1"})
        assert created.status_code == 200, created.text
        secret = re.search(r'<p class="secret">(whsec_[^<]+)</p>', created.text).group(1)
        assert secret not in console.get(browser, "/admin/webhooks").text  # shown once

        for mobile in (CITIZEN_MOBILE, OTHER_CITIZEN):
            console.gateway.ok(console.gateway.file(drinking_water(mobile=mobile), citizen(mobile)), 201)
        dead = wait_for(lambda: (lambda found: found if len(found) == 2 else None)([
            d for d in console.gateway.ok(console.gateway.request("GET", "/api/v1/admin/dead-letters", ADMIN))[
                "dead_letters"] if d["channel"] == "webhook"]), what="both refused webhook deliveries dead-lettered",
            timeout=30)
        listed = console.get(browser, "/admin/dead-letters")
        assert all(f'data-id="{d["id"]}"' in listed.text for d in dead) and "401" in listed.text
        assert "Send all 2 again" in listed.text

        receiver.secret = secret  # the subscriber is fixed: send them again
        one = dead[0]["id"]
        key = re.search(rf'/admin/dead-letters/{one}/replay".*?name="idempotency_key" value="([0-9a-f]+)"',
                        listed.text, re.S).group(1)
        assert console.post(browser, f"/admin/dead-letters/{one}/replay", {"idempotency_key": key}
                            ).status_code == 403  # no CSRF token: refused
        csrf = csrf_of(listed.text)
        done = console.post(browser, f"/admin/dead-letters/{one}/replay", {"csrf_token": csrf, "idempotency_key": key})
        assert done.status_code == 303 and done.headers["Location"] == "/admin/dead-letters?replayed=1"
        again = console.post(browser, f"/admin/dead-letters/{one}/replay", {"csrf_token": csrf, "idempotency_key": key})
        assert again.headers.get("Location") == done.headers["Location"]  # a double submit: the same answer
        after = console.get(browser, done.headers["Location"])
        assert f'data-id="{one}"' not in after.text and f'data-id="{dead[1]["id"]}"' in after.text
        assert "1 sent again." in after.text

        # twenty administrators' tabs replay the other one at once, each with its own key: it is sent once
        other = dead[1]["id"]
        answers = []

        def replay_other(index):
            answers.append(console.post(browser, f"/admin/dead-letters/{other}/replay",
                                        {"csrf_token": csrf, "idempotency_key": f"{index:032x}"}).headers["Location"])
        threads = [threading.Thread(target=replay_other, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == ["/admin/dead-letters?replayed=0"] * 19 + ["/admin/dead-letters?replayed=1"], answers
        emptied = console.post(browser, "/admin/dead-letters/replay", {"csrf_token": csrf, "idempotency_key": "f" * 32})
        assert emptied.headers["Location"] == "/admin/dead-letters?replayed=0"
        assert "There are no failed deliveries." in console.get(browser, "/admin/dead-letters").text
        accepted = wait_for(lambda: len(receiver.accepted) == 2 and receiver.accepted,
                            what="both replayed deliveries accepted")
        assert {event["type"] for event in accepted} == {"in.gov.wb.sorasori.grievance.filed.v1"}
    finally:
        receiver.stop()


def test_people_without_the_role_get_a_plain_words_403_page(console):
    citizen_browser = console.browser("en")
    console.sign_in(citizen_browser, CITIZEN_MOBILE)
    cell = signed_in_as(console, "cell-reader", CELL_MOBILE, "cmo_cell")
    for browser, path in ((citizen_browser, "/dashboard"), (citizen_browser, "/admin/dead-letters"),
                          (cell, "/admin"), (cell, "/admin/accounts"), (citizen_browser, "/dashboard/sla.csv")):
        page = console.get(browser, path)
        assert page.status_code == 403, path
        assert "You cannot do this" in page.text and "Traceback" not in page.text, path
    assert console.get(cell, "/dashboard").status_code == 200
    assert console.post(cell, "/admin/dead-letters/replay", {"csrf_token": csrf_of(
        console.get(cell, "/dashboard").text)}).status_code == 403


def form_fields(page):
    return {"csrf_token": csrf_of(page.text),
            "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.text).group(1)}


def test_an_administrator_manages_accounts_clients_and_webhooks_and_reads_the_audit_log(console):
    receiver = WebhookReceiver()
    try:
        browser = signed_in_as(console, "admin-three", ADMIN_MOBILE, "admin")
        accounts = console.get(browser, "/admin/accounts")
        refused = console.post(browser, "/admin/accounts", {**form_fields(accounts), "sub": "officer-new",
                                                            "name": "Rina Pal", "mobile": "12", "role": "officer"})
        assert refused.status_code == 400 and 'value="Rina Pal"' in refused.text
        assert re.search(r'<p class="error" id="mobile-error">[^<]+</p>', refused.text)
        account = {**form_fields(accounts), "sub": "officer-new", "name": "Rina Pal", "mobile": "9830055504",
                   "role": "officer", "department": "phe", "districts": "Bankura, Purulia"}
        saved = console.post(browser, "/admin/accounts", account)
        assert saved.status_code == 303 and saved.headers["Location"] == "/admin/accounts?saved=1"
        listed = console.get(browser, saved.headers["Location"])
        assert "officer-new" in listed.text and "Bankura, Purulia" in listed.text
        assert "9830055504" not in listed.text  # masked, as the API answers it

        clients = console.get(browser, "/admin/clients")
        registered = console.post(browser, "/admin/clients", {**form_fields(clients), "client_id": "state-portal"})
        assert registered.status_code == 200 and re.search(r'<p class="secret">[^<]{16,}</p>', registered.text)
        again = console.post(browser, "/admin/clients", {**form_fields(clients), "client_id": "state-portal"})
        secret = re.compile(r'<p class="secret">([^<]{16,})</p>')
        assert again.status_code == 200 and secret.search(again.text).group(1) == secret.search(
            registered.text).group(1)  # the same form sent twice: one client, the same secret shown
        fresh_form = console.get(browser, "/admin/clients")
        assert console.post(browser, "/admin/clients", {**form_fields(fresh_form), "client_id": "state-portal"}
                            ).status_code == 409  # registered already, said in plain words
        limited = console.post(browser, "/admin/clients", {
            **form_fields(console.get(browser, "/admin/clients")), "client_id": "north-dashboard",
            "scope": "grievances:read insights:read", "departments": "phe, power", "districts": "Cooch Behar, Bankura"})
        assert limited.status_code == 200 and secret.search(limited.text)
        assert "<dd>phe, power</dd>" in limited.text and "<dd>Bankura, Cooch Behar</dd>" in limited.text  # sorted by the API
        assert "<dd>grievances:read insights:read</dd>" in limited.text

        hooks = console.get(browser, "/admin/webhooks")
        created = console.post(browser, "/admin/webhooks", {**form_fields(hooks), "id": "district-board",
                                                           "url": receiver.url + "/hook"})
        first = re.search(r'<p class="secret">([^<]+)</p>', created.text).group(1)
        paused = console.post(browser, "/admin/webhooks/district-board/pause", form_fields(created))
        assert paused.status_code == 303
        listed = console.get(browser, "/admin/webhooks")
        assert "Paused" in listed.text and "/admin/webhooks/district-board/resume" in listed.text
        rotated = console.post(browser, "/admin/webhooks/district-board/rotate", form_fields(listed))
        second = re.search(r'<p class="secret">([^<]+)</p>', rotated.text).group(1)
        assert second != first and second.startswith("whsec_")
        assert console.post(browser, "/admin/webhooks/nope/pause", form_fields(listed)).status_code == 404

        audit = console.get(browser, "/admin/audit?kind=client_registered")
        assert audit.status_code == 200 and "client_id: state-portal" in audit.text
        assert "Account created" in console.get(browser, "/admin/audit").text
    finally:
        receiver.stop()
