"""Rules applied when a grievance arrives: what is missing, whether it repeats one just filed, how urgent."""
import hashlib
import re
import unicodedata
from datetime import timedelta

from shared.catalog import is_urgent

DUPLICATE_WINDOW = timedelta(hours=24)
# A filing claims its repeat key (naming the tracking ID it will use) before it inserts the case. A claim
# whose case has not appeared after this long belongs to a filing that died: the next one may take it over.
CLAIM_TAKEOVER_AFTER = timedelta(seconds=5)
DUPLICATE, WAIT, TAKE_OVER = "duplicate", "wait", "take_over"

# Without these facts the cell cannot act: the case is accepted as `incomplete` and the cell calls.
MANDATORY_FACTS = ("description", "place.district", "complainant.mobile")
MIN_DESCRIPTION_CHARS = 15


def missing_facts(grievance):
    missing = []
    if len((grievance.get("description") or "").strip()) < MIN_DESCRIPTION_CHARS:
        missing.append("description")
    if not (grievance.get("place") or {}).get("district"):
        missing.append("place.district")
    if not (grievance.get("complainant") or {}).get("mobile"):
        missing.append("complainant.mobile")
    return missing


def normalise_text(text):
    """Case, spacing and punctuation do not make a complaint new."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def duplicate_key(mobile, subject, description):
    """Same complainant, same words: the key under which a repeat submission finds the first case."""
    material = "\x1f".join([mobile or "", normalise_text(subject), normalise_text(description)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def repeat_claim_verdict(claim, case_exists, now):
    """What a filing does on finding the repeat key claimed: answer the claimed case as a duplicate, wait
    for the filing that claimed it to insert its case, or take the claim over (stale or abandoned)."""
    if claim["at"] < now - DUPLICATE_WINDOW:
        return TAKE_OVER
    if case_exists:
        return DUPLICATE
    if claim["at"] <= now - CLAIM_TAKEOVER_AFTER:
        return TAKE_OVER
    return WAIT


def filing_month_key(mobile, when):
    """The counter a per-mobile monthly filing limit is kept in; the number itself is not stored."""
    digest = hashlib.sha256(f"filings\x1f{mobile}".encode()).hexdigest()[:32]
    return f"{digest}:{when:%Y-%m}"


def urgent(category):
    return is_urgent(category)
