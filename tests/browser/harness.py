"""The harness's plain helpers and settings (the fixtures that use them are in conftest.py)."""
import os
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# as root Chromium needs --no-sandbox; without the background-networking flags it keeps trying to reach
# Google's hosts, which this closed network refuses
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--font-render-hinting=none"]
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
# `make screenshots` sets it to docs/screenshots; any other run writes its pictures to a temporary folder,
# so running the tests never rewrites the committed ones
SCREENSHOT_DIR = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
MOBILE, DESKTOP = 360, 1280
WIDTHS = (MOBILE, DESKTOP)
HEIGHT = {MOBILE: 740, DESKTOP: 900}
SERIOUS = ("serious", "critical")


def serious(violations):
    return [v for v in violations if v["impact"] in SERIOUS]


def describe(violations):
    """One line per violation and node, for an assertion message."""
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {node['target']}: {node['failureSummary']}"
                     for v in violations for node in v["nodes"])


def overflows_horizontally(page):
    """True when the page is wider than the viewport (a phone would scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")


def focus_key(element):
    return (element["tag"], element["id"], element["name"], element["value"])


def rendered_fonts(page, selector):
    """The fonts Chromium actually drew the text of `selector` with ({family: glyph count}), from the
    DevTools protocol: a script with no font on the machine comes out in a fallback's boxes (tofu)."""
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        session.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def wait_for(found, page, seconds=15, why=lambda: ""):
    """Polls `found()` while the page works (Playwright's expect_navigation hangs under eventlet's hub)."""
    for _ in range(seconds * 10):
        if result := found():
            return result
        page.wait_for_timeout(100)
    raise AssertionError(f"not within {seconds} s: {why()}")
