"""Every page the platform serves to a browser, in one list: `make screenshots` saves each at 360 and
1280 px and the screenshot tests check each with axe and for sideways scrolling. Add a page here when
it exists. PAGES are the gateway's; CONSOLE_PAGES the web console's (services/web), each seen by the person
`sign_in` names (None: signed out) in a console the screenshot test fills with a case of each kind."""
import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import urlencode

REDIRECT = "http://127.0.0.1/app/callback"  # the redirect URI the test platform registers (platform_with)


def sign_in_url(base, language=None, state="browser-test"):
    """An authorization request of the code flow with PKCE (S256), as the web console sends one;
    `language` is OpenID Connect's ui_locales."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": "sorasori-web", "redirect_uri": REDIRECT,
              "scope": "openid grievances", "state": state, "code_challenge": challenge,
              "code_challenge_method": "S256", **({"ui_locales": language} if language else {})}
    return f"{base}/oauth/authorize?{urlencode(params)}"


def ask_for_a_code(page):
    page.fill("#mobile", "9830012345")
    page.click("button[value=send_code]")
    page.wait_for_selector("#code")


@dataclass(frozen=True)
class Page:
    name: str                                # the screenshot's file name: docs/screenshots/<name>-<width>.png
    url: Callable[[str], str]                # the page's address, from the gateway's base URL
    ready: str = "body"                      # a selector that shows the page has finished drawing
    then: Optional[Callable] = None          # steps on the page before the picture (a form's second step)
    third_party: bool = False                # drawn by a library we do not style (axe is reported, not enforced)


PAGES = [
    Page("sign-in-bn", lambda base: sign_in_url(base, "bn"), ready="#mobile"),
    Page("sign-in-en", lambda base: sign_in_url(base, "en"), ready="#mobile"),
    Page("sign-in-hi", lambda base: sign_in_url(base, "hi"), ready="#mobile"),
    Page("sign-in-code-sent-bn", lambda base: sign_in_url(base, "bn"), ready="#mobile", then=ask_for_a_code),
    Page("sign-in-bad-link", lambda base: f"{base}/oauth/authorize?client_id=nobody", ready="h1"),
    Page("api-docs", lambda base: f"{base}/api/docs", ready=".swagger-ui .info .title", third_party=True),
]


@dataclass(frozen=True)
class ConsolePage:
    name: str                  # the screenshot's file name: docs/screenshots/<name>-<width>.png
    path: str                  # on the console; {case}: the citizen's routed case, {incomplete}: a phone case
    sign_in: Optional[str]     # who looks: citizen, officer, supervisor, cmo_cell, admin (None: signed out)
    ready: str = "main h1"     # a selector that shows the page has finished drawing
    status: int = 200          # the answer the page comes with (the error pages' 403 and 404)
    full_page: bool = True     # False: the picture is what the window shows (axe still checks the whole page)

    @property
    def citizens(self):
        """A page citizens load (on a phone, often): 360 px wide without sideways scrolling, under 150 KB."""
        return self.sign_in in (None, "citizen")


FILING_STEP_2 = "/file?kind=complaint&category=drinking_water&district=Bankura&go=next"
CONSOLE_PAGES = [
    ConsolePage("console-home-signed-out", "/", None),
    ConsolePage("console-home", "/", "citizen"),
    ConsolePage("console-file-step-1", "/file", "citizen"),
    ConsolePage("console-file-step-2", FILING_STEP_2, "citizen"),
    ConsolePage("console-my-grievances", "/my/grievances", "citizen"),
    ConsolePage("console-case", "/grievances/{case}", "citizen"),
    ConsolePage("console-not-found", "/grievances/WB-2026-NOPE0000", "citizen", status=404),
    ConsolePage("console-forbidden", "/dashboard", "citizen", status=403),
    ConsolePage("console-staff-queue", "/staff/queue", "officer"),
    ConsolePage("console-staff-case", "/staff/cases/{case}", "officer"),
    ConsolePage("console-staff-search", "/staff/search?q=water", "officer"),
    ConsolePage("console-staff-office", "/staff/office", "supervisor"),
    ConsolePage("console-staff-outreach", "/staff/outreach", "cmo_cell"),
    ConsolePage("console-staff-incomplete-case", "/staff/cases/{incomplete}", "cmo_cell"),
    ConsolePage("console-staff-phone-filing", "/staff/file", "cmo_cell"),
    # the whole dashboard is some 23,000 px of charts at 1280 px: the picture is its first screen
    ConsolePage("console-dashboard", "/dashboard", "cmo_cell", full_page=False),
    ConsolePage("console-admin", "/admin", "admin"),
    ConsolePage("console-admin-staff", "/admin/staff", "admin"),
    ConsolePage("console-admin-staff-member", "/admin/staff/off-phe-bankura-l1-1", "admin"),
    ConsolePage("console-admin-accounts", "/admin/accounts", "admin"),
    ConsolePage("console-admin-clients", "/admin/clients", "admin"),
    ConsolePage("console-admin-webhooks", "/admin/webhooks", "admin"),
    ConsolePage("console-admin-dead-letters", "/admin/dead-letters", "admin"),
    ConsolePage("console-admin-audit", "/admin/audit", "admin"),
]
