"""Single-use credentials stay single-use when many requests present them at once: an authorization code,
a refresh token, a one-time password's attempts. A replayed refresh token revokes its whole family, and
wrong guesses burn the code, not the number."""
from collections import Counter

import eventlet
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from services.identity import otp
from services.identity.oauth import secret_hash
from shared.config import database_name
from tests.integration.console import code_sent_to, hidden_fields
from tests.integration.test_code_flow import REDIRECT
from tests.integration.test_identity import ADMIN, APP, OTP_GRANT, last_code, sign_in


def at_once(count, call):
    pool = eventlet.GreenPool(count)
    return list(pool.imap(call, range(count)))


def refresh(platform, refresh_token):
    return requests.post(platform.base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": refresh_token}, timeout=20)


def audit(platform, kind):
    return platform.ok(platform.request("GET", f"/api/v1/admin/audit?kind={kind}", ADMIN))["entries"]


def test_one_authorization_code_redeemed_twenty_times_at_once_gives_one_token_set(platform, platform_config):
    client = OAuth2Session("sorasori-web", redirect_uri=REDIRECT, scope="openid grievances",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(platform.base + "/oauth/authorize", code_verifier=verifier)
    fields = hidden_fields(requests.get(url, timeout=10).text)
    requests.post(platform.base + "/oauth/authorize", data={**fields, "mobile": "9830056600", "step": "send_code"},
                  timeout=10)
    callback = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10, data={
        **fields, "mobile": "9830056600", "code": code_sent_to(platform_config, "9830056600"),
        "step": "sign_in"}).headers["Location"]
    code = callback.split("code=")[1].split("&")[0]

    answers = at_once(20, lambda n: requests.post(platform.base + "/oauth/token", timeout=20, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": "sorasori-web",
        "code_verifier": verifier}))
    assert Counter(a.status_code for a in answers) == {200: 1, 400: 19}, [a.text[:100] for a in answers]
    issued = next(a.json() for a in answers if a.status_code == 200)
    # the replays revoked the refresh token the one success carried (RFC 6749 4.1.2)
    assert refresh(platform, issued["refresh_token"]).status_code == 400
    assert audit(platform, "authorization_code_reused")


def test_one_refresh_token_used_twenty_times_at_once_gives_one_new_pair(platform, platform_config):
    tokens = sign_in(platform, platform_config, "9830056611")
    answers = at_once(20, lambda n: refresh(platform, tokens["refresh_token"]))
    assert Counter(a.status_code for a in answers) == {200: 1, 400: 19}, [a.text[:100] for a in answers]


def test_a_replayed_refresh_token_revokes_its_whole_family(platform, platform_config, mongo_client):
    first = sign_in(platform, platform_config, "9830056622")
    other_device = sign_in(platform, platform_config, "9830056633")
    second = platform.ok(refresh(platform, first["refresh_token"]))
    third = platform.ok(refresh(platform, second["refresh_token"]))

    replay = refresh(platform, first["refresh_token"])  # a thief replays the token it stole
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert refresh(platform, third["refresh_token"]).status_code == 400  # the family's newest is revoked too
    elsewhere = platform.ok(refresh(platform, other_device["refresh_token"]))  # another sign-in is untouched

    tokens = mongo_client[database_name(platform_config, "identity")].refresh_tokens
    family = tokens.find_one({"_id": secret_hash(first["refresh_token"])})["family"]
    members = list(tokens.find({"family": family}))
    assert len(members) == 3 and all(t["revoked"] for t in members)
    assert [t["_id"] for t in tokens.find({"revoked": False})] == [secret_hash(elsewhere["refresh_token"])]
    # newest first: the replay revoked the live token; presenting that one afterwards found nothing live
    entries = audit(platform, "refresh_token_reused")
    assert [e["revoked"] for e in entries] == [0, 1] and {e["client_id"] for e in entries} == {APP}


def test_forty_wrong_guesses_at_once_are_evaluated_five_times(platform, platform_config, mongo_client):
    mobile = "9830056644"
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": mobile}))
    code = last_code(platform_config, mobile)
    wrong = "000000" if code != "000000" else "111111"
    answers = at_once(40, lambda n: requests.post(platform.base + "/oauth/token", timeout=20, data={
        "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": wrong}))
    assert {a.status_code for a in answers} == {400}
    challenge = mongo_client[database_name(platform_config, "identity")].otp_challenges.find_one({"_id": mobile})
    assert challenge["attempts"] == otp.MAX_ATTEMPTS
    evaluated = [e for e in audit(platform, "sign_in_failed") if e.get("reason") == "wrong code"]
    assert len(evaluated) == otp.MAX_ATTEMPTS
    right = requests.post(platform.base + "/oauth/token", timeout=20, data={
        "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": code})
    assert right.status_code == 400  # the code is burnt: no sixth guess, right or wrong


def test_wrong_guesses_burn_the_code_not_the_number(platform, platform_config):
    """Anyone can type wrong codes for a number they do not own: that must not lock its owner out."""
    mobile = "9830056655"
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": mobile}))
    code = last_code(platform_config, mobile)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(otp.MAX_ATTEMPTS + 2):
        requests.post(platform.base + "/oauth/token", timeout=20, data={
            "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": wrong})
    # the owner asks for a fresh code and signs in at once
    assert sign_in(platform, platform_config, mobile)["access_token"]


def test_twenty_code_requests_at_once_send_exactly_the_limit(platform, platform_config):
    mobile = "9830056666"
    answers = at_once(20, lambda n: platform.request("POST", "/oauth/otp", json={"mobile": mobile}).status_code)
    assert Counter(answers) == {200: otp.MAX_SENDS_PER_NUMBER, 429: 20 - otp.MAX_SENDS_PER_NUMBER}, answers
    # from one address: the address's limit holds too (3 numbers' slots above count against it)
    answers = at_once(20, lambda n: platform.request("POST", "/oauth/otp", json={"mobile": f"98300570{n:02d}"})
                      .status_code)
    assert Counter(answers) == {200: otp.MAX_SENDS_PER_ADDRESS - otp.MAX_SENDS_PER_NUMBER,
                                429: 20 - otp.MAX_SENDS_PER_ADDRESS + otp.MAX_SENDS_PER_NUMBER}, answers


def test_expired_sign_in_state_is_purged_and_live_state_kept(mongo_client, platform_config):
    from datetime import UTC, datetime, timedelta

    from services.identity.storage import IdentityStore

    store = IdentityStore(mongo_client[database_name(platform_config, "identity")])
    now = datetime.now(UTC)
    epoch, day = now.timestamp(), 86400
    store.save_authorization_code({"_id": "old-code", "client_id": "c", "expires_at": epoch - 2 * day})
    store.save_authorization_code({"_id": "used-yesterday", "client_id": "c", "expires_at": epoch - day / 2})
    store.save_refresh_token("expired", "c", "s", "", epoch - 1, "f1")
    store.save_refresh_token("live", "c", "s", "", epoch + day, "f1")
    store.revoke_family("f-old", "test", now - timedelta(days=31))
    store.revoke_family("f-new", "test", now)
    store.put_challenge(otp.new_challenge("9830000001", now - otp.LIFETIME * 2, "123456"))
    store.put_challenge(otp.new_challenge("9830000002", now, "123456"))
    store.take_send_slots("n-old", 3, "a-old", 10, now - timedelta(seconds=1))
    store.take_send_slots("n-now", 3, "a-now", 10, now + otp.SEND_WINDOW)

    purged = store.purge_expired(now, keep_used_codes_seconds=day, keep_families_seconds=30 * day)
    assert purged == {"authorization_codes": 1, "refresh_tokens": 1, "token_families": 1, "otp_challenges": 1,
                      "otp_send_counts": 2}
    assert store.authorization_code("used-yesterday") and store.refresh_token("live")
    assert store.family_revoked("f-new") and not store.family_revoked("f-old")
    assert store.challenge("9830000002") and store.challenge("9830000001") is None
    assert store.db.otp_send_counts.count_documents({}) == 2
