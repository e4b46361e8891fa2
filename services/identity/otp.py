"""One-time passwords for citizens' sign-in by mobile number: short-lived, single-use, hashed at rest,
rate-limited per number and per address, dead after a few wrong guesses. Pure: no I/O, no clock."""
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

CODE_DIGITS = 6
LIFETIME = timedelta(minutes=5)
# Guesses at one code, the right one included. Then the code is dead, not the number: anyone can type
# wrong codes for a number they do not own, and that must not lock its owner out (a fresh code works).
MAX_ATTEMPTS = 5
SEND_WINDOW = timedelta(minutes=15)
MAX_SENDS_PER_NUMBER = 3               # per window: with MAX_ATTEMPTS, at most 15 guesses per number
MAX_SENDS_PER_ADDRESS = 10             # per window, across numbers


def new_code(randbelow=secrets.randbelow):
    return f"{randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code, salt):
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def new_challenge(mobile, now, code):
    salt = secrets.token_hex(16)
    return {"mobile": mobile, "salt": salt, "hash": hash_code(code, salt), "expires_at": now + LIFETIME,
            "attempts": 0, "used": False, "created_at": now}


def open_for_attempts(now):
    """The store filter of a challenge that may take one more guess: the guess is counted (`$inc`) in the
    same atomic operation that checks this, before the code is compared."""
    return {"used": False, "attempts": {"$lt": MAX_ATTEMPTS}, "expires_at": {"$gt": now}}


def matches(challenge, code):
    return hmac.compare_digest(challenge["hash"], hash_code(code or "", challenge["salt"]))


REFUSALS = {"no_code": "no code was sent", "used_code": "the code was used already",
            "expired_code": "the code has expired", "too_many_attempts": "too many wrong codes: ask for a new code",
            "wrong_code": "wrong code", "retired": "the staff account is closed: retired"}  # a refusal's kind (the sign-in page words it) -> the audit log's words


def refusal_kind(challenge, now):
    """Why a challenge took no guess (open_for_attempts did not match it): a key of REFUSALS."""
    if challenge is None:
        return "no_code"
    if challenge["used"]:
        return "used_code"
    if now >= challenge["expires_at"]:
        return "expired_code"
    return "too_many_attempts"


def refusal(challenge, now):
    return REFUSALS[refusal_kind(challenge, now)]


SEND_REFUSALS = {
    "number": f"at most {MAX_SENDS_PER_NUMBER} codes per number every {SEND_WINDOW.seconds // 60} minutes",
    "address": "too many codes requested from this address",
}


def send_windows(mobile, address, now):
    """The fixed window a code sent now is counted in: its key per number and per address, and its end."""
    seconds = SEND_WINDOW.total_seconds()
    window = int(now.timestamp() // seconds)
    end = datetime.fromtimestamp((window + 1) * seconds, tz=UTC)
    return f"number:{mobile}:{window}", f"address:{address}:{window}", end
