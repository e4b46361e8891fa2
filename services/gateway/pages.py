"""HTML pages the gateway serves itself (the sign-in page of the authorization code flow), from Jinja2
templates with autoescaping on."""
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from services.gateway import sign_in_words

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))

# The parameters of an authorization request the sign-in page carries from step to step.
OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope",
                "state",  # vocabulary: OAuth's state parameter
                "nonce", "code_challenge", "code_challenge_method",
                "ui_locales")  # OpenID Connect: the languages the sign-in page should speak


def page(template, status=200, headers=None, **context):
    response = Response(_templates.get_template(template).render(**context), status=status,
                        mimetype="text/html", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"  # no clickjacking of the sign-in page
    # Browsers hold the redirect that follows a form's POST to form-action too: the sign-in form's answer
    # sends the person back to the client's redirect URI, so its origin is allowed (identity redirects
    # only to a URI registered for the client, whatever the form carried).
    targets = " ".join(["'self'", *_origin(context.get("params", {}).get("redirect_uri", ""))])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; form-action {targets}")
    return response


def _origin(url):
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and not set(parts.netloc) & set(" ;,'\""):
        return [f"{parts.scheme}://{parts.netloc}"]
    return []


def oauth_params(source):
    return {name: source[name] for name in OAUTH_PARAMS if source.get(name)}


def wants_html(request):
    """A browser's request (it prefers text/html to a problem document); an API client's `*/*` is not."""
    return request.accept_mimetypes.best_match(["application/problem+json", "text/html"]) == "text/html"


def sign_in_page(request, params, status=200, mobile="", code_sent=False, refusal=None, retry_after=None,
                 note=False, sso=None, headers=None, detail=None):
    """The sign-in page in the person's language (ui_locales, else Accept-Language, else Bengali), a refusal
    worded in it from its kind (sign_in_words.WORDS' errors), the field it concerns marked invalid. `detail`:
    OAuth's error code and description of a bad link, for the developer of the app that made it (English,
    marked so, beside the person's words)."""
    asked = params.get("ui_locales") or (request.values.get("ui_locales") or "")
    language = sign_in_words.page_language(asked, request.accept_languages)
    if refusal in sign_in_words.NEW_CODE_NEEDED:
        code_sent = False  # the code on hand is no use: offer a new one
    return page("sign_in.html", status=status, headers=headers, params=params, mobile=mobile, code_sent=code_sent,
                lang=language, t=sign_in_words.WORDS[language], note=note, sso=sso,
                error=sign_in_words.error_words(language, refusal, retry_after) if refusal else None,
                invalid=sign_in_words.FIELD_OF.get(refusal), detail=detail)
