"""One-time passwords for citizens' sign-in by mobile number: short-lived, single-use, hashed at rest,
rate-limited per number and per address, locked after repeated failures. Pure: no I/O, no clock."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

CODE_DIGITS = 6
LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5                       # wrong codes before the number is locked
LOCKOUT = timedelta(minutes=15)
SEND_WINDOW = timedelta(minutes=15)
MAX_SENDS_PER_NUMBER = 3               # per window
MAX_SENDS_PER_ADDRESS = 10             # per window, across numbers


def new_code(randbelow=secrets.randbelow):
    return f"{randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code, salt):
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def new_challenge(mobile, now, code):
    salt = secrets.token_hex(16)
    return {"mobile": mobile, "salt": salt, "hash": hash_code(code, salt), "expires_at": now + LIFETIME,
            "attempts": 0, "used": False, "created_at": now}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    lock: bool = False


def check(challenge, code, now):
    """Whether `code` answers `challenge`; `lock` says the number must now be locked out."""
    if challenge is None or challenge["used"]:
        return Verdict(False, "no code was sent, or it was used already")
    if now >= challenge["expires_at"]:
        return Verdict(False, "the code has expired")
    if hmac.compare_digest(challenge["hash"], hash_code(code or "", challenge["salt"])):
        return Verdict(True)
    attempts = challenge["attempts"] + 1
    return Verdict(False, "wrong code", lock=attempts >= MAX_ATTEMPTS)


def sends_allowed(recent_sends_to_number, recent_sends_from_address):
    if recent_sends_to_number >= MAX_SENDS_PER_NUMBER:
        return False, f"at most {MAX_SENDS_PER_NUMBER} codes per number every {SEND_WINDOW.seconds // 60} minutes"
    if recent_sends_from_address >= MAX_SENDS_PER_ADDRESS:
        return False, "too many codes requested from this address"
    return True, ""
