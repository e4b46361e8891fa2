"""The sign-in page's CSP: its form may lead only to the gateway itself and to the origin of the client's
redirect URI (browsers hold the redirect after the form's POST to form-action too)."""
from services.gateway.pages import page


def policy(**params):
    return page("sign_in.html", params=params, mobile="", code_sent=False, error=None, note=None,
                sso=None).headers["Content-Security-Policy"]


def test_the_form_may_lead_back_to_the_redirect_uris_origin_only():
    assert policy(redirect_uri="https://console.example.gov.in/auth/callback?x=1").endswith(
        "form-action 'self' https://console.example.gov.in")
    assert policy(redirect_uri="http://127.0.0.1:8080/app/callback").endswith(
        "form-action 'self' http://127.0.0.1:8080")


def test_no_redirect_uri_or_a_strange_one_leaves_self_alone():
    for uri in (None, "", "javascript:alert(1)", "data:text/html,x", "/relative",
                "https://a.example;script-src *", "https://a.example' 'unsafe-inline"):
        assert policy(**({"redirect_uri": uri} if uri is not None else {})).endswith("form-action 'self'"), uri


def test_the_page_speaks_the_first_language_it_knows_from_ui_locales():
    html = page("sign_in.html", params={"ui_locales": "fr hi bn"}, mobile="", code_sent=False, error=None,
                note=None, sso=None).get_data(as_text=True)
    assert '<html lang="hi">' in html and "मोबाइल नंबर" in html and "মোবাইল" not in html
    default = page("sign_in.html", params={}, mobile="", code_sent=False, error=None, note=None,
                   sso=None).get_data(as_text=True)
    assert '<html lang="en">' in default and 'Mobile number / <span lang="bn">মোবাইল নম্বর</span>' in default
