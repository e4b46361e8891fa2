"""How personal data looks to someone whose role does not need it: one rule for every service."""


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
