"""What citizens write, in Bengali, English, Hindi and Bengali typed in Latin letters, built around the
catalogue's own keywords for each category (so routing's keyword guess and search both meet real words)."""
import re

from shared.catalog import categories

LANGUAGES = {"bn": 0.48, "en": 0.2, "hi": 0.08, "bn_latin": 0.24}

SUBJECTS = {
    "bn": ["{issue} সমস্যা", "{place}-এ {issue}", "{issue} — দ্রুত ব্যবস্থা চাই"],
    "en": ["{issue} problem", "{issue} in {place}", "No action on {issue}"],
    "hi": ["{issue} की समस्या", "{place} में {issue}", "{issue} पर कार्रवाई नहीं"],
    "bn_latin": ["{issue} somossa", "{place} e {issue}", "{issue} niye kono kaj hoyni"],
}
DESCRIPTIONS = {
    "bn": ["{place}-এ {days} দিন ধরে {issue}। বহুবার জানিয়েও কোনো কাজ হয়নি। দয়া করে ব্যবস্থা নিন।",
           "আমাদের গ্রামে {issue}। পঞ্চায়েতে জানিয়েছি, {days} দিন পেরিয়ে গেছে।"],
    "en": ["{issue} in {place} for {days} days. We complained many times and nothing was done. Please help.",
           "Our area has {issue} since {days} days; the local office did not respond."],
    "hi": ["{place} में {days} दिनों से {issue}। कई बार शिकायत की, कोई कार्रवाई नहीं हुई। कृपया मदद करें।",
           "हमारे गाँव में {issue} है। {days} दिन हो गए, कोई सुनवाई नहीं।"],
    "bn_latin": ["{place} e {days} din dhore {issue}. onek bar janiyechi kintu kono kaj hoyni. doya kore dekhun.",
                 "amader grame {issue}. {days} din hoye gelo, keu kichu korche na."],
}
GENERIC_ISSUE = {"bn": "সমস্যা", "en": "a problem", "hi": "समस्या", "bn_latin": "somossa"}
FEEDBACK = {"bn": "খুব ভালো কাজ হয়েছে, ধন্যবাদ", "en": "Thank you for the quick help",
            "hi": "बहुत अच्छा काम, धन्यवाद", "bn_latin": "khub bhalo kaj hoyeche, dhonnobad"}
SUGGESTION = {"bn": "{place}-এ {issue} নিয়ে একটি প্রস্তাব", "en": "A suggestion about {issue} in {place}",
              "hi": "{place} में {issue} पर सुझाव", "bn_latin": "{place} e {issue} niye ekta prostab"}

BENGALI = re.compile(r"[\u0980-\u09ff]")
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def script_of(word):
    if BENGALI.search(word):
        return "bn"
    if DEVANAGARI.search(word):
        return "hi"
    return "latin"


def issue_words(category, language):
    """The catalogue's keywords for a category that suit a language (Latin keywords serve English and
    Bengali in Latin letters; a script with none of its own falls back to Latin ones)."""
    words = categories()[category].get("keywords", [])
    script = {"bn": "bn", "hi": "hi"}.get(language, "latin")
    suited = [w for w in words if script_of(w) == script] or [w for w in words if script_of(w) == "latin"]
    return suited or [GENERIC_ISSUE[language]]
