"""The gateway's sign-in page (the authorization code flow's, which the web console sends people to) in a
real Chromium: its three languages render in real glyphs, axe-core finds nothing, it is light, and a
citizen signs in with the keyboard alone."""
import re

import pytest

from services.gateway.sign_in_words import WORDS
from shared.signed_rpc import SignedClusterRpcProxy
from tests.browser.harness import MOBILE, WIDTHS, describe, focus_key, overflows_horizontally, rendered_fonts, wait_for
from tests.browser.pages import REDIRECT, ask_for_a_code, sign_in_url

LANGUAGES = {  # ui_locales -> (the programme's name as the heading gives it, the font family its script needs)
    "bn": ("সরাসরি মুখ্যমন্ত্রী", "Bengali"),
    "hi": ("सोरासोरी मुख्यमंत्री", "Devanagari"),
    "en": ("Sorasori Mukhyamantri", "Noto Sans"),
}


def sms_code(platform_config, mobile):
    """The code the development SMS sink holds for `mobile` (the last one sent)."""
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        return re.search(r"\d{6}", cluster.notification.sms_sent(mobile)[-1]["text"]).group(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_page_speaks_the_language_asked_for_in_real_glyphs(platform, page, at_width, screenshot,
                                                                        language):
    heading, script_font = LANGUAGES[language]
    at_width(page, MOBILE)
    page.goto(sign_in_url(platform.base, language))
    assert page.get_attribute("html", "lang") == language
    assert page.inner_text("h1").startswith(heading)
    # the glyphs come from a font that has them: no fallback's empty boxes (tofu)
    fonts = rendered_fonts(page, "h1")
    assert any(script_font in family for family in fonts), fonts
    assert screenshot(page, f"sign-in-{language}").stat().st_size > 5_000


@pytest.mark.parametrize("browser_locale, expected", [("hi-IN", "hi"), ("fr-FR", "bn")])
def test_the_sign_in_page_without_ui_locales_follows_the_browser_language_else_bengali(platform, browser,
                                                                                     browser_locale, expected):
    context = browser.new_context(locale=browser_locale)  # the browser's Accept-Language
    try:
        page = context.new_page()
        page.goto(sign_in_url(platform.base))
        assert page.get_attribute("html", "lang") == expected
        assert page.inner_text("h1").startswith(LANGUAGES[expected][0])
        page.fill("#mobile", "12")
        page.click("button[value=send_code]")
        page.wait_for_selector("#sign-in-error")
        assert page.get_attribute("#mobile", "aria-invalid") == "true"
        assert page.inner_text("#sign-in-error") == WORDS[expected]["errors"]["bad_mobile"]
        assert any(LANGUAGES[expected][1] in family for family in rendered_fonts(page, "#sign-in-error"))
    finally:
        context.close()


@pytest.mark.parametrize("language", [None, *LANGUAGES])
def test_axe_finds_nothing_on_either_step_of_the_sign_in_page(platform, page, axe, at_width, language):
    for width in WIDTHS:
        at_width(page, width)
        page.goto(sign_in_url(platform.base, language))
        violations = axe(page)
        assert violations == [], describe(violations)
        assert not overflows_horizontally(page), f"wider than {width} px"
        ask_for_a_code(page)
        violations = axe(page)
        assert violations == [], describe(violations)
        assert not overflows_horizontally(page), f"wider than {width} px"


def test_the_sign_in_page_weighs_under_150_kb_on_first_load(platform, page, weight):
    loaded = weight(page, sign_in_url(platform.base, "bn"))
    print(f"sign-in page, first load: {loaded['bytes']} bytes in {len(loaded['resources'])} responses")
    assert 0 < loaded["bytes"] < 150 * 1024, loaded


def test_a_citizen_signs_in_with_the_keyboard_alone(platform, platform_config, page, console_errors,
                                                    keyboard_reaches_every_control, tab_to):
    # the browser goes back to the client's redirect URI with the code (nothing listens there in the test)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(sign_in_url(platform.base, "bn", state="kbd-1"))

    visited = [focus_key(v) for v in keyboard_reaches_every_control(page)]
    assert visited[:2] == [("input", "mobile", "mobile", ""), ("button", "", "step", "send_code")]

    tab_to(page, "#mobile")
    page.keyboard.type("9830012345")
    tab_to(page, "button[value=send_code]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#code")
    assert page.input_value("#mobile") == "9830012345"

    visited = [focus_key(v) for v in keyboard_reaches_every_control(page)]
    assert visited[:3] == [("input", "mobile", "mobile", ""), ("input", "code", "code", ""),
                           ("button", "", "step", "sign_in")]

    tab_to(page, "#code")
    page.keyboard.type(sms_code(platform_config, "9830012345"))
    tab_to(page, "button[value=sign_in]")
    page.keyboard.press("Enter")
    back = wait_for(lambda: [url for url in requested if url.startswith(REDIRECT)], page,
                    why=lambda: (console_errors, page.inner_text("body")))
    assert re.match(re.escape(REDIRECT) + r"\?code=[^&]+&state=kbd-1", back[0]), back
