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


def test_a_code_matches_only_itself_and_says_why_it_takes_no_more_guesses():
    challenge = otp.new_challenge("9830012345", NOW, "123456")
    assert otp.matches(challenge, "123456") and not otp.matches(challenge, "000000")
    assert not otp.matches(challenge, None)
    assert otp.refusal(None, NOW) == "no code was sent"
    assert "used" in otp.refusal(dict(challenge, used=True), NOW)
    assert "expired" in otp.refusal(challenge, NOW + otp.LIFETIME)
    assert "new code" in otp.refusal(dict(challenge, attempts=otp.MAX_ATTEMPTS), NOW)
    still_open = otp.open_for_attempts(NOW)
    assert still_open["attempts"] == {"$lt": otp.MAX_ATTEMPTS} and still_open["used"] is False
    assert still_open["expires_at"] == {"$gt": NOW}


def test_sends_are_counted_per_number_and_per_address_in_fixed_windows():
    number, address, end = otp.send_windows("9830012345", "10.0.0.1", NOW)
    assert number.startswith("number:9830012345:") and address.startswith("address:10.0.0.1:")
    assert end == NOW + otp.SEND_WINDOW  # NOW starts a window
    assert otp.send_windows("9830012345", "10.0.0.1", NOW + timedelta(minutes=1))[0] == number
    assert otp.send_windows("9830012345", "10.0.0.1", NOW + otp.SEND_WINDOW)[0] != number
    assert set(otp.SEND_REFUSALS) == {"number", "address"}


def test_new_keys_are_rsa_with_a_dated_kid():
    key = new_key(NOW)
    assert key["_id"].startswith("20261130-") and key["private"]["kty"] == "RSA" and "d" in key["private"]
    assert KeyRing(None, timedelta(minutes=15)).overlap == timedelta(minutes=20)


def test_a_machine_clients_registration_is_checked_and_normalised():
    import pytest
    from marshmallow import ValidationError

    from services.identity.oauth import Client, machine_client_claims
    from services.identity.schemas import MachineClientSchema

    schema = MachineClientSchema()
    loaded = schema.load({"client_id": "wb-dashboard", "scope": "insights:read grievances:read insights:read",
                          "departments": ["power", "phe", "phe"], "districts": ["Nadia", "Bankura"]})
    assert loaded == {"client_id": "wb-dashboard", "scope": "grievances:read insights:read",
                      "departments": ["phe", "power"], "districts": ["Bankura", "Nadia"]}
    assert schema.load({"client_id": "wb-default"})["scope"] == "grievances:read grievances:file"
    for bad in ({"scope": "grievances"}, {"scope": "  "}, {"departments": ["Health"]}, {"districts": ["bankura"]}):
        with pytest.raises(ValidationError) as refused:
            schema.load({"client_id": "wb-bad", **bad})
        assert set(refused.value.messages) == set(bad)
    # an older registration (role system, no limits) gets a client's token with no limits
    older = Client(client_id="wb-old", grant_types=["client_credentials"], scope="grievances", claims={"role": "system"})
    assert machine_client_claims(older) == {"role": "client", "departments": [], "districts": []}
