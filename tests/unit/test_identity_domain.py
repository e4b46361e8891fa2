from datetime import datetime, timedelta, timezone

from services.identity import otp
from services.identity.keys import KeyRing, new_key

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def test_codes_are_six_digits_and_stored_only_as_a_salted_hash():
    code = otp.new_code(randbelow=lambda n: 42)
    assert code == "000042"
    challenge = otp.new_challenge("9830012345", NOW, code)
    assert code not in str(challenge.values())
    other = otp.new_challenge("9830012345", NOW, code)
    assert challenge["hash"] != other["hash"]  # a salt per challenge


def test_check_accepts_the_code_once_and_counts_towards_a_lock():
    challenge = otp.new_challenge("9830012345", NOW, "123456")
    assert otp.check(challenge, "123456", NOW).ok
    assert not otp.check(challenge, "123456", NOW + otp.LIFETIME).ok          # expired
    assert not otp.check(dict(challenge, used=True), "123456", NOW).ok        # used
    assert otp.check(dict(challenge, attempts=otp.MAX_ATTEMPTS - 1), "000000", NOW).lock
    assert not otp.check(dict(challenge, attempts=0), "000000", NOW).lock
    assert not otp.check(None, "123456", NOW).ok


def test_send_limits():
    assert otp.sends_allowed(2, 9)[0]
    assert not otp.sends_allowed(otp.MAX_SENDS_PER_NUMBER, 0)[0]
    assert not otp.sends_allowed(0, otp.MAX_SENDS_PER_ADDRESS)[0]


def test_new_keys_are_rsa_with_a_dated_kid():
    key = new_key(NOW)
    assert key["_id"].startswith("20261130-") and key["private"]["kty"] == "RSA" and "d" in key["private"]
    assert KeyRing(None, timedelta(minutes=15)).overlap == timedelta(minutes=20)
