"""The real-browser harness: Debian's chromium driven by Playwright for Python (never `playwright install`),
axe-core from tests/browser/node_modules (`make browser-tools`), against the platform the integration
fixtures start in-process. One browser per session, a fresh context and page per test.

Helpers, as fixtures: `console_page(console, language)` (a page of its own context on the web console, closed at the end), `axe(page)` (violations; `serious(...)` keeps the serious and critical ones),
`weight(page, url)` (bytes on the wire for a first load, fonts included), `at_width(page, width)`,
`screenshot(page, name)` (<name>-<width>.png in SCREENSHOT_DIR: docs/screenshots under `make screenshots`,
a temporary folder otherwise), `tab_order(page)`, `tab_to(page, selector)` and
`keyboard_reaches_every_control(page)` (keyboard only), `console_errors` (what the page logged as errors, CSP refusals included)."""
import os
from pathlib import Path

import pytest

from tests.browser.harness import AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS, DESKTOP, HEIGHT, HERE, SCREENSHOT_DIR, focus_key

# the platform, its configuration and the gateway's address, as the integration tests start them
from tests.integration.conftest import gateway_url, platform, platform_config, platform_with, public_stream  # noqa: F401
from tests.integration.console import console, console_with  # noqa: F401,E402 (the web console on top)


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is marked `browser`; without chromium they are skipped, unless CI is
    set: there `make test` has installed it, so its absence must fail, not pass quietly."""
    missing = not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK))
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: `make browser-tools` installs Debian's chromium")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker("browser")
            if "platform_config" in getattr(item, "fixturenames", ()):
                item.add_marker("integration")  # it needs the real servers too
            if missing and not in_ci:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no chromium at {CHROMIUM}: run `make browser-tools`")
    driver = sync_playwright()
    chromium = driver.start().chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    # Not driver.stop(): under eventlet's monkey patching it waits forever for the driver's asyncio loop to
    # see the driver exit. Closing the driver's pipe ends the driver, and nothing is left waiting on it.
    driver._client._transport.request_stop()


@pytest.fixture
def page(browser):
    """A page in a context of its own (no cache, no cookies from other tests), 1280 px wide."""
    context = browser.new_context(viewport={"width": DESKTOP, "height": HEIGHT[DESKTOP]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def console_page(browser):
    """console_page(console, language=None) -> a page of a fresh context on the web console (one per person
    in a flow), closed when the test ends; `language` is the console's lang cookie."""
    from tests.browser.console_steps import new_page

    opened = []

    def open_page(web_console, language=None):
        opened.append(new_page(browser, web_console, language))
        return opened[-1]

    yield open_page
    for page in opened:
        page.context.close()


@pytest.fixture
def console_errors(page):
    """Errors the page logs or throws while the test runs (a CSP refusal is logged as one)."""
    errors = []

    def logged(message):
        # Chromium asks for /favicon.ico of its own accord, and logs the 404: not the page's doing
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", logged)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


@pytest.fixture
def axe():
    """axe(page, **options) -> the violations axe-core finds on the page as it is now. The script is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make browser-tools`")
    source = AXE_SCRIPT.read_text()

    def run(page, **options):
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"() => {{ {source}\n}}")
        return page.evaluate("options => window.axe.run(document, options).then(r => r.violations)",
                             {"resultTypes": ["violations"], **options})

    return run




@pytest.fixture
def weight():
    """weight(page, url) -> {"bytes": total, "resources": {url: bytes}}: what a first load (empty cache)
    transfers, headers and compression included, as Chromium's network stack counts it (fonts, styles,
    scripts and images the page asks for included), once the network has been idle for half a second."""

    def measure(page, url):
        session = page.context.new_cdp_session(page)
        urls, sizes = {}, {}
        session.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        session.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        session.send("Network.enable")
        session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(url, wait_until="networkidle")
        session.detach()
        resources = {urls.get(request_id, request_id): size for request_id, size in sizes.items()}
        return {"bytes": sum(resources.values()), "resources": resources}

    return measure


@pytest.fixture
def at_width():
    def resize(page, width):
        page.set_viewport_size({"width": width, "height": HEIGHT.get(width, 900)})

    return resize



@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    """docs/screenshots under `make screenshots` (SCREENSHOT_DIR), a temporary folder in any other run."""
    return SCREENSHOT_DIR or tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    """screenshot(page, name, full_page=True) -> the path of <name>-<width>.png in `screenshot_dir` (the
    whole page, or what the window shows)."""

    def take(page, name, full_page=True):
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = screenshot_dir / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return take


_FOCUSED = r"""() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  // a focus indicator one can see: an outline (Chromium's own focus ring is style "auto") or a shadow
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = outlined || style.boxShadow !== 'none';
  // and its best contrast (WCAG's ratio) against the background it is drawn on (the parents' first opaque one)
  const colours = text => (text.match(/rgba?\([^)]+\)/g) || []).map(c => c.match(/[\d.]+/g).map(Number))
    .filter(c => c.length < 4 || c[3] > 0).map(c => c.slice(0, 3));
  const luminance = c => c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let behind = [255, 255, 255];
  for (let n = e.parentElement; n; n = n.parentElement) {
    const found = colours(getComputedStyle(n).backgroundColor);
    if (found.length) { behind = found[0]; break; }
  }
  const drawn = [...(outlined ? colours(style.outlineColor) : []), ...(style.boxShadow !== 'none' ? colours(style.boxShadow) : [])];
  const ringContrast = Math.max(0, ...drawn.map(c => ratio(c, behind)));
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.type || '',
          value: e.tagName === 'BUTTON' ? e.value : '', text: (e.innerText || '').trim().slice(0, 60), ring,
          ringContrast};
}"""

_VISIBLE = """selector => Array.from(document.querySelectorAll(selector))
  .filter(e => e.type !== 'hidden' && !e.disabled && e.getClientRects().length > 0)
  .map(e => ({tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.type || '',
              value: e.tagName === 'BUTTON' ? e.value : '', text: (e.innerText || '').trim().slice(0, 60)}))"""



@pytest.fixture
def tab_order():
    """tab_order(page, scope="body", steps=60) -> (the controls Tab visits from the top of the page, in
    order, until focus comes round again; every visible, enabled control in `scope`, in document order)."""

    def walk(page, scope="body", steps=60):
        # from the top: the body focused (made focusable for a moment), so that a field the page focused
        # itself (autofocus) is not where the browser's Tab goes on from
        page.evaluate("""() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);
                                 document.body.tabIndex = -1; document.body.focus();
                                 document.body.removeAttribute('tabindex'); }""")
        visited = []
        for _ in range(steps):
            page.keyboard.press("Tab")
            focused = page.evaluate(_FOCUSED)
            # round again: the first control has the focus a second time (links differ by their text only)
            if focused is None or (visited and (*focus_key(focused), focused["text"]) ==
                                   (*focus_key(visited[0]), visited[0]["text"])):
                break
            visited.append(focused)
        return visited, page.evaluate(_VISIBLE, f"{scope} :is(a[href], button, input, select, textarea)")

    return walk


def stop_of(control):
    """Where Tab stops: a control (its text tells apart buttons with no name, such as "sign out" and a form's
    submit), or a group of radio buttons (one stop; the arrow keys move within it)."""
    if control.get("type") == "radio":
        return ("input", "", control["name"], "radio")
    return (*focus_key(control), control.get("text", ""))


@pytest.fixture
def keyboard_reaches_every_control(tab_order):
    """keyboard_reaches_every_control(page, scope="form", submit="[type=submit]", steps=60): Tab from the top
    visits every visible, enabled control of `scope` in document order, the submit button among them;
    returns the controls Tab visited (`ring`: whether each showed a focus indicator)."""

    def check(page, scope="form", submit="[type=submit]", steps=60):
        visited, controls = tab_order(page, scope=scope, steps=steps)
        order = [stop_of(v) for v in visited]
        expected = list(dict.fromkeys(stop_of(c) for c in controls))
        assert expected, f"no controls in {scope}"
        assert [key for key in order if key in expected] == expected, (
            f"Tab visits {order}; the controls of {scope} in order are {expected}")
        submits = page.evaluate(_VISIBLE, f"{scope} :is({submit}, button:not([type]))")
        assert submits and all(stop_of(button) in order for button in submits), "Tab never reaches the submit"
        return visited

    return check


@pytest.fixture
def tab_to():
    """tab_to(page, selector, steps=40): presses Tab until the element `selector` names has the focus."""

    def press(page, selector, steps=40):
        for _ in range(steps):
            if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector} in {steps} presses")

    return press
