"""HTML pages the gateway serves itself (the sign-in page of the authorization code flow), from Jinja2
templates with autoescaping on."""
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))

# The parameters of an authorization request the sign-in page carries from step to step.
OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope",
                "state",  # vocabulary: OAuth's state parameter
                "nonce", "code_challenge", "code_challenge_method",
                "ui_locales")  # OpenID Connect: the languages the sign-in page should speak


def page(template, status=200, **context):
    response = Response(_templates.get_template(template).render(**context), status=status,
                        mimetype="text/html")
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
