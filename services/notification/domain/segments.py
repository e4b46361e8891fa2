"""How a text travels as SMS: GSM-7 when every character is in the GSM 03.38 alphabet (160 characters
in one part, 153 in each part of a longer message), else UCS-2 (70 in one part, 67 per part), which is
what Bengali and Hindi always need. Pure."""
from dataclasses import dataclass

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")  # each costs two septets (an escape, then the character)

GSM7, UCS2 = "gsm7", "ucs2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}  # (one part, each part of a concatenated message)


@dataclass(frozen=True)
class Split:
    encoding: str
    parts: list

    @property
    def count(self):
        return len(self.parts)


def encoding(text):
    return GSM7 if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text) else UCS2


def _cost(char, enc):
    if enc == GSM7:
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # UCS-2 counts UTF-16 code units: a surrogate pair takes two


def split(text):
    """The parts a text is sent as. A character (or a GSM escape pair, or a surrogate pair) is never cut."""
    enc = encoding(text)
    single, multi = LIMITS[enc]
    total = sum(_cost(c, enc) for c in text)
    if total <= single:
        return Split(enc, [text] if text else [])
    parts, current, used = [], [], 0
    for char in text:
        cost = _cost(char, enc)
        if used + cost > multi:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current:
        parts.append("".join(current))
    return Split(enc, parts)


def units(text):
    """Length in the units the limits count (septets or UTF-16 code units)."""
    enc = encoding(text)
    return sum(_cost(c, enc) for c in text)
