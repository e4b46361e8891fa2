"""Every page the platform serves to a browser, in one list: `make screenshots` saves each at 360 and
1280 px and the screenshot test checks each with axe and for sideways scrolling. Add a page here when
it exists (the web console's pages: services/web)."""
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
