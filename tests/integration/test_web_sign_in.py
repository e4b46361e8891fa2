"""The web console signs people in as a confidential backend-for-frontend (code flow with PKCE through the
gateway), keeps the tokens on the server and gives the browser only a session cookie."""
from tests.integration.console import console, console_with, csrf_of  # noqa: F401 (fixtures)

MOBILE = "9830011122"


def test_sign_in_with_pkce_end_to_end_gives_an_httponly_lax_session_cookie(console):
    browser = console.browser()
    landed = console.sign_in(browser, MOBILE, start="/my/grievances")
    assert landed.status_code == 303 and landed.headers["Location"] == "/my/grievances"
    cookie = landed.headers["Set-Cookie"]
    assert "sorasori_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over http; production: tests below
    assert "access_token" not in landed.text and "eyJ" not in cookie  # no token reaches the browser

    mine = console.get(browser, "/my/grievances")
    assert mine.status_code == 200, mine.text
    assert mine.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert 'lang="bn"' in mine.text and "আমার অভিযোগ" in mine.text  # Bengali by default
    assert MOBILE not in mine.text
