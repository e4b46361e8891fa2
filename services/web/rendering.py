"""Pages from Jinja2 templates (autoescape on) in the person's language, with the headers every answer of
the console carries: CSP `default-src 'self'` (no script or style from anywhere else, none inline), no
framing, no MIME sniffing, no referrer leaving the site, and no caching of pages that may hold personal data."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from services.web.i18n import LANGUAGES, NAMES, Translator
from services.web.navigation import links_for

TEMPLATES = Path(__file__).parent / "templates"
environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True,
                          lstrip_blocks=True)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self' {issuer}; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def secure(response, issuer=""):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value.format(issuer=issuer).replace("  ", " "))
    return response


def render(template, language, status=200, **context):
    """A page: `t` (the words), `languages` for the switch and whatever the route gives."""
    t = Translator(language)
    context.setdefault("user", None)
    context.setdefault("csrf_token", "")
    context.setdefault("here", "/")
    context.setdefault("unavailable", [])
    html = environment.get_template(template).render(t=t, language=t.language, languages=LANGUAGES,
                                                     language_names=NAMES, nav=links_for(context["user"]),
                                                     **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = t.language
    return response


def error_page(status, language, part=None, **context):
    """403, 404, 500 and 503 in plain words; `part` names what is unavailable (a 503)."""
    return render("error.html", language, status=status, code=status, part=part, **context)
