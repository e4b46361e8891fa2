"""How personal data looks to someone whose role does not need it: one rule for every service."""
import re


def mask_mobile(mobile):
    """+919876543210 -> +9198******10: the country code and first two digits stay, so a caller can say which."""
    return mobile[:-10] + mobile[-10:-8] + "******" + mobile[-2:] if mobile and len(mobile) >= 10 else mobile


def mask_email(email):
    if not email or "@" not in email:
        return email
    user, domain = email.split("@", 1)
    return f"{user[:1]}***@{domain}"


def mask_address(address):
    """A notification recipient's address, whichever channel it is for (a webhook URL stays as it is)."""
    if not address:
        return address
    if "@" in address:
        return mask_email(address)
    if address.lstrip("+").isdigit():
        return mask_mobile(address)
    return address


# Numbers and addresses quoted in free text (an officer's note, a provider's error): an Indian mobile,
# with or without +91 / 0, and anything shaped like an email address. Letters and digits around a match
# (a hex id, a longer number) mean it is not one.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+91[\s-]?|0)?[6-9]\d{9}(?![0-9A-Za-z])")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WITHHELD = "(withheld)"


def mask_contacts_in_text(text, withheld=()):
    """Free text with every mobile number and email address in it masked, and each of `withheld` (the
    complainant's postal addresses, which no pattern finds) replaced by "(withheld)"."""
    if not isinstance(text, str) or not text:
        return text
    for value in sorted((w for w in withheld if w), key=len, reverse=True):
        text = text.replace(value, WITHHELD)
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_mobile(re.sub(r"[\s-]", "", m.group())), text)
