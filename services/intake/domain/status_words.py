"""A case's status as a citizen reads it, in their language (the API's `status` stays the code)."""
from services.intake.domain import lifecycle

LANGUAGES = ("bn", "en", "hi")
DEFAULT_LANGUAGE = "bn"

STATUS_WORDS = {
    lifecycle.INCOMPLETE: {"en": "Received; the cell will call you for the missing details",
                           "bn": "পাওয়া গেছে; বাকি তথ্যের জন্য সেল আপনাকে ফোন করবে",
                           "hi": "प्राप्त हुई; बाकी जानकारी के लिए प्रकोष्ठ आपको फ़ोन करेगा"},
    lifecycle.FILED: {"en": "Received", "bn": "নথিভুক্ত হয়েছে", "hi": "दर्ज हो गई"},
    lifecycle.ROUTED: {"en": "Sent to the department", "bn": "দপ্তরে পাঠানো হয়েছে", "hi": "विभाग को भेजी गई"},
    lifecycle.ACKNOWLEDGED: {"en": "Seen by an officer", "bn": "আধিকারিক দেখেছেন", "hi": "अधिकारी ने देख ली"},
    lifecycle.IN_PROGRESS: {"en": "Being worked on", "bn": "কাজ চলছে", "hi": "काम चल रहा है"},
    lifecycle.INFO_REQUESTED: {"en": "The officer needs more information from you",
                               "bn": "আধিকারিক আপনার কাছে আরও তথ্য চান",
                               "hi": "अधिकारी को आपसे और जानकारी चाहिए"},
    lifecycle.TRANSFERRED: {"en": "Moved to another department", "bn": "অন্য দপ্তরে পাঠানো হয়েছে",
                            "hi": "दूसरे विभाग को भेजी गई"},
    lifecycle.RESOLVED: {"en": "Resolved; please rate the outcome", "bn": "সমাধান হয়েছে; ফলাফলের মূল্যায়ন দিন",
                         "hi": "समाधान हो गया; कृपया परिणाम का मूल्यांकन करें"},
    lifecycle.CLOSED: {"en": "Closed", "bn": "বন্ধ করা হয়েছে", "hi": "बंद कर दी गई"},
    lifecycle.REJECTED: {"en": "Could not be taken up", "bn": "গ্রহণ করা যায়নি", "hi": "स्वीकार नहीं की जा सकी"},
    lifecycle.REOPENED: {"en": "Reopened at a higher level", "bn": "উচ্চতর স্তরে আবার খোলা হয়েছে",
                         "hi": "उच्च स्तर पर फिर से खोली गई"},
    lifecycle.SPECIAL_CLOSED: {"en": "Closed by the department: no office of the state can act on it; you may "
                                     "ask the CM's cell to review it",
                               "bn": "দপ্তর বন্ধ করেছে: রাজ্যের কোনো দপ্তর এতে ব্যবস্থা নিতে পারে না; আপনি মুখ্যমন্ত্রীর "
                                     "সেলকে পুনর্বিবেচনা করতে বলতে পারেন",
                               "hi": "विभाग ने बंद की: राज्य का कोई कार्यालय इस पर कार्रवाई नहीं कर सकता; आप "
                                     "मुख्यमंत्री प्रकोष्ठ से पुनर्विचार के लिए कह सकते हैं"},
}


def status_text(status, language):
    words = STATUS_WORDS.get(status)
    if words is None:
        return status
    return words.get(language) or words[DEFAULT_LANGUAGE]
