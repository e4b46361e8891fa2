"""The CMO dashboard and the dead-letter page in a real headless Chromium on the real stack: the charts
Chromium draws carry the insights API's numbers for the same data, and an administrator subscribes a webhook,
sees its refused delivery and replays it until it leaves the list."""
from services.web import dashboard
from tests.browser.console_steps import sign_in, submit_in
from tests.browser.harness import wait_for
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.receivers import WebhookReceiver
from tests.integration.test_web_dashboard import ADMIN, api_table, as_number, cases, same, staff  # noqa: F401
from tests.integration.waiting import wait_for as wait_until

_PANEL = """key => {
  const part = document.getElementById(key);
  const rows = Array.from(part.querySelectorAll('tbody tr'))
    .map(tr => Array.from(tr.querySelectorAll('th, td')).map(cell => cell.textContent.trim()));
  const charts = Array.from(part.querySelectorAll('svg.chart')).map(svg => {
    const box = svg.getBoundingClientRect();
    return {width: box.width, height: box.height,
            values: Array.from(svg.querySelectorAll('text.value')).map(t => t.textContent.trim())};
  });
  return {rows, charts};
}"""


def test_the_dashboard_chromium_draws_shows_the_insights_apis_numbers(console, console_page, cases):  # noqa: F811
    staff(console, "cell-browser", "9830066601", "cmo_cell")
    page = console_page(console, "en")
    sign_in(page, console, "9830066601")
    page.goto(console.base + "/dashboard")
    page.wait_for_selector("section.panel")
    filled = 0
    for panel in dashboard.PANELS:
        table = api_table(console, panel)
        shown = page.evaluate(_PANEL, panel.key)
        if not table["rows"]:
            assert len(shown["rows"]) == 1 and "No cases yet." in shown["rows"][0][0], panel.key
            continue
        filled += 1
        assert len(shown["rows"]) == len(table["rows"]), panel.key
        for shown_row, row in zip(shown["rows"], table["rows"]):
            assert len(shown_row) == len(row) and all(same(s, v) for s, v in zip(shown_row, row)), (panel.key, row)
        assert len(shown["charts"]) == len(panel.charts), panel.key
        at = {column: i for i, column in enumerate(table["columns"])}
        for chart, drawn in zip(shown["charts"], panel.charts):
            assert chart["width"] > 100 and chart["height"] > 50, (panel.key, chart)  # drawn, not collapsed
            if drawn.totals:
                expected = [float(sum(row[at[c]] or 0 for row in table["rows"])) for c in drawn.values]
            else:
                expected = [None if row[at[c]] is None else float(row[at[c]]) for row in table["rows"]
                            for c in drawn.values]
            assert [as_number(v) for v in chart["values"]] == expected, panel.key
    assert filled >= 6


def test_an_administrator_replays_a_dead_letter_in_the_browser(console_with, console_page):
    console = console_with(NOTIFY_RETRY_BASE_SECONDS=0.2, NOTIFY_RETRY_MAX_SECONDS=0.5, NOTIFY_MAX_ATTEMPTS=2,
                           NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    receiver = WebhookReceiver()  # no secret yet: it refuses every delivery (401)
    try:
        staff(console, "admin-browser", "9830066602", "admin")
        page = console_page(console, "en")
        sign_in(page, console, "9830066602")
        page.goto(console.base + "/admin/webhooks")
        page.wait_for_selector("#url")
        page.fill("#id", "state-dashboard")
        page.fill("#url", receiver.url + "/hook")
        page.fill("#events", "in.gov.wb.sorasori.grievance.filed.v1")
        secret = submit_in(page, 'form[action="/admin/webhooks"]:has(#url)',
                           lambda: page.query_selector("p.secret") and page.inner_text("p.secret"), "subscribed")
        assert secret.startswith("whsec_")

        console.gateway.ok(console.gateway.file(drinking_water(mobile="9830066603"), citizen("9830066603")), 201)
        dead = wait_until(lambda: [d for d in console.gateway.ok(console.gateway.request(
            "GET", "/api/v1/admin/dead-letters", ADMIN))["dead_letters"] if d["channel"] == "webhook"],
            what="the refused webhook delivery dead-lettered", timeout=30)[0]
        page.goto(console.base + "/admin/dead-letters")
        row = f'tr[data-id="{dead["id"]}"]'
        page.wait_for_selector(row)
        assert "401" in page.inner_text(row)

        receiver.secret = secret  # the subscriber is fixed: send it again
        page.focus(f"{row} button[type=submit]")
        page.keyboard.press("Enter")
        wait_for(lambda: page.url.endswith("/admin/dead-letters?replayed=1") and page.query_selector("main")
                 and page.query_selector(row) is None, page, seconds=20, why=lambda: page.url)
        assert wait_until(lambda: receiver.accepted, what="the replayed delivery", timeout=20)
        assert not [d for d in console.gateway.ok(console.gateway.request(
            "GET", "/api/v1/admin/dead-letters", ADMIN))["dead_letters"] if d["id"] == dead["id"]]
    finally:
        receiver.stop()
