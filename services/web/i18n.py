"""The console's words in Bengali (the default), English and Hindi, from YAML catalogues (one per language,
the same keys in each: tests/unit/test_web_i18n.py), and dates and numbers in the person's language
(Babel's CLDR data; Bengali with Bengali digits)."""
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("bn", "en", "hi")
DEFAULT = "bn"
NAMES = {"bn": "বাংলা", "en": "English", "hi": "हिन्दी"}  # each in its own script, for the switch
LOCALES = {"bn": "bn_IN", "en": "en_IN", "hi": "hi_IN"}
TIMEZONE = "Asia/Kolkata"
_BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
_CATALOGUES = Path(__file__).parent / "translations"


@lru_cache(maxsize=None)
def catalogue(language):
    """`<language>.yaml`, then each area's own `<area>/<language>.yaml` (kept apart so areas merge simply)."""
    words = yaml.safe_load((_CATALOGUES / f"{language}.yaml").read_text(encoding="utf-8"))
    for area in sorted(_CATALOGUES.glob(f"*/{language}.yaml")):
        words.update(yaml.safe_load(area.read_text(encoding="utf-8")) or {})
    return words


def language_of(value):
    return value if value in LANGUAGES else DEFAULT


class Translator:
    """`t("key", name=...)` says a key's words in one language; a key missing there falls back to English,
    then to the key itself (so a missing word shows, never breaks a page)."""

    def __init__(self, language):
        self.language = language_of(language)
        self.locale = LOCALES[self.language]

    def __call__(self, key, **values):
        text = catalogue(self.language).get(key)
        if text is None:
            text = catalogue("en").get(key, key)
        return text.format(**values) if values else text  # Jinja escapes the result

    def has(self, key):
        return key in catalogue(self.language) or key in catalogue("en")

    def digits(self, text):
        return str(text).translate(_BENGALI_DIGITS) if self.language == "bn" else str(text)

    def number(self, value):
        return self.digits(format_decimal(value, locale=self.locale))

    def date(self, value, style="medium"):
        """A date or a moment (a datetime, or the API's ISO 8601 text) in the person's language, India time."""
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if hasattr(value, "hour"):
            return self.digits(format_datetime(value, style, tzinfo=TIMEZONE, locale=self.locale))
        return self.digits(format_date(value, style, locale=self.locale))
