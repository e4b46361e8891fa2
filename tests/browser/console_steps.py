"""Steps a person takes in the web console in a real Chromium: sign in through the gateway's page with the
code from the development SMS sink, submit a form and wait until the console has answered. Playwright's
navigation waits hang under eventlet's hub, so every wait here is a poll (harness.wait_for)."""
from tests.browser.harness import wait_for
from tests.integration.console import code_sent_to, sms_count


def new_page(browser, console, language=None):
    """A page of a fresh context (its own cookies) on the console; `language` is the console's lang cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    if language:
        context.add_cookies([{"name": "lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    return context.new_page()


def sign_in(page, console, mobile):
    """Through the console's "sign in": the gateway's page asks for the mobile, then the SMS code."""
    page.goto(console.base + "/sign-in")
    page.wait_for_selector("#mobile")
    before = sms_count(console.config, mobile)
    page.fill("#mobile", mobile)
    page.click("button[value=send_code]")
    page.wait_for_selector("#code")
    page.fill("#code", code_sent_to(console.config, mobile, before))
    page.keyboard.press("Enter")
    wait_for(lambda: page.url.startswith(console.base) and "/auth/" not in page.url
             and page.query_selector("main") is not None, page, why=lambda: page.url)


def submit_in(page, scope, until, why=""):
    """Clicks the submit button of the form in `scope` and waits until `until()` holds (the answer drawn)."""
    page.click(f"{scope} button[type=submit]")
    return wait_for(until, page, seconds=20, why=lambda: f"{why}: {page.url} {page.inner_text('main')[:400]}")


def status_of(page):
    return page.inner_text("span.status") if page.query_selector("span.status") else ""
