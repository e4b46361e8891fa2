"""Citizens sign in with a one-time password over SMS and use the platform with the signed token; keys
rotate without breaking tokens already issued; forged or wrong tokens are refused."""
import base64
import json
import re

import pytest
import requests

from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import drinking_water

OTP_GRANT = "urn:sorasori:params:oauth:grant-type:mobile-otp"
APP = "sorasori-citizen-app"
ADMIN = {"sub": "admin-1", "role": "admin"}


def last_code(platform_config, mobile):
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        text = cluster.notification.sms_sent(mobile)[0]["text"]
    return re.search(r"\d{6}", text).group(0)


def sign_in(platform, platform_config, mobile):
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": mobile, "language": "en"}))
    code = last_code(platform_config, mobile)
    response = requests.post(platform.base + "/oauth/token", data={
        "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": code}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def header(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def test_discovery_and_keys_are_served_through_the_gateway(platform):
    config = platform.ok(platform.request("GET", "/.well-known/openid-configuration"))
    assert config["issuer"] == platform.base and config["token_endpoint"] == platform.base + "/oauth/token"
    assert OTP_GRANT in config["grant_types_supported"]
    jwks = platform.ok(platform.request("GET", "/.well-known/jwks.json"))
    assert jwks["keys"] and all(k["kty"] == "RSA" and "d" not in k for k in jwks["keys"])


def test_a_citizen_signs_in_by_otp_and_files_with_the_token(platform, platform_config):
    tokens = sign_in(platform, platform_config, "9830088888")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    kid = header(tokens["access_token"])["kid"]
    assert kid in {k["kid"] for k in platform.ok(platform.request("GET", "/.well-known/jwks.json"))["keys"]}

    filed = requests.post(platform.base + "/api/v1/grievances", json=drinking_water(mobile="9830088888"),
                          headers=bearer(tokens["access_token"]), timeout=10)
    assert filed.status_code == 201, filed.text
    mine = requests.get(platform.base + f"/api/v1/grievances/{filed.json()['tracking_id']}",
                        headers=bearer(tokens["access_token"]), timeout=10)
    assert mine.status_code == 200  # the token's mobile makes the case theirs

    refreshed = requests.post(platform.base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": tokens["refresh_token"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]  # rotated
    reused = requests.post(platform.base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": tokens["refresh_token"]}, timeout=10)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    revoked = requests.post(platform.base + "/oauth/revoke", data={
        "token": new["refresh_token"], "token_type_hint": "refresh_token", "client_id": APP}, timeout=10)
    assert revoked.status_code == 200
    after = requests.post(platform.base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": new["refresh_token"]}, timeout=10)
    assert after.status_code == 400


def test_a_citizens_requests_verify_locally_after_the_first(platform, platform_config):
    """A citizen's token does not carry their mobile; identity says it once and the gateway keeps it, so the
    citizen's next requests make no RPC (the token's signature is checked against the cached keys)."""
    from prometheus_client import REGISTRY

    def profile_calls():
        return REGISTRY.get_sample_value("sorasori_rpc_handled_total", {
            "service": "identity", "method": "caller_profile", "outcome": "ok"}) or 0

    tokens = sign_in(platform, platform_config, "9830088877")
    before = profile_calls()
    answers = [requests.get(platform.base + "/api/v1/me/grievances", headers=bearer(tokens["access_token"]),
                            timeout=10).status_code for _ in range(20)]
    assert answers == [200] * 20 and profile_calls() - before == 1


def test_a_code_takes_five_guesses_then_is_burnt_but_the_number_is_not_locked(platform, platform_config):
    mobile = "9830099999"
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": mobile}))
    code = last_code(platform_config, mobile)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = requests.post(platform.base + "/oauth/token", data={
            "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": wrong}, timeout=10)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    locked = requests.post(platform.base + "/oauth/token", data={
        "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": code}, timeout=10)
    assert locked.status_code == 400  # even the right code, once it has taken five guesses
    assert platform.request("POST", "/oauth/otp", json={"mobile": mobile}).status_code == 200  # a fresh one


def test_codes_are_rate_limited_per_number_and_per_address(platform):
    for _ in range(3):
        platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": "9830011122"}))
    assert platform.request("POST", "/oauth/otp", json={"mobile": "9830011122"}).status_code == 429
    assert "mobile" in platform.request("POST", "/oauth/otp", json={"mobile": "12345"}).json()["errors"]
    for n in range(7):  # 3 sent above: the address's 10th code
        platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": f"983002{n:04d}"}))
    refused = platform.request("POST", "/oauth/otp", json={"mobile": "9830029999"})
    assert refused.status_code == 429 and "address" in refused.json()["error"]


def test_key_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(platform, platform_config):
    old = sign_in(platform, platform_config, "9830012121")["access_token"]
    rotated = platform.ok(platform.request("POST", "/api/v1/admin/signing-keys/rotate", ADMIN))
    assert platform.request("POST", "/api/v1/admin/signing-keys/rotate",
                            {"sub": "c", "role": "citizen"}).status_code == 403
    new = sign_in(platform, platform_config, "9830012122")["access_token"]
    assert header(old)["kid"] == rotated["retired"] and header(new)["kid"] == rotated["active"]
    kids = {k["kid"] for k in platform.ok(platform.request("GET", "/.well-known/jwks.json"))["keys"]}
    assert {rotated["retired"], rotated["active"]} <= kids
    for token in (old, new):
        response = requests.get(platform.base + "/api/v1/officer/queue", headers=bearer(token), timeout=10)
        assert response.status_code == 403  # authenticated (a citizen), just not an officer


@pytest.mark.parametrize("tamper", ["signature", "payload", "alg_none"])
def test_forged_tokens_are_refused(platform, platform_config, tamper):
    token = sign_in(platform, platform_config, "9830013131")["access_token"]
    head, body, signature = token.split(".")
    if tamper == "signature":
        token = f"{head}.{body}.{signature[:-4]}AAAA"
    elif tamper == "payload":
        claims = json.loads(base64.urlsafe_b64decode(body + "=="))
        claims["role"] = "cmo_cell"
        token = f"{head}.{base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip('=')}.{signature}"
    else:
        none = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
        token = f"{none}.{body}."
    response = requests.get(platform.base + "/api/v1/officer/queue", headers=bearer(token), timeout=10)
    assert response.status_code == 401


def test_other_systems_use_client_credentials(platform):
    from authlib.integrations.requests_client import OAuth2Session

    registered = platform.ok(platform.request("POST", "/api/v1/admin/clients", ADMIN,
                                              json={"client_id": "wb-edistrict"}), 201)
    client = OAuth2Session("wb-edistrict", registered["client_secret"], token_endpoint_auth_method="client_secret_basic")
    token = client.fetch_token(platform.base + "/oauth/token", grant_type="client_credentials")
    assert token["access_token"] and "refresh_token" not in token
    claims = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "=="))
    assert claims["sub"] == "wb-edistrict" and claims["role"] == "client"  # a machine client (test_machine_clients)
    assert claims["scope"] == "grievances:read grievances:file"  # registered without a scope: file, read its own
    wrong = requests.post(platform.base + "/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("wb-edistrict", "not-the-secret"), timeout=10)
    assert wrong.status_code == 401


def test_a_code_works_once(platform, platform_config):
    mobile = "9830014141"
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": mobile}))
    form = {"grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": last_code(platform_config, mobile)}
    assert requests.post(platform.base + "/oauth/token", data=form, timeout=10).status_code == 200
    again = requests.post(platform.base + "/oauth/token", data=form, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    unknown_client = requests.post(platform.base + "/oauth/token", data={**form, "client_id": "nobody"}, timeout=10)
    assert unknown_client.status_code in (400, 401)


def test_officers_sign_in_with_their_registered_mobile_and_get_their_scope(platform_with, platform_config):
    platform = platform_with(directory=())  # accounts outside the officer directory: none seeded
    officer = {"sub": "off-phe-bankura-l1-1", "name": "Field Officer", "mobile": "7000000001", "role": "officer",
               "department": "phe", "districts": ["Bankura"]}
    bad = platform.request("POST", "/api/v1/admin/accounts", ADMIN, json={**officer, "department": None})
    assert bad.status_code == 400 and "department" in bad.json()["errors"]
    assert platform.request("POST", "/api/v1/admin/accounts", {"sub": "x", "role": "officer",
                            "department": "phe", "districts": ["Bankura"]}, json=officer).status_code == 403
    assert platform.ok(platform.request("POST", "/api/v1/admin/accounts", ADMIN, json=officer))["created"]

    token = sign_in(platform, platform_config, "7000000001")["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert (claims["sub"], claims["role"], claims["department"], claims["districts"]) == \
        ("off-phe-bankura-l1-1", "officer", "phe", ["Bankura"])
    queue = requests.get(platform.base + "/api/v1/officer/queue", headers=bearer(token), timeout=10)
    assert queue.status_code == 200 and queue.json()["officer_id"] == "off-phe-bankura-l1-1"

    platform.ok(platform.request("POST", "/api/v1/admin/accounts", ADMIN,
                                 json={**officer, "role": "supervisor", "districts": ["Bankura", "Nadia"]}))
    changes = platform.ok(platform.request("GET", "/api/v1/admin/audit?kind=role_changed", ADMIN))["entries"]
    assert changes[0]["sub"] == "off-phe-bankura-l1-1" and changes[0]["after"]["role"] == "supervisor"
    sign_ins = platform.ok(platform.request("GET", "/api/v1/admin/audit?kind=signed_in", ADMIN))["entries"]
    assert any(e["sub"] == "off-phe-bankura-l1-1" for e in sign_ins)
    listed = platform.ok(platform.request("GET", "/api/v1/admin/accounts", ADMIN))["accounts"]
    assert listed[0]["mobile"] == "70******01"


def test_the_cli_seeds_the_demo_accounts(platform, platform_config, tmp_path):
    import subprocess
    import sys

    import yaml

    config_file = tmp_path / "sorasori.yaml"
    config_file.write_text(yaml.safe_dump(platform_config))
    run = subprocess.run([sys.executable, "-m", "services.identity.cli", "seed-demo"], capture_output=True,
                         text=True, timeout=120, env={**__import__("os").environ, "SORASORI_CONFIG": str(config_file)})
    assert run.returncode == 0, run.stderr
    assert "demo accounts" in run.stderr and "off-phe-bankura-l1-1" in run.stderr
    listed = platform.ok(platform.request("GET", "/api/v1/admin/accounts", ADMIN))["accounts"]
    roles = {a["role"] for a in listed}
    assert roles == {"officer", "cmo_cell", "supervisor", "admin"} and len(listed) >= 20


def test_client_registration_never_overwrites_a_client(platform, platform_config):
    """The built-in clients (web, citizen app, SSO) cannot be registered over, nor can any existing client;
    of 20 concurrent registrations of one new id exactly one wins."""
    from eventlet.greenpool import GreenPool

    def register(client_id):
        return platform.request("POST", "/api/v1/admin/clients", ADMIN, json={"client_id": client_id})

    for builtin in ("sorasori-web", "sorasori-console", APP, platform_config["SSO_CLIENT_ID"]):
        refused = register(builtin)
        assert refused.status_code == 409, refused.text
        assert "client_id" in refused.json()["details"]
    first = platform.ok(register("wb-edistrict"), 201)
    again = register("wb-edistrict")
    assert again.status_code == 409 and "client_id" in again.json()["details"]
    token = requests.post(platform.base + "/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("wb-edistrict", first["client_secret"]), timeout=10)
    assert token.status_code == 200, token.text  # the first secret still works

    statuses = list(GreenPool(20).imap(lambda _: register("wb-racing-system").status_code, range(20)))
    assert sorted(statuses) == [201] + [409] * 19, statuses
    # the web client is untouched: its sign-in page still opens for its registered redirect URI
    page = requests.get(platform.base + "/oauth/authorize", timeout=10, params={
        "client_id": "sorasori-web", "response_type": "code", "redirect_uri": "http://127.0.0.1/app/callback",
        "scope": "openid", "code_challenge": "x" * 43, "code_challenge_method": "S256", "state": "s"})
    assert page.status_code == 200, page.text[:300]
