"""Every page in pages.PAGES and pages.CONSOLE_PAGES at 360 and 1280 px: a picture in docs/screenshots
(`make screenshots` runs just these), no sideways scrolling on a phone, and no serious or critical axe-core
violation on the pages the platform draws itself (Swagger UI's own are printed, not enforced); a citizen's
console page weighs under 150 KB on a first load, fonts included."""
import pytest

from tests.browser import console_scene
from tests.browser.console_steps import new_page, sign_in
from tests.browser.harness import MOBILE, WIDTHS, describe, overflows_horizontally, serious
from tests.browser.pages import CONSOLE_PAGES, PAGES
from tests.integration.test_web_dashboard import cases  # noqa: F401 (800 cases for the dashboard)

CITIZEN_PAGE_BYTES = 150 * 1024


@pytest.mark.screenshots
@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_every_gateway_page_at_phone_and_desktop_width(platform, page, at_width, axe, screenshot, shown):
    for width in WIDTHS:
        at_width(page, width)
        page.goto(shown.url(platform.base))
        if shown.then:
            shown.then(page)
        page.wait_for_selector(shown.ready)
        path = screenshot(page, shown.name)
        assert path.stat().st_size > 2_000
        found = serious(axe(page))
        if shown.third_party:
            rules = sorted({f"{v['id']} ({len(v['nodes'])} elements)" for v in found})
            print(f"{shown.name} at {width} px, axe (not enforced): {', '.join(rules) or 'nothing serious'}")
            continue
        assert found == [], describe(found)
        if width == MOBILE:
            assert not overflows_horizontally(page), f"{shown.name} is wider than {MOBILE} px"


@pytest.mark.screenshots
def test_every_console_page_at_phone_and_desktop_width(console, cases, browser, axe, weight, screenshot,  # noqa: F811
                                                       at_width):
    placeholders = console_scene.fill(console)
    pages, problems, report = {}, [], []
    for shown in CONSOLE_PAGES:
        if shown.sign_in not in pages:  # one signed-in context per role; staff read the console in English
            pages[shown.sign_in] = new_page(browser, console, None if shown.citizens else "en")
            if shown.sign_in:
                sign_in(pages[shown.sign_in], console, console_scene.MOBILES[shown.sign_in])
        page, url = pages[shown.sign_in], console.base + shown.path.format(**placeholders)
        outcome = []
        for width in WIDTHS:
            at_width(page, width)
            answer = page.goto(url)
            page.wait_for_selector(shown.ready)
            if answer.status != shown.status:
                problems.append(f"{shown.name}: {answer.status}, not {shown.status}")
            screenshot(page, shown.name, full_page=shown.full_page)
            found = serious(axe(page))
            if found:
                problems.append(f"{shown.name} at {width} px:\n{describe(found)}")
            if shown.citizens and width == MOBILE and overflows_horizontally(page):
                problems.append(f"{shown.name} is wider than {MOBILE} px")
            outcome.append(f"{width} px: axe {len(found)} serious")
        if shown.citizens:
            loaded = weight(page, url)["bytes"]
            outcome.append(f"first load {loaded} bytes")
            if loaded >= CITIZEN_PAGE_BYTES:
                problems.append(f"{shown.name} weighs {loaded} bytes on a first load")
        report.append(f"{shown.name} (docs/screenshots/{shown.name}-{{360,1280}}.png): {'; '.join(outcome)}")
    print("\n".join(report))
    for page in pages.values():
        page.context.close()
    assert problems == [], "\n".join(problems)
