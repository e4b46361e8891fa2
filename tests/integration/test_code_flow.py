"""The authorization code flow with PKCE, driven by a standard OAuth/OIDC client library (authlib's
requests client), through the gateway's sign-in page."""
import re

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from services.gateway.sign_in_words import WORDS
from tests.integration.console import code_sent_to, hidden_fields

REDIRECT = "http://127.0.0.1/app/callback"


def test_code_flow_with_pkce_gives_tokens_and_an_id_token(platform, platform_config):
    discovery = platform.ok(platform.request("GET", "/.well-known/openid-configuration"))
    client = OAuth2Session("sorasori-web", redirect_uri=REDIRECT, scope="openid grievances",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(discovery["issuer"] + "/oauth/authorize", code_verifier=verifier,
                                                 nonce="n-123")
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and WORDS["bn"]["send"] in page.text  # no language asked: Bengali
    assert page.headers["X-Frame-Options"] == "DENY"
    fields = hidden_fields(page.text)
    assert fields["code_challenge_method"] == "S256" and fields["state"] == state

    sent = requests.post(platform.base + "/oauth/authorize", data={**fields, "mobile": "9830055500",
                                                                    "step": "send_code"}, timeout=10)
    assert sent.status_code == 200 and 'name="code"' in sent.text
    wrong = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10,
                          data={**fields, "mobile": "9830055500", "code": "000000", "step": "sign_in"})
    assert wrong.status_code == 400 and WORDS["bn"]["errors"]["wrong_code"] in wrong.text
    signed_in = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10, data={
        **fields, "mobile": "9830055500", "code": code_sent_to(platform_config, "9830055500"), "step": "sign_in"})
    assert signed_in.status_code == 302, signed_in.text
    callback = signed_in.headers["Location"]
    assert callback.startswith(REDIRECT + "?code=") and f"state={state}" in callback

    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["access_token"] and token["refresh_token"] and token["id_token"]
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(token["id_token"], keys).claims
    assert id_token["iss"] == discovery["issuer"] and id_token["aud"] == ["sorasori-web"]
    assert id_token["nonce"] == "n-123" and id_token["role"] == "citizen" and id_token["phone_number"] == "+919830055500"
    me = requests.get(platform.base + "/api/v1/officer/queue", timeout=10,
                      headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 403  # signed in as a citizen: authenticated, not an officer

    replay = requests.post(discovery["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "code": re.search(r"code=([^&]+)", callback).group(1),
        "redirect_uri": REDIRECT, "client_id": "sorasori-web", "code_verifier": verifier})
    assert replay.status_code == 400  # a code works once


def test_pkce_is_required_and_checked(platform, platform_config):
    base = platform.base + "/oauth/authorize"
    common = {"response_type": "code", "client_id": "sorasori-web", "redirect_uri": REDIRECT, "scope": "openid",
              "state": "s1"}
    assert requests.get(base, params=common, timeout=10).status_code == 400  # no code_challenge
    plain = {**common, "code_challenge": "x" * 43, "code_challenge_method": "plain"}
    assert requests.get(base, params=plain, timeout=10).status_code == 400
    evil = {**common, "redirect_uri": "https://evil.example/steal", "code_challenge": "x" * 43,
            "code_challenge_method": "S256"}
    refused = requests.get(base, params=evil, timeout=10, allow_redirects=False)
    assert refused.status_code == 400 and "evil" not in refused.headers.get("Location", "")

    client = OAuth2Session("sorasori-web", redirect_uri=REDIRECT, scope="openid", code_challenge_method="S256",
                           token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(base, code_verifier=verifier)
    fields = hidden_fields(requests.get(url, timeout=10).text)
    requests.post(base, data={**fields, "mobile": "9830055511", "step": "send_code"}, timeout=10)
    callback = requests.post(base, allow_redirects=False, timeout=10, data={
        **fields, "mobile": "9830055511", "code": code_sent_to(platform_config, "9830055511"),
        "step": "sign_in"}).headers["Location"]
    stolen = requests.post(platform.base + "/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": re.search(r"code=([^&]+)", callback).group(1),
        "redirect_uri": REDIRECT, "client_id": "sorasori-web", "code_verifier": generate_token(48)})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"  # wrong verifier


import pytest  # noqa: E402


@pytest.fixture
def sso_config(platform_config):
    """The platform's own provider stands in as the state SSO (as in development)."""
    platform_config.update(SSO_ISSUER=f"http://{platform_config['WEB_SERVER_ADDRESS']}",
                           SSO_CLIENT_ID="sorasori-sso-rp", SSO_CLIENT_SECRET=generate_token(32))
    return platform_config


def test_an_officer_signs_in_through_the_state_sso(sso_config, platform, platform_config):
    admin = {"sub": "admin-1", "role": "admin"}
    platform.ok(platform.request("POST", "/api/v1/admin/accounts", admin, json={
        "sub": "off-cyber-sso-1", "name": "Cyber cell officer", "mobile": "7000000050",
        "role": "officer", "department": "home_cyber_cell", "districts": ["*"]}))
    client = OAuth2Session("sorasori-web", redirect_uri=REDIRECT, scope="openid grievances",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(platform.base + "/oauth/authorize", code_verifier=verifier)
    sign_in_page = requests.get(url, timeout=10).text
    sso_link = re.search(r'<a href="([^"]+)">' + WORDS["bn"]["sso"], sign_in_page).group(1)

    to_upstream = requests.get(platform.base + sso_link.replace("&amp;", "&"), allow_redirects=False, timeout=10)
    assert to_upstream.status_code == 302
    upstream_url = to_upstream.headers["Location"]
    assert "client_id=sorasori-sso-rp" in upstream_url and "code_challenge=" in upstream_url

    # The upstream's own sign-in (here: the platform's page, for the relying-party client).
    fields = hidden_fields(requests.get(upstream_url, timeout=10).text)
    requests.post(platform.base + "/oauth/authorize", data={**fields, "mobile": "7000000050", "step": "send_code"},
                  timeout=10)
    back = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10, data={
        **fields, "mobile": "7000000050", "code": code_sent_to(platform_config, "7000000050"), "step": "sign_in"})
    callback = back.headers["Location"]
    assert callback.startswith(platform.base + "/oauth/sso/callback?code=")

    finished = requests.get(callback, allow_redirects=False, timeout=30)
    assert finished.status_code == 302, finished.text
    client_callback = finished.headers["Location"]
    assert client_callback.startswith(REDIRECT) and f"state={state}" in client_callback
    token = client.fetch_token(platform.base + "/oauth/token", authorization_response=client_callback,
                               code_verifier=verifier)
    queue = requests.get(platform.base + "/api/v1/officer/queue", timeout=10,
                         headers={"Authorization": f"Bearer {token['access_token']}"})
    assert queue.status_code == 200 and queue.json()["officer_id"] == "off-cyber-sso-1"

    again = requests.get(callback, allow_redirects=False, timeout=10)  # the pending sign-in is used up
    assert again.status_code == 400
    audit = platform.ok(platform.request("GET", "/api/v1/admin/audit?kind=signed_in", admin))["entries"]
    assert any(e.get("method") == "sso" and e["sub"] == "off-cyber-sso-1" for e in audit)
