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
                "nonce", "code_challenge", "code_challenge_method")


def page(template, status=200, **context):
    response = Response(_templates.get_template(template).render(**context), status=status,
                        mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"  # no clickjacking of the sign-in page
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    return response


def oauth_params(source):
    return {name: source[name] for name in OAUTH_PARAMS if source.get(name)}
