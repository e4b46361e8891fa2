"""The sign-in page's words in Bengali, English and Hindi, which language a request gets, and which words a
refusal gets. A refusal is worded from its kind (identity's reason, the problem's status), never from the
English description a service gives."""
from math import ceil

LANGUAGES = ("bn", "en", "hi")
DEFAULT = "bn"  # the programme's people read Bengali first

WORDS = {
    "bn": {"programme": "সরাসরি মুখ্যমন্ত্রী", "sign_in": "সাইন ইন", "mobile": "মোবাইল নম্বর",
           "code": "এসএমএস-এর কোড", "send": "কোড পাঠান", "cancel": "বাতিল",
           "sent": "এসএমএস-এ কোড পাঠানো হয়েছে।", "sso": "আধিকারিকরা: রাজ্য SSO দিয়ে সাইন ইন",
           "errors": {
               "bad_mobile": "১০ সংখ্যার মোবাইল নম্বর লিখুন।",
               "wrong_code": "কোডটি মেলেনি। এসএমএস দেখে আবার লিখুন।",
               "expired_code": "কোডের সময় পেরিয়ে গেছে। নতুন কোড চান।",
               "too_many_attempts": "অনেকবার ভুল কোড দেওয়া হয়েছে। নতুন কোড চান।",
               "used_code": "এই কোড আগেই ব্যবহার হয়েছে। নতুন কোড চান।",
               "no_code": "আগে কোড চান, তারপর এসএমএস-এর কোড লিখুন।",
               "too_many_codes": "এই নম্বরে অনেক কোড চাওয়া হয়েছে। ১৫ মিনিট পরে আবার চেষ্টা করুন।",
               "rate_limited": "অনেকবার চেষ্টা হয়েছে। {minutes} মিনিট পরে আবার চেষ্টা করুন।",
               "bad_link": "এই সাইন-ইন লিংকটি ঠিক নয়। যে অ্যাপ বা ওয়েবসাইট থেকে এসেছেন, সেখান থেকে আবার চেষ্টা করুন।",
               "failed": "সাইন ইন হয়নি। একটু পরে আবার চেষ্টা করুন।",
               "retired": "এই কর্মী অ্যাকাউন্টটি বন্ধ (অবসরপ্রাপ্ত)। প্রশাসকের সঙ্গে যোগাযোগ করুন।",
           }},
    "en": {"programme": "Sorasori Mukhyamantri", "sign_in": "Sign in", "mobile": "Mobile number",
           "code": "Code from the SMS", "send": "Send code", "cancel": "Cancel",
           "sent": "We sent a code by SMS.", "sso": "Officers: sign in with the state single sign-on",
           "errors": {
               "bad_mobile": "Write a 10-digit mobile number.",
               "wrong_code": "That code does not match. Check the SMS and type it again.",
               "expired_code": "That code's time has run out. Ask for a new code.",
               "too_many_attempts": "That code was typed wrong too often. Ask for a new code.",
               "used_code": "That code has been used already. Ask for a new code.",
               "no_code": "Ask for a code first, then type the code from the SMS.",
               "too_many_codes": "Many codes were asked for this number. Try again in 15 minutes.",
               "rate_limited": "There were many tries. Try again in {minutes} minutes.",
               "bad_link": "This sign-in link is not right. Go back to the app or website you came from and try again.",
               "failed": "Signing in did not work. Try again in a little while.",
               "retired": "This staff account is closed (retired). Ask the administrator.",
           }},
    "hi": {"programme": "सोरासोरी मुख्यमंत्री", "sign_in": "साइन इन", "mobile": "मोबाइल नंबर",
           "code": "एसएमएस में आया कोड", "send": "कोड भेजें", "cancel": "रद्द करें",
           "sent": "हमने एसएमएस से कोड भेजा है।", "sso": "अधिकारी: राज्य SSO से साइन इन करें",
           "errors": {
               "bad_mobile": "10 अंकों का मोबाइल नंबर लिखें।",
               "wrong_code": "कोड मेल नहीं खाया। एसएमएस देखकर फिर से लिखें।",
               "expired_code": "कोड का समय निकल गया है। नया कोड मँगाएँ।",
               "too_many_attempts": "कई बार गलत कोड डाला गया। नया कोड मँगाएँ।",
               "used_code": "यह कोड पहले ही इस्तेमाल हो चुका है। नया कोड मँगाएँ।",
               "no_code": "पहले कोड मँगाएँ, फिर एसएमएस का कोड लिखें।",
               "too_many_codes": "इस नंबर के लिए कई कोड मँगाए गए। 15 मिनट बाद फिर कोशिश करें।",
               "rate_limited": "कई बार कोशिश हुई। {minutes} मिनट बाद फिर कोशिश करें।",
               "bad_link": "यह साइन-इन लिंक सही नहीं है। जिस ऐप या वेबसाइट से आए हैं, वहीं से फिर कोशिश करें।",
               "failed": "साइन इन नहीं हो पाया। थोड़ी देर बाद फिर कोशिश करें।",
               "retired": "यह कर्मचारी खाता बंद है (सेवानिवृत्त)। प्रशासक से संपर्क करें।",
           }},
}

# which field a refusal is about (its message describes that input, which is marked invalid)
FIELD_OF = {"bad_mobile": "mobile", "too_many_codes": "mobile", "wrong_code": "code"}
# refusals after which the code on hand is no use: the page offers to send a new one
NEW_CODE_NEEDED = ("expired_code", "too_many_attempts", "used_code", "no_code")
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def page_language(ui_locales, accept_languages):
    """ui_locales' first language the page speaks, else Accept-Language's (highest quality first, `hi-IN`
    counts as hi), else Bengali. `accept_languages`: werkzeug's request.accept_languages."""
    for tag in (ui_locales or "").split():
        if tag.split("-")[0].lower() in LANGUAGES:
            return tag.split("-")[0].lower()
    for tag, _ in accept_languages or ():
        if tag.split("-")[0].lower() in LANGUAGES:
            return tag.split("-")[0].lower()
    return DEFAULT


def refusal_of(status, reason=None):
    """A refusal's kind: identity's reason when the page has words for it, else from the problem's status
    (a code asked for: 400 is a malformed mobile, 429 too many codes for it)."""
    if reason in WORDS[DEFAULT]["errors"]:
        return reason
    return {400: "bad_mobile", 429: "too_many_codes"}.get(status, "failed") if reason is None else "failed"


def error_words(language, refusal, retry_after=None):
    minutes = str(max(1, ceil((retry_after or 60) / 60)))
    if language == "bn":
        minutes = minutes.translate(BENGALI_DIGITS)
    return WORDS[language]["errors"][refusal].format(minutes=minutes)
