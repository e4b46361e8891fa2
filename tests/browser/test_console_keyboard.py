"""The web console with the keyboard alone, in a real Chromium on the real stack: on every console page with
a form, Tab from the top reaches every visible, enabled control of its forms in document order, each with a
visible focus indicator of at least 3:1 against its background; each kind of staff form is filled and submitted with keys only (typing, Tab,
Enter or Space, no click); a refused form ties its error to the field and announces it."""
from playwright.sync_api import Error as PageError

from shared.signed_rpc import SignedClusterRpcProxy
from tests.browser import console_scene, harness
from tests.browser.console_steps import new_page, sign_in, status_of
from tests.browser.pages import CONSOLE_PAGES

FORM_CONTROLS = "main form"
TAB_STEPS = 250  # enough for the longest page's links and controls
FOCUS_CONTRAST = 3  # WCAG 2.1 AA, 1.4.11: a focus indicator against what is around it


def test_tab_reaches_every_form_control_of_every_console_page_with_a_visible_focus(
        console, browser, tab_order, keyboard_reaches_every_control):
    placeholders = console_scene.fill(console)
    pages, checked, problems = {}, [], []
    for shown in CONSOLE_PAGES:
        if shown.sign_in not in pages:
            pages[shown.sign_in] = new_page(browser, console, None if shown.citizens else "en")
            if shown.sign_in:
                sign_in(pages[shown.sign_in], console, console_scene.MOBILES[shown.sign_in])
        page = pages[shown.sign_in]
        page.goto(console.base + shown.path.format(**placeholders))
        page.wait_for_selector(shown.ready)
        if not page.query_selector(FORM_CONTROLS):
            continue
        try:
            keyboard_reaches_every_control(page, scope=FORM_CONTROLS, steps=TAB_STEPS)
        except AssertionError as missed:
            problems.append(f"{shown.name}: {missed}")
        visited, _ = tab_order(page, steps=TAB_STEPS)
        unringed = [f"{v['tag']}#{v['id']}[{v['name']}] {v['text']!r}" for v in visited if not v["ring"]]
        if unringed:
            problems.append(f"{shown.name}: no visible focus on {unringed}")
        faint = sorted({f"{v['tag']} {v['text']!r} {v['ringContrast']:.1f}:1" for v in visited
                        if v["ring"] and v["ringContrast"] < FOCUS_CONTRAST})
        if faint:
            problems.append(f"{shown.name}: a focus ring under {FOCUS_CONTRAST}:1 against its background on {faint}")
        checked.append(shown.name)
    for page in pages.values():
        page.context.close()
    print(f"keyboard checked on {len(checked)} pages with forms: {', '.join(checked)}")
    assert problems == [], "\n".join(problems)
    assert "console-staff-office" in checked and len(checked) >= 12, checked


def wait_for(found, page, seconds=20, why=lambda: ""):
    """harness.wait_for, a check that runs into the page's navigation counting as not yet."""
    def settled():
        try:
            return found()
        except PageError:
            return None
    return harness.wait_for(settled, page, seconds, lambda: settled_why(why))


def settled_why(why):
    try:
        return why()
    except PageError as navigating:
        return str(navigating)


def mark(page):
    """Marks the document shown now, so that `replaced(page)` tells when another one has loaded."""
    page.evaluate("() => { window.shownBefore = true; }")


def replaced(page):
    return page.evaluate("() => !window.shownBefore && document.readyState === 'complete'")


def type_into(page, tab_to, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def press_on(page, tab_to, selector, key="Enter"):
    tab_to(page, selector)
    page.keyboard.press(key)


def choose_by_keyboard(page, tab_to, selector, value):
    """Arrow keys on a focused (closed) select move its choice, as a person without a mouse does it."""
    tab_to(page, selector)
    for _ in range(20):
        if page.input_value(selector) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} is not among {selector}'s options")


def announced_error_of(page, field):
    """The refused field's error: it is marked invalid, described by a text on the page, and the refusal is
    announced (an alert, or the focus moved onto the field or its error)."""
    control = page.query_selector(field)
    assert control.get_attribute("aria-invalid") == "true", page.inner_html("main")[:2000]
    described = [page.query_selector(f"#{i}") for i in (control.get_attribute("aria-describedby") or "").split()]
    assert described and all(described), control.get_attribute("aria-describedby")
    alerts = [a.inner_text() for a in page.query_selector_all("main [role=alert]") if a.inner_text().strip()]
    focused = page.evaluate("s => document.activeElement === document.querySelector(s)", field)
    assert alerts or focused, "the refusal is not announced"
    return " ".join(d.inner_text() for d in described)


def officers_of(console, case):
    with SignedClusterRpcProxy(console.config, issuer="test") as cluster:
        pool = cluster.routing.directory(case["department"], case["place"]["district"])
    return [o["id"] for o in pool if o["level"] == case["level"]]


def test_every_kind_of_staff_form_with_the_keyboard_alone(console, console_page, tab_to):
    placeholders = console_scene.fill(console)
    tracking_id, incomplete = placeholders["case"], placeholders["incomplete"]
    case_form = 'section[aria-labelledby=h-{}] button[type=submit]'

    # an officer's action on the case page, then a refused one
    officer = console_page(console, "en")
    sign_in(officer, console, console_scene.MOBILES["officer"])
    officer.goto(f"{console.base}/staff/cases/{tracking_id}")
    type_into(officer, tab_to, "#acknowledge-note", "Seen; visiting tomorrow")
    press_on(officer, tab_to, case_form.format("acknowledge"))
    wait_for(lambda: status_of(officer) == "Seen by the officer" and officer.query_selector("#request_info-question"),
             officer, why=lambda: officer.inner_text("main")[:400])
    type_into(officer, tab_to, "#request_info-question", "   ")  # required, but blank to the API
    press_on(officer, tab_to, case_form.format("request_info"))
    wait_for(lambda: officer.query_selector("#request_info-question[aria-invalid]"), officer,
             why=lambda: officer.inner_text("main")[:400])
    assert announced_error_of(officer, "#request_info-question")
    assert console.gateway.case(tracking_id)["status"] == "acknowledged"

    # search with a facet: the query typed, then a facet's link followed with Enter
    officer.goto(f"{console.base}/staff/search")
    type_into(officer, tab_to, "#q", "নলকূপ")
    officer.keyboard.press("Enter")
    facet = '.facets a[href*="district=Bankura"]'  # (the status facet may lag the index behind the case)
    wait_for(lambda: officer.query_selector(facet), officer, seconds=30, why=lambda: officer.inner_text("main")[:400])
    press_on(officer, tab_to, facet)
    wait_for(lambda: "district=Bankura" in officer.url and officer.query_selector(
        f'main .cases a[href="/staff/cases/{tracking_id}"]'), officer, why=lambda: officer.url)

    # reassignment on the supervisor's office page
    case = console.gateway.case(tracking_id)
    other = next(o for o in officers_of(console, case) if o != case["officer_id"])
    supervisor = console_page(console, "en")
    sign_in(supervisor, console, console_scene.MOBILES["supervisor"])
    supervisor.goto(f"{console.base}/staff/office")
    supervisor.wait_for_selector("main h1")
    type_into(supervisor, tab_to, "#reassign-tracking_id", "not/a case")  # refused: announced, tied to the field
    choose_by_keyboard(supervisor, tab_to, "#reassign-officer_id", other)
    type_into(supervisor, tab_to, "#reassign-reason", "Evening visits suit the other officer")
    press_on(supervisor, tab_to, "form[aria-labelledby=h-reassign] button[type=submit]")
    wait_for(lambda: supervisor.query_selector("#reassign-tracking_id[aria-invalid]"), supervisor,
             why=lambda: supervisor.inner_text("main")[:400])
    assert announced_error_of(supervisor, "#reassign-tracking_id")
    assert supervisor.input_value("#reassign-reason") == "Evening visits suit the other officer"
    tab_to(supervisor, "#reassign-tracking_id")
    supervisor.keyboard.press("Control+A")
    supervisor.keyboard.type(tracking_id)
    choose_by_keyboard(supervisor, tab_to, "#reassign-officer_id", other)
    press_on(supervisor, tab_to, "form[aria-labelledby=h-reassign] button[type=submit]")
    wait_for(lambda: console.gateway.case(tracking_id).get("officer_id") == other, supervisor,
             why=lambda: supervisor.inner_text("main")[:400])
    wait_for(lambda: supervisor.url.startswith(f"{console.base}/staff/office"), supervisor, why=lambda: supervisor.url)

    # the call centre: one call's outcome on the worklist (Space), then edit on behalf with consent
    cell = console_page(console, "en")
    sign_in(cell, console, console_scene.MOBILES["cmo_cell"])
    calls = f'form[action="/staff/cases/{incomplete}/actions"]'

    def listed():
        cell.goto(console.base + "/staff/outreach")
        return cell.query_selector(calls)
    wait_for(listed, cell, seconds=30, why=lambda: "the incomplete case on the worklist")
    mark(cell)
    press_on(cell, tab_to, f"{calls} button[value=no_answer]", "Space")
    wait_for(lambda: console.gateway.case(incomplete).get("contact_attempts") == 1 and replaced(cell)
             and cell.url.endswith("/staff/outreach"), cell, why=lambda: cell.url)
    cell.goto(f"{console.base}/staff/cases/{incomplete}")
    type_into(cell, tab_to, "#edit_on_behalf-description", "The only tube well of the para is broken.")
    type_into(cell, tab_to, "#edit_on_behalf-mobile", "9830077702")
    choose_by_keyboard(cell, tab_to, "#edit_on_behalf-consent", "verbal_on_call")
    press_on(cell, tab_to, case_form.format("edit_on_behalf"))
    wait_for(lambda: console.gateway.case(incomplete)["status"] != "incomplete", cell,
             why=lambda: cell.inner_text("main")[:400])
    assert console.gateway.case(incomplete)["versions"][-1]["consent"] == "verbal_on_call"

    # an administrator's form: refused first (the field's error announced, nothing typed lost), then saved
    admin = console_page(console, "en")
    sign_in(admin, console, console_scene.MOBILES["admin"])
    admin.goto(f"{console.base}/admin/accounts")
    type_into(admin, tab_to, "#sub", "officer-keyboard-1")
    type_into(admin, tab_to, "#name", "Keya Bose")
    type_into(admin, tab_to, "#mobile", "12345")
    choose_by_keyboard(admin, tab_to, "#role", "officer")
    type_into(admin, tab_to, "#department", case["department"])
    type_into(admin, tab_to, "#districts", case["place"]["district"])
    press_on(admin, tab_to, "form[action='/admin/accounts'] button[type=submit]")
    wait_for(lambda: admin.query_selector("#mobile[aria-invalid]"), admin, why=lambda: admin.inner_text("main")[:600])
    assert announced_error_of(admin, "#mobile")
    assert admin.input_value("#name") == "Keya Bose"
    tab_to(admin, "#mobile")
    admin.keyboard.press("Control+A")
    admin.keyboard.type("7000000399")
    press_on(admin, tab_to, "form[action='/admin/accounts'] button[type=submit]")
    wait_for(lambda: "saved=1" in admin.url, admin, why=lambda: admin.inner_text("main")[:600])
    assert "officer-keyboard-1" in admin.inner_text("main")
