"""The harness catches what it is there to catch, on pages made up for the purpose (no platform needed)."""
import pytest

from tests.browser.harness import MOBILE, ROOT, overflows_horizontally, rendered_fonts, serious

FORM = """<!doctype html><html lang="en"><head><title>t</title></head><body><main><form>
<label for="a">A</label><input id="a" name="a">
<label for="b">B</label><input id="b" name="b" {b}>
<button type="submit">Go</button></form></main></body></html>"""


def test_a_control_taken_out_of_the_tab_order_is_caught(page, keyboard_reaches_every_control):
    page.set_content(FORM.format(b=""))
    assert len(keyboard_reaches_every_control(page)) == 3
    page.set_content(FORM.format(b='tabindex="-1"'))
    with pytest.raises(AssertionError, match="Tab visits"):
        keyboard_reaches_every_control(page)


def test_axe_finds_an_unlabelled_field_and_poor_contrast(page, axe):
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
                     '<input name="x"><p style="color:#bbb;background:#fff">faint</p></main></body></html>')
    assert {v["id"] for v in serious(axe(page))} >= {"label", "color-contrast"}


def test_a_page_wider_than_a_phone_is_caught(page, at_width):
    at_width(page, MOBILE)
    page.set_content('<div style="width:500px">wide</div>')
    assert overflows_horizontally(page)
    page.set_content('<div style="max-width:100%">narrow</div>')
    assert not overflows_horizontally(page)


def test_rendered_fonts_tell_a_missing_script_from_a_present_one(page):
    # Tangsa (Unicode 14): no font on the machine has it, so Chromium draws a fallback's boxes
    page.set_content('<p id="bn">সরাসরি</p><p id="tangsa">\U00016A70\U00016A71\U00016A72</p>')
    assert any("Bengali" in family for family in rendered_fonts(page, "#bn"))
    tofu = rendered_fonts(page, "#tangsa")
    assert tofu and not any("Tangsa" in family for family in tofu), tofu


def test_a_test_run_never_rewrites_the_committed_screenshots(page, screenshot):
    """Only `make screenshots` (SCREENSHOT_DIR=docs/screenshots) writes there; a test run's pictures go to a
    temporary folder."""
    committed = ROOT / "docs" / "screenshots"
    before = {path.name: path.stat().st_mtime_ns for path in committed.glob("*.png")}
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body><h1>probe</h1></body></html>')
    path = screenshot(page, "sign-in-bn")  # the name of a committed picture
    assert path.exists() and not path.resolve().is_relative_to(committed.resolve()), path
    assert {path.name: path.stat().st_mtime_ns for path in committed.glob("*.png")} == before
