"""Templates per message, channel and language (Jinja2, in templates/<language>.yaml), falling back to
English where a language lacks one; and the values a grievance event gives them. Plain text: nothing is
HTML-escaped, and an undefined value is an error, not an empty string."""
from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined

from services.notification.domain.recipients import EMAIL, INBOX, LANGUAGES, SMS
from shared.catalog import names
from shared.contracts import ROUTING_DECISIONS
from shared.contracts.events import CaseEventData, RoutingDecisionData
from shared.vocabulary import SpecialCloseReason

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


# Why a case was special-closed, in plain words short enough for an SMS (templates pick their language's).
SPECIAL_CLOSE_WORDS = {
    SpecialCloseReason.OUTSIDE_STATE_JURISDICTION: {
        "en": "it is outside the state's powers", "bn": "এটি রাজ্যের এক্তিয়ারের বাইরে",
        "hi": "यह राज्य के अधिकार से बाहर है"},
    SpecialCloseReason.SUB_JUDICE: {
        "en": "the matter is before a court", "bn": "বিষয়টি আদালতে বিচারাধীন", "hi": "मामला अदालत में है"},
    SpecialCloseReason.POLICY_DECISION: {
        "en": "it asks for a change of policy", "bn": "এটি নীতি বদলের দাবি", "hi": "यह नीति बदलने की माँग है"},
    SpecialCloseReason.DUPLICATE_ELSEWHERE: {
        "en": "another forum already has it", "bn": "অন্য এক জায়গায় এটি আগেই চলছে",
        "hi": "यह पहले से कहीं और चल रही है"},
    SpecialCloseReason.NOT_ACTIONABLE: {
        "en": "no office can act on it", "bn": "কোনো দপ্তর এতে কিছু করতে পারে না",
        "hi": "कोई कार्यालय इस पर कुछ नहीं कर सकता"},
}
NO_WORDS = {language: "" for language in LANGUAGES}


def values(event: dict, console_url: str = "") -> dict:
    """What a grievance event tells the templates. Its data was loaded through its contract
    (shared.contracts): intake's events carry the case, routing's carry its decision. `console_url`: the web
    console's public address (the case page the citizen's messages link to)."""
    if event["type"] in ROUTING_DECISIONS:
        found = _decision_values(event["data"])
    else:
        found = _case_values(event["data"])
    found["case_url"] = f"{console_url.rstrip('/')}/grievances/{found['tracking_id']}" if console_url else ""
    return found


def department_names(code):
    """The department's name in every language (its code where the catalogue does not know it)."""
    return names()["departments"].get(code) or {language: code or "" for language in LANGUAGES}


def _case_values(data: CaseEventData) -> dict:
    case = data["case"]
    rejection = case.get("rejection")
    return {
        "tracking_id": case["tracking_id"],
        "subject": case["subject"],
        "name": case["complainant"].get("name") or "",
        "status": case["status"],
        "missing": case.get("missing", []),
        "question": data.get("question", ""),
        "resolution": case.get("resolution") or "",
        "explanation": rejection["explanation"] if rejection else "",
        "level": case["level"],
        "category": case.get("category") or "",
        # a transfer names the office the case goes to; the case still names the one it leaves
        "department": data.get("department", case.get("department")) or "",
        "district": case["place"].get("district") or "",
        "officer_name": "",
        "reason": (data.get("reason") or "").rstrip("."),
        "deadline": _deadline(case.get("sla_deadline")),
        "department_name": department_names(data.get("department", case.get("department"))),
        "note": data.get("text", "") if "visibility" in data else "",  # an officer's public note
        "special_reason": SPECIAL_CLOSE_WORDS.get((case.get("special_close") or {}).get("reason"), NO_WORDS),
    }


def _decision_values(decision: RoutingDecisionData) -> dict:
    return {
        "tracking_id": decision["tracking_id"], "subject": "", "name": "", "status": "", "missing": [],
        "question": "", "resolution": "", "explanation": "",
        "level": decision["level"],
        "category": decision["category"] or "",
        "department": decision["department"],
        "district": decision["district"] or "",
        "officer_name": decision["officer_name"] or "",
        "reason": decision["reason"].rstrip("."),
        "deadline": _deadline(decision["deadline"]),
        "department_name": department_names(decision["department"]), "note": "", "special_reason": NO_WORDS,
    }


def scope(event: dict) -> dict:
    """The office an event concerns: whose staff may read its delivery records."""
    data = event["data"]
    if event["type"] in ROUTING_DECISIONS:
        return {"department": data["department"], "district": data["district"]}
    case = data["case"]
    return {"department": case.get("department"), "district": case["place"].get("district")}


def _deadline(value: str | None) -> str:
    return value[:16].replace("T", " ") + " UTC" if value else "not set"
