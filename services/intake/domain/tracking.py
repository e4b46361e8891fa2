"""Tracking IDs: WB-<year>-<8 digits>, the last a check digit, the rest random.

Random so a stranger cannot walk the sequence to other citizens' cases; the Luhn check digit catches a
mistyped digit or two swapped neighbours before any lookup (citizens read these out over the phone).
"""
import re
import secrets

PATTERN = re.compile(r"^WB-(\d{4})-(\d{8})$")


def luhn_digit(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_tracking_id(year, randbelow=secrets.randbelow):
    body = f"{randbelow(10 ** 7):07d}"
    return f"WB-{year}-{body}{luhn_digit(body)}"


def is_valid(tracking_id):
    match = PATTERN.match(tracking_id or "")
    return bool(match) and luhn_digit(match.group(2)[:7]) == match.group(2)[7]
