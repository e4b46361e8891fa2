from services.identity.oauth import Account
from services.identity.userinfo import bearer_token, claims_for

CITIZEN = Account(sub="citizen-1", role="citizen", mobile="9830012345", name="Mita Das")
OFFICER = Account(sub="off-1", role="officer", mobile="9830099999", name="Rina Pal", department="phe")


def test_claims_follow_the_scopes():
    assert claims_for(CITIZEN, {"openid"}) == {"sub": "citizen-1"}
    assert claims_for(CITIZEN, {"openid", "phone"}) == {"sub": "citizen-1", "phone_number": "+919830012345",
                                                        "phone_number_verified": True}
    assert claims_for(CITIZEN, {"openid", "profile"}) == {"sub": "citizen-1", "name": "Mita Das"}
    assert claims_for(OFFICER, {"phone"})["phone_number_verified"] is False  # typed by an administrator


def test_access_tokens_carry_no_mobile_or_name():
    assert CITIZEN.claims() == {"role": "citizen"}
    assert OFFICER.claims() == {"role": "officer", "department": "phe"}


def test_the_bearer_token_comes_from_the_header_or_a_posted_form():
    assert bearer_token({"headers": {"Authorization": "Bearer abc"}}) == "abc"
    assert bearer_token({"headers": {"authorization": "bearer abc "}}) == "abc"
    assert bearer_token({"headers": {}, "form": {"access_token": "xyz"}}) == "xyz"
    assert bearer_token({"headers": {"Authorization": "Basic Zm9v"}}) is None
