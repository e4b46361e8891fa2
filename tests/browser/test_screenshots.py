"""Every page in pages.PAGES at 360 and 1280 px: a picture in docs/screenshots (`make screenshots` runs
just these), no sideways scrolling on a phone, and no serious or critical axe-core violation on the pages
the platform draws itself (Swagger UI's own are printed, not enforced)."""
import pytest

from tests.browser.harness import MOBILE, WIDTHS, describe, overflows_horizontally, serious
from tests.browser.pages import PAGES


@pytest.mark.screenshots
@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_every_page_at_phone_and_desktop_width(platform, page, at_width, axe, screenshot, shown):
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
