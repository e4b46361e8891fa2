"""No personal data in URLs or logs: after a citizen signs in, files (with their name) and reads their case,
and the call centre files a caller's complaint (name and mobile) and opens it, no URL Chromium asked for
(the console's, the gateway's sign-in page's, every redirect hop) and no log line of the web console or the
gateway (their loggers and the HTTP servers' access logs, formatted as the platform writes them, extras
included) holds either person's mobile number or name."""
import logging
import re

from shared.logging import JsonFormatter
from tests.browser.console_steps import sign_in
from tests.browser.harness import wait_for
from tests.browser.test_console_flows import file_in_bengali
from tests.integration.test_web_staff import staff_account

CITIZEN_MOBILE, CITIZEN_NAME = "9830071234", "রমা দাস"
CALLER_MOBILE, CALLER_NAME = "9830075678", "Keya Bose"
WATCHED_LOGGERS = ("services.web", "services.gateway", "nameko.web.server")  # the console's, the gateway's


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines = []

    def emit(self, record):
        if record.name.startswith(WATCHED_LOGGERS):
            self.lines.append(self.format(record))


def test_no_mobile_or_name_in_any_url_or_log_line_of_the_citizen_and_call_centre_flows(console, console_page):
    lines, levels = Lines(), {}
    for name in WATCHED_LOGGERS:
        levels[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(lines)
    visited = []
    try:
        citizen = console_page(console)
        citizen.context.on("request", lambda request: visited.append(request.url))
        sign_in(citizen, console, CITIZEN_MOBILE)
        tracking_id = file_in_bengali(citizen, console, lambda page, scope: None)
        citizen.goto(console.base + "/my/grievances")
        citizen.goto(f"{console.base}/grievances/{tracking_id}")
        assert CITIZEN_NAME in console.gateway.case(tracking_id)["complainant"]["name"]

        staff_account(console, "cmo-cell-privacy-1", "7000000501", "cmo_cell")
        cell = console_page(console, "en")
        cell.context.on("request", lambda request: visited.append(request.url))
        sign_in(cell, console, "7000000501")
        cell.goto(console.base + "/staff/file")
        cell.fill("#f-subject", "No water at the Onda tube well")
        cell.fill("#f-description", "The tube well has been dry for a week.")
        cell.select_option("#f-district", "Bankura")
        cell.fill("#f-name", CALLER_NAME)
        cell.fill("#f-mobile", CALLER_MOBILE)
        cell.click("button[value=file]")
        wait_for(lambda: re.search(r"/staff/cases/[A-Za-z0-9-]+$", cell.url), cell, seconds=20,
                 why=lambda: cell.inner_text("main")[:400])
        phoned = cell.url.rsplit("/", 1)[1]
        assert console.gateway.case(phoned)["complainant"]["mobile"].endswith(CALLER_MOBILE)
        cell.goto(console.base + "/staff/outreach")
        cell.goto(f"{console.base}/staff/cases/{phoned}")
        cell.goto(f"{console.base}/staff/search?q=tube+well")
    finally:
        logging.getLogger().removeHandler(lines)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

    personal = (CITIZEN_MOBILE, CITIZEN_NAME, CALLER_MOBILE, CALLER_NAME)
    assert len(visited) > 20 and any("/oauth/authorize" in url for url in visited), visited
    assert any(line for line in lines.lines if '"services.web.access"' in line), "the console's access log was not seen"
    leaking_urls = [url for url in visited if any(p in url for p in personal)]
    assert leaking_urls == [], leaking_urls
    leaking_lines = [line for line in lines.lines if any(p in line for p in personal)]
    assert leaking_lines == [], "\n".join(leaking_lines[:20])
    loggers = sorted({re.search(r'"logger": "([^"]+)"', line).group(1) for line in lines.lines})
    print(f"{len(visited)} URLs and {len(lines.lines)} log lines ({', '.join(loggers)}), none personal")
