"""The sign-in page's CSP: its form may lead only to the gateway itself and to the origin of the client's
redirect URI (browsers hold the redirect after the form's POST to form-action too). Its language:
ui_locales, else Accept-Language, else Bengali."""
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.pages import sign_in_page
from services.gateway.sign_in_words import page_language, refusal_of


def request(accept_language=None):
    return Request(EnvironBuilder(headers={"Accept-Language": accept_language} if accept_language else {})
                   .get_environ())


def policy(**params):
    return sign_in_page(request(), params).headers["Content-Security-Policy"]


def test_the_form_may_lead_back_to_the_redirect_uris_origin_only():
    assert policy(redirect_uri="https://console.example.gov.in/auth/callback?x=1").endswith(
        "form-action 'self' https://console.example.gov.in")
    assert policy(redirect_uri="http://127.0.0.1:8080/app/callback").endswith(
        "form-action 'self' http://127.0.0.1:8080")


def test_no_redirect_uri_or_a_strange_one_leaves_self_alone():
    for uri in (None, "", "javascript:alert(1)", "data:text/html,x", "/relative",
                "https://a.example;script-src *", "https://a.example' 'unsafe-inline"):
        assert policy(**({"redirect_uri": uri} if uri is not None else {})).endswith("form-action 'self'"), uri


def test_the_page_speaks_the_first_language_it_knows_from_ui_locales_else_accept_language_else_bengali():
    html = sign_in_page(request("en"), {"ui_locales": "fr hi bn"}).get_data(as_text=True)
    assert '<html lang="hi">' in html and "मोबाइल नंबर" in html and "মোবাইল" not in html
    default = sign_in_page(request(), {"client_id": "sorasori-web"}).get_data(as_text=True)
    assert '<html lang="bn">' in default and "মোবাইল নম্বর" in default and "Mobile" not in default
    assert page_language(None, request("fr-FR,hi-IN;q=0.8,en;q=0.5").accept_languages) == "hi"
    assert page_language("", request("fr").accept_languages) == "bn"


def test_a_refusal_is_worded_from_its_kind_and_marks_its_field():
    assert refusal_of(400, "expired_code") == "expired_code" and refusal_of(429) == "too_many_codes"
    assert refusal_of(400) == "bad_mobile" and refusal_of(503) == "failed"
    assert refusal_of(400, "something identity may add") == "failed" and refusal_of(400, "") == "failed"
    html = sign_in_page(request(), {"ui_locales": "hi", "client_id": "x"}, status=400, mobile="12", refusal="bad_mobile") \
        .get_data(as_text=True)
    assert 'role="alert" id="sign-in-error">10 अंकों का मोबाइल नंबर लिखें।' in html
    assert 'aria-invalid="true" aria-describedby="sign-in-error"' in html
    expired = sign_in_page(request(), {"client_id": "x"}, status=400, code_sent=True, refusal="expired_code") \
        .get_data(as_text=True)
    assert 'value="send_code"' in expired and 'id="code"' not in expired  # a new code is offered
    waited = sign_in_page(request(), {}, status=429, refusal="rate_limited", retry_after=130).get_data(as_text=True)
    assert "৩ মিনিট" in waited  # 130 s: 3 minutes, in Bengali digits
    bad_link = sign_in_page(request(), {}, status=400, refusal="bad_link", detail="invalid_client: x").get_data(as_text=True)
    assert "<form" not in bad_link and '<code lang="en">invalid_client: x</code>' in bad_link
