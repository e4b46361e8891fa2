"""Templates per message, channel and language (Jinja2, in templates/<language>.yaml), falling back to
English where a language lacks one; and the values a grievance event gives them. Plain text: nothing is
HTML-escaped, and an undefined value is an error, not an empty string."""
from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined

from services.notification.domain.recipients import EMAIL, INBOX, LANGUAGES, SMS

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
FALLBACK = "en"
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class MissingTemplate(KeyError):
    pass


@lru_cache(maxsize=None)
def _catalogue(language):
    path = TEMPLATE_DIR / f"{language}.yaml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@lru_cache(maxsize=None)
def _compiled(language, name, part):
    source = (_catalogue(language).get(name) or {}).get(part)
    return None if source is None else _env.from_string(source)


def _template(language, name, part):
    """(template, the language it is in): the language's own, else English."""
    for candidate in (language, FALLBACK):
        template = _compiled(candidate, name, part)
        if template is not None:
            return template, candidate
    raise MissingTemplate(f"{name}.{part}")


def render(name, channel, language, values):
    """The message for one channel: {"text", "language"} and, for email, "subject"."""
    language = language if language in LANGUAGES else FALLBACK
    if channel == EMAIL:
        body, used = _template(language, name, "email")
        subject, _ = _template(used, name, "email_subject")
        return {"subject": subject.render(values).strip(), "text": body.render(values).strip() + "\n",
                "language": used}
    if channel in (SMS, INBOX):
        template, used = _template(language, name, channel)
        return {"text": " ".join(template.render(values).split()), "language": used}
    raise MissingTemplate(f"{name}.{channel}")


def template_names():
    return sorted(_catalogue(FALLBACK))


def values(event):
    """What a grievance event tells the templates. Intake's events carry `data.case`; routing's carry the
    assignment itself."""
    data = event.get("data") or {}
    case = data.get("case") or {}
    person = case.get("complainant") or {}
    deadline = data.get("deadline") or case.get("sla_deadline")
    return {
        "tracking_id": case.get("tracking_id") or data.get("tracking_id") or event.get("subject") or "",
        "subject": case.get("subject") or data.get("subject") or "",
        "name": person.get("name") or "",
        "status": case.get("status") or "",
        "missing": case.get("missing") or [],
        "question": data.get("question") or "",
        "resolution": case.get("resolution") or data.get("resolution") or "",
        "explanation": data.get("explanation") or (case.get("rejection") or {}).get("explanation") or "",
        "level": data.get("level") or case.get("level") or 1,
        "category": data.get("category") or case.get("category") or "",
        "department": data.get("department") or case.get("department") or "",
        "district": data.get("district") or (case.get("place") or {}).get("district") or "",
        "officer_name": data.get("officer_name") or "",
        "reason": (data.get("reason") or "").rstrip("."),
        "deadline": str(deadline)[:16].replace("T", " ") + " UTC" if deadline else "not set",
    }
