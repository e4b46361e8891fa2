"""OpenID Connect for client libraries: discovery names UserInfo, the claims and RFC 9207; authorization
responses (codes and errors) carry `iss`; the access token carries a subject and no mobile number; UserInfo
gives the phone number under the `phone` scope only; the gateway still knows a signed-in citizen's mobile
(from identity, by the subject) to file and list their cases. Driven with authlib's OAuth 2.0 client."""
import base64
import json
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from services.gateway.list_schemas import UserInfoSchema
from tests.integration.console import code_sent_to, hidden_fields
from tests.integration.platform_client import drinking_water
from tests.integration.test_code_flow import REDIRECT

MOBILE = "9830055577"


def _client(scope):
    return OAuth2Session("sorasori-web", redirect_uri=REDIRECT, scope=scope, code_challenge_method="S256",
                         token_endpoint_auth_method="none")


def _sign_in(platform, platform_config, discovery, scope):
    client, verifier = _client(scope), generate_token(48)
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier)
    fields = hidden_fields(requests.get(url, timeout=10).text)
    requests.post(platform.base + "/oauth/authorize", data={**fields, "mobile": MOBILE, "step": "send_code"},
                  timeout=10)
    signed_in = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10, data={
        **fields, "mobile": MOBILE, "code": code_sent_to(platform_config, MOBILE), "step": "sign_in"})
    assert signed_in.status_code == 302, signed_in.text
    callback = signed_in.headers["Location"]
    assert parse_qs(urlsplit(callback).query)["iss"] == [discovery["issuer"]]  # RFC 9207
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier,
                               state=state)
    return client, token


def _payload(jwt):
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_discovery_names_userinfo_claims_and_iss_in_authorization_responses(platform):
    discovery = platform.ok(platform.request("GET", "/.well-known/openid-configuration"))
    assert discovery["userinfo_endpoint"] == discovery["issuer"] + "/oauth/userinfo"
    assert {"sub", "phone_number", "phone_number_verified", "name"} <= set(discovery["claims_supported"])
    assert discovery["authorization_response_iss_parameter_supported"] is True
    assert {"openid", "phone", "profile"} <= set(discovery["scopes_supported"])


def test_code_flow_userinfo_by_scope_and_a_token_without_the_mobile(platform, platform_config):
    discovery = platform.ok(platform.request("GET", "/.well-known/openid-configuration"))
    client, token = _sign_in(platform, platform_config, discovery, "openid grievances phone")
    claims = _payload(token["access_token"])
    assert claims["sub"] and claims["role"] == "citizen"
    assert MOBILE not in json.dumps(claims) and "mobile" not in claims and "phone_number" not in claims

    info = client.get(discovery["userinfo_endpoint"])
    assert info.status_code == 200, info.text
    assert info.json() == {"sub": claims["sub"], "phone_number": "+91" + MOBILE, "phone_number_verified": True}
    assert "no-store" in info.headers["Cache-Control"] and UserInfoSchema().validate(info.json()) == {}
    posted = requests.post(discovery["userinfo_endpoint"], data={"access_token": token["access_token"]}, timeout=10)
    assert posted.status_code == 200 and posted.json()["phone_number"] == "+91" + MOBILE

    # the gateway resolves the citizen's mobile from the subject: filing and their own list work
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    filed = requests.post(platform.base + "/api/v1/grievances", json=drinking_water(mobile=MOBILE), headers=bearer,
                          timeout=20)
    assert filed.status_code == 201, filed.text
    mine = requests.get(platform.base + "/api/v1/me/grievances", headers=bearer, timeout=10)
    assert [i["tracking_id"] for i in mine.json()["items"]] == [filed.json()["tracking_id"]], mine.text
    someone_else = requests.post(platform.base + "/api/v1/grievances", headers=bearer, timeout=20,
                                 json=drinking_water(mobile="9830000001"))
    assert someone_else.status_code == 403  # still only under the number they proved

    without_phone, token2 = _sign_in(platform, platform_config, discovery, "openid grievances")
    assert without_phone.get(discovery["userinfo_endpoint"]).json() == {"sub": claims["sub"]}


def test_userinfo_refuses_a_missing_or_bad_token_as_rfc_6750_says(platform):
    url = platform.base + "/oauth/userinfo"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    forged = requests.get(url, headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}, timeout=10)
    assert forged.status_code == 401 and 'error="invalid_token"' in forged.headers["WWW-Authenticate"]
    assert forged.json()["error"] == "invalid_token"


def test_a_cancelled_sign_in_goes_back_to_the_client_with_an_error_and_iss(platform):
    discovery = platform.ok(platform.request("GET", "/.well-known/openid-configuration"))
    url, state = _client("openid").create_authorization_url(discovery["authorization_endpoint"],
                                                            code_verifier=generate_token(48))
    fields = hidden_fields(requests.get(url, timeout=10).text)
    cancelled = requests.post(platform.base + "/oauth/authorize", data={**fields, "step": "cancel"},
                              allow_redirects=False, timeout=10)
    assert cancelled.status_code == 302, cancelled.text
    back = parse_qs(urlsplit(cancelled.headers["Location"]).query)
    assert back["error"] == ["access_denied"] and back["state"] == [state] and back["iss"] == [discovery["issuer"]]
