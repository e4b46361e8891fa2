"""HTML pages the gateway serves itself (the sign-in page of the authorization code flow), from Jinja2
templates with autoescaping on."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))

# The parameters of an authorization request the sign-in page carries from step to step.
OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope",
                "state",  # vocabulary: OAuth's state parameter
                "nonce", "code_challenge", "code_challenge_method", "ui_locales")

# The sign-in page's words: in the language the client asks for with OpenID Connect's `ui_locales` (the
# first of bn, en, hi it names), else Bengali and English side by side.
SIGN_IN_WORDS = {
    None: {"lang": "bn", "title": "Sorasori: sign in / সাইন ইন", "heading": "Sorasori: sign in",
           "mobile": "Mobile number / মোবাইল নম্বর", "code": "Code from the SMS / এসএমএস-এর কোড",
           "sign_in": "Sign in / সাইন ইন", "send_code": "Send code / কোড পাঠান", "cancel": "Cancel / বাতিল",
           "sent": "We sent a code by SMS. / এসএমএস-এ কোড পাঠানো হয়েছে।",
           "sso": "Officers: sign in with the state single sign-on / রাজ্য SSO দিয়ে সাইন ইন"},
    "bn": {"lang": "bn", "title": "সাইন ইন", "heading": "সাইন ইন", "mobile": "মোবাইল নম্বর",
           "code": "এসএমএস-এ পাওয়া কোড", "sign_in": "সাইন ইন", "send_code": "কোড পাঠান", "cancel": "বাতিল",
           "sent": "এসএমএস-এ কোড পাঠানো হয়েছে।", "sso": "আধিকারিকরা: রাজ্য SSO দিয়ে সাইন ইন করুন"},
    "en": {"lang": "en", "title": "Sign in", "heading": "Sign in", "mobile": "Mobile number",
           "code": "Code from the SMS", "sign_in": "Sign in", "send_code": "Send code", "cancel": "Cancel",
           "sent": "We sent a code by SMS.", "sso": "Officers: sign in with the state single sign-on"},
    "hi": {"lang": "hi", "title": "साइन इन", "heading": "साइन इन", "mobile": "मोबाइल नंबर",
           "code": "एसएमएस में मिला कोड", "sign_in": "साइन इन", "send_code": "कोड भेजें", "cancel": "रद्द करें",
           "sent": "एसएमएस से कोड भेजा गया है।", "sso": "अधिकारी: राज्य SSO से साइन इन करें"},
}


def sign_in_words(params):
    for tag in (params.get("ui_locales") or "").split():
        language = tag.split("-")[0].lower()
        if language in SIGN_IN_WORDS:
            return SIGN_IN_WORDS[language]
    return SIGN_IN_WORDS[None]


def page(template, status=200, **context):
    context.setdefault("words", sign_in_words(context.get("params") or {}))
    response = Response(_templates.get_template(template).render(**context), status=status,
                        mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"  # no clickjacking of the sign-in page
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    return response


def oauth_params(source):
    return {name: source[name] for name in OAUTH_PARAMS if source.get(name)}
