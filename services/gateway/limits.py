"""Rate limits at the gateway: which rules exist, how they are configured, and the fixed-window arithmetic.
Pure: no I/O, no clock (the caller passes `now` in seconds since the epoch).

A limit is `<count>/<seconds>`: at most `count` requests in each fixed window of `seconds`, counted per
subject (a principal, a client address, a mobile number). `off` switches one rule and scope off. Fixed
windows let a client send up to twice the count across a window boundary; in exchange each check is one
atomic increment of one counter.
"""
import hashlib
import math
from dataclasses import dataclass

from shared.settings import settings_of

PRINCIPAL, ADDRESS, MOBILE = "principal", "address", "mobile"

FILING, SEARCH, EXPORT, CASE_LOOKUP = "filing", "search", "export", "case_lookup"
TOKEN, OTP_VERIFY, SIGN_IN = "token", "otp_verify", "sign_in"

# (rule, scope) -> default. Per address is looser than per principal: many citizens share one address
# behind carrier-grade NAT, a common service centre or a district office.
DEFAULTS = {
    (FILING, PRINCIPAL): "20/600",       # a telecaller filing by phone files far fewer
    (FILING, ADDRESS): "100/600",
    (SEARCH, PRINCIPAL): "120/60",       # search, similar cases and insights
    (SEARCH, ADDRESS): "600/60",
    (EXPORT, PRINCIPAL): "10/600",       # streamed CSV exports: each one reads every match
    (EXPORT, ADDRESS): "30/600",
    (CASE_LOOKUP, PRINCIPAL): "60/60",   # any request naming a tracking ID: guessing IDs is slow
    (CASE_LOOKUP, ADDRESS): "300/60",
    (TOKEN, ADDRESS): "60/60",           # every POST /oauth/token
    (OTP_VERIFY, ADDRESS): "30/900",     # sign-in codes tried, at the token endpoint and on the sign-in page
    (OTP_VERIFY, MOBILE): "10/900",      # counted even when no code is pending for the number
    (SIGN_IN, ADDRESS): "60/300",        # the sign-in page, shown and posted
}


def setting_name(rule, scope):
    return f"RATE_LIMIT_{rule.upper()}_PER_{scope.upper()}"


SETTINGS = {setting_name(rule, scope): default for (rule, scope), default in DEFAULTS.items()}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limit(name, text):
    """`<count>/<seconds>` -> Limit; `off` (or empty) -> None. Anything else raises ValueError naming the
    setting, so a typo stops the gateway at start rather than leaving a route unprotected."""
    text = str(text).strip().lower()
    if text in ("", "off", "false", "none"):  # YAML reads a bare `off` as false
        return None
    count, _, seconds = text.partition("/")
    try:
        limit = Limit(int(count), int(seconds))
    except ValueError:
        raise ValueError(f"{name} must be <count>/<seconds> or off, not {text!r}") from None
    if limit.count < 1 or limit.seconds < 1:
        raise ValueError(f"{name} needs a count and a window of at least 1, not {text!r}")
    return limit


def limits_from(config):
    """(rule, scope) -> Limit for every rule and scope switched on."""
    limits = {}
    for rule, scope in DEFAULTS:
        name = setting_name(rule, scope)
        limit = parse_limit(name, getattr(settings_of(config), name.lower()))
        if limit is not None:
            limits[rule, scope] = limit
    return limits


def window(limit, now):
    """The fixed window `now` falls in: (start, end), whole seconds since the epoch."""
    start = int(now // limit.seconds) * limit.seconds
    return start, start + limit.seconds


def subject_digest(subject):
    """Counters are keyed by a digest, not by the mobile number, address or user ID itself."""
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


def counter_key(rule, scope, subject, window_start):
    return f"{rule}:{scope}:{subject_digest(subject)}:{window_start}"


def retry_after(window_end, now):
    """Whole seconds until the window ends (Retry-After), at least 1."""
    return max(1, math.ceil(window_end - now))


@dataclass(frozen=True)
class Refusal:
    rule: str
    scope: str
    limit: Limit
    retry_after: int

    @property
    def message(self):
        per = {PRINCIPAL: "caller", ADDRESS: "address", MOBILE: "mobile number"}[self.scope]
        return (f"too many requests ({self.rule.replace('_', ' ')}): at most {self.limit.count} per "
                f"{self.limit.seconds} s per {per}; try again in {self.retry_after} s")


def verdict(rule, scope, limit, count, window_end, now):
    """None if the `count`-th request of its window is admitted, else why not and for how long."""
    if count <= limit.count:
        return None
    return Refusal(rule, scope, limit, retry_after(window_end, now))
