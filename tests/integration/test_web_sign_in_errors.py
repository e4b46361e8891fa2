"""The sign-in page the web console sends people to (the gateway's page of the code flow) speaks the person's
language: OpenID Connect's ui_locales, else Accept-Language, else Bengali. Every refusal on it (a malformed
mobile, a wrong code, an expired code, too many wrong codes, too many tries) (and too many codes for one number) is
worded in that language from the refusal's kind, never with identity's or the gateway's English text."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from services.gateway.sign_in_words import WORDS, error_words
from shared.mongo import connect
from tests.browser.pages import sign_in_url
from tests.integration.console import hidden_fields

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # as Chromium sends it
SCRIPTS = {"bn": "[\u0980-\u09FF]", "hi": "[\u0900-\u097F]", "en": "[A-Za-z]"}
ENGLISH_REFUSALS = ("wrong or has expired", "not a mobile number", "too many", "expired", "Sign-in did not work")


def alert_of(answer):
    found = re.search(r'<p class="error" role="alert" id="sign-in-error">(.*?)</p>', answer.text, re.S)
    assert found, answer.text
    return html.unescape(found.group(1).strip())


def says(answer, language, refusal):
    """The page is in `language` and its alert is that language's words for `refusal`, nothing English."""
    assert f'<html lang="{language}">' in answer.text, answer.text[:300]
    message = alert_of(answer)
    retry_after = int(answer.headers["Retry-After"]) if "Retry-After" in answer.headers else None
    assert message == error_words(language, refusal, retry_after), (refusal, message)
    assert re.search(SCRIPTS[language], message)
    if language != "en":
        assert not any(english in answer.text for english in ENGLISH_REFUSALS), answer.text
    return message


class SignInPage:
    def __init__(self, base, language=None, accept_language=None):
        self.base, self.session = base, requests.Session()
        self.session.headers["Accept"] = BROWSER_ACCEPT
        if accept_language:
            self.session.headers["Accept-Language"] = accept_language
        self.opened = self.session.get(sign_in_url(base, language), timeout=10)
        assert self.opened.status_code == 200, self.opened.text
        self.fields = hidden_fields(self.opened.text)

    def send_code(self, mobile):
        return self.session.post(self.base + "/oauth/authorize", timeout=10, allow_redirects=False,
                                 data={**self.fields, "mobile": mobile, "step": "send_code"})

    def sign_in(self, mobile, code):
        return self.session.post(self.base + "/oauth/authorize", timeout=10, allow_redirects=False,
                                 data={**self.fields, "mobile": mobile, "code": code, "step": "sign_in"})


def challenges(platform_config):
    client = connect(platform_config["MONGO_URI"])
    return client, client[platform_config["MONGO_DB_PREFIX"] + "identity"]["otp_challenges"]


@pytest.mark.parametrize("language", ["bn", "en", "hi"])
def test_every_sign_in_refusal_is_worded_in_the_page_language(platform_with, platform_config, language):
    gateway = platform_with(RATE_LIMIT_OTP_VERIFY_PER_MOBILE="off", RATE_LIMIT_OTP_VERIFY_PER_ADDRESS="off",
                            RATE_LIMIT_SIGN_IN_PER_ADDRESS="off")
    page = SignInPage(gateway.base, language)
    assert f'<html lang="{language}">' in page.opened.text

    malformed = page.send_code("12345")
    assert malformed.status_code == 400
    says(malformed, language, "bad_mobile")
    assert re.search(r'<input id="mobile"[^>]*aria-invalid="true"[^>]*aria-describedby="sign-in-error"',
                     malformed.text), malformed.text
    assert 'value="12345"' in malformed.text  # what was typed is kept

    mobile = {"bn": "9830066601", "en": "9830066602", "hi": "9830066603"}[language]
    assert page.send_code(mobile).status_code == 200
    wrong = page.sign_in(mobile, "000000")
    assert wrong.status_code == 400
    says(wrong, language, "wrong_code")
    assert re.search(r'<input id="code"[^>]*aria-invalid="true"', wrong.text), wrong.text

    for _ in range(4):  # five wrong codes in all: the code takes no more
        page.sign_in(mobile, "000000")
    says(page.sign_in(mobile, "000000"), language, "too_many_attempts")

    assert page.send_code(mobile).status_code == 200  # a new code, then its time runs out
    client, stored = challenges(platform_config)
    try:
        stored.update_one({"_id": mobile}, {"$set": {"expires_at": datetime.now(timezone.utc) - timedelta(seconds=1)}})
    finally:
        client.close()
    expired = page.sign_in(mobile, "123456")
    says(expired, language, "expired_code")
    assert 'value="send_code"' in expired.text  # the page offers a new code

    assert page.send_code(mobile).status_code == 200  # identity's third code for the number this window
    too_many = page.send_code(mobile)
    assert too_many.status_code == 429
    says(too_many, language, "too_many_codes")
    assert re.search(r'<input id="mobile"[^>]*aria-invalid="true"', too_many.text), too_many.text


@pytest.mark.parametrize("language", ["bn", "en", "hi"])
def test_too_many_tries_is_a_page_in_the_person_language(platform_with, language):
    gateway = platform_with(RATE_LIMIT_SIGN_IN_PER_ADDRESS="2/3600")
    page = SignInPage(gateway.base, language)
    page.send_code("12345")
    refused = page.send_code("9830066609")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/html") and int(refused.headers["Retry-After"]) > 0
    says(refused, language, "rate_limited")
    assert 'value="9830066609"' in refused.text  # nothing typed is lost
    api_client = requests.get(sign_in_url(gateway.base, language), timeout=10)  # no HTML asked for: problem+json
    assert api_client.status_code == 429 and api_client.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("accept_language, expected", [(None, "bn"), ("hi-IN,hi;q=0.9,en;q=0.8", "hi"),
                                                       ("fr-FR, en;q=0.5", "en"), ("fr", "bn")])
def test_without_ui_locales_the_page_follows_accept_language_else_bengali(platform, accept_language, expected):
    page = SignInPage(platform.base, None, accept_language)
    assert f'<html lang="{expected}">' in page.opened.text
    assert WORDS[expected]["send"] in page.opened.text
    says(page.send_code("98"), expected, "bad_mobile")


def test_ui_locales_wins_over_accept_language(platform):
    page = SignInPage(platform.base, "en", "hi-IN,hi")
    assert '<html lang="en">' in page.opened.text
    says(page.send_code("98"), "en", "bad_mobile")


@pytest.mark.parametrize("language", ["bn", "en", "hi"])
def test_the_console_sends_its_language_and_the_refusals_come_back_in_it(console, language):
    browser = console.browser(language)
    browser.headers["Accept"] = BROWSER_ACCEPT
    started = console.get(browser, "/sign-in")
    assert started.status_code == 303 and f"ui_locales={language}" in started.headers["Location"]
    fields = hidden_fields(browser.get(started.headers["Location"], timeout=10).text)
    malformed = browser.post(console.gateway.base + "/oauth/authorize", timeout=10,
                             data={**fields, "mobile": "98300", "step": "send_code"})
    says(malformed, language, "bad_mobile")
    wrong = browser.post(console.gateway.base + "/oauth/authorize", timeout=10, allow_redirects=False,
                         data={**fields, "mobile": "9830066610", "code": "000000", "step": "sign_in"})
    says(wrong, language, "no_code")  # no code was asked for this number
