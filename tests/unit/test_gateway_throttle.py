"""The limiter's checks with an in-memory stand-in for its counter store: which counters a request
touches, that it counts them at once, and what happens when the store fails (fail open, then leave it alone)."""
import eventlet
import pytest
from pymongo.errors import ServerSelectionTimeoutError

from services.gateway import throttle
from services.gateway.limits import limits_from
from services.gateway.throttle import Throttle, Throttled, form_mobile, otp_attempt


class MemoryWindows:
    def __init__(self, fail=False):
        self.counts, self.fail, self.calls = {}, fail, 0

    def hit(self, key, expires_at):
        self.calls += 1
        if self.fail:
            raise ServerSelectionTimeoutError("no store")
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


def limiter(windows, **settings):
    limiter = Throttle()
    limiter.limits = limits_from(settings)
    limiter.windows = windows
    limiter.skip_store_until = 0.0
    return limiter


class Form:
    def __init__(self, **form):
        self.form = form


def test_each_scope_has_its_own_counter_and_refuses_past_its_count():
    windows = MemoryWindows()
    limits = limiter(windows, RATE_LIMIT_OTP_VERIFY_PER_ADDRESS="3/60", RATE_LIMIT_OTP_VERIFY_PER_MOBILE="2/60")
    limits.admit("otp_verify", "49.37.1.1", mobile="9830012345", now=1000)
    limits.admit("otp_verify", "49.37.1.1", mobile="9830012345", now=1001)
    with pytest.raises(Throttled) as refused:
        limits.admit("otp_verify", "49.37.1.1", mobile="9830012345", now=1002)
    assert refused.value.details["per"] == "mobile" and refused.value.headers["Retry-After"] == "18"
    with pytest.raises(Throttled) as refused:  # the address has now been counted three times
        limits.admit("otp_verify", "49.37.1.1", mobile="9830054321", now=1003)
    assert refused.value.details["per"] == "address"
    limits.admit("otp_verify", "49.37.1.2", mobile="9830054321", now=1004)


def test_a_new_window_starts_a_new_count():
    limits = limiter(MemoryWindows(), RATE_LIMIT_FILING_PER_PRINCIPAL="1/60", RATE_LIMIT_FILING_PER_ADDRESS="off")
    limits.admit("filing", "1.1.1.1", principal="citizen-1", now=1000)
    with pytest.raises(Throttled):
        limits.admit("filing", "1.1.1.1", principal="citizen-1", now=1019)
    limits.admit("filing", "1.1.1.1", principal="citizen-1", now=1020)


def test_rules_switched_off_and_missing_subjects_touch_no_counter():
    windows = MemoryWindows()
    limits = limiter(windows, RATE_LIMIT_TOKEN_PER_ADDRESS="off")
    limits.admit("token", "1.1.1.1")
    limits.admit("case_lookup", "", principal=None)
    assert windows.calls == 0


def test_a_failing_store_admits_and_is_left_alone_for_a_while(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: clock[0])
    windows = MemoryWindows(fail=True)
    limits = limiter(windows, RATE_LIMIT_CASE_LOOKUP_PER_PRINCIPAL="1/60")
    for _ in range(5):
        limits.admit("case_lookup", "1.1.1.1", principal="citizen-1", now=1000)
    assert windows.calls == 1  # the first check failed; the next ones did not wait on the store
    clock[0] += throttle.STORE_RETRY_SECONDS + 0.1
    windows.fail = False
    limits.admit("case_lookup", "1.1.1.1", principal="citizen-1", now=1000)
    with pytest.raises(Throttled):
        limits.admit("case_lookup", "1.1.1.1", principal="citizen-1", now=1000)


def test_what_counts_as_a_code_tried():
    assert form_mobile(Form(mobile="+91 98300-12345")) == "9830012345"
    assert form_mobile(Form()) is None
    assert otp_attempt(Form(mobile="9830012345", code="123456"))
    assert otp_attempt(Form(mobile="9830012345", step="sign_in"))
    assert not otp_attempt(Form(mobile="9830012345", step="send_code"))
    assert not otp_attempt(Form(grant_type="refresh_token"))


class OverlapWindows(MemoryWindows):
    """Counts how many hits are in the store at once."""

    def __init__(self):
        super().__init__()
        self.in_store = self.most_at_once = 0

    def hit(self, key, expires_at):
        self.in_store += 1
        self.most_at_once = max(self.most_at_once, self.in_store)
        eventlet.sleep(0)  # a store round trip: the other hits may start meanwhile
        self.in_store -= 1
        return super().hit(key, expires_at)


def test_a_requests_windows_are_counted_at_once_and_each_counts_it_even_when_another_refuses():
    windows = OverlapWindows()
    limits = limiter(windows, RATE_LIMIT_FILING_PER_ADDRESS="1/60", RATE_LIMIT_FILING_PER_PRINCIPAL="5/60")
    limits.admit("filing", "1.1.1.1", principal="citizen-1", now=1000)
    assert windows.most_at_once == 2  # one round trip's wait, not two in a row
    with pytest.raises(Throttled) as refused:
        limits.admit("filing", "1.1.1.1", principal="citizen-1", now=1001)
    assert refused.value.details["per"] == "address"
    assert sorted(windows.counts.values()) == [2, 2]  # the refused request counted in the principal's window too
