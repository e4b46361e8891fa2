"""A second, independent relying-party library against the platform's OpenID Connect provider: pyoidc
(`oic` on PyPI) reads the discovery document, runs the authorization code flow with PKCE through the real
sign-in page (mobile and SMS code), checks the `iss` of the authorization response (RFC 9207), verifies the
ID token against the JWKS and reads UserInfo."""
from urllib.parse import urlsplit

import requests
from oic import rndstr
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from tests.integration.console import code_sent_to, hidden_fields
from tests.integration.test_code_flow import REDIRECT

MOBILE = "9830055588"


def test_pyoidc_signs_in_with_pkce_verifies_the_id_token_and_reads_userinfo(platform, platform_config):
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    provider = client.provider_config(platform.base)  # discovery: the issuer must equal where it was found
    assert provider["issuer"] == platform.base and provider["userinfo_endpoint"]
    client.store_registration_info(RegistrationResponse(client_id="sorasori-web", redirect_uris=[REDIRECT],
                                                        token_endpoint_auth_method="none"))
    client.redirect_uris = [REDIRECT]
    state, nonce = rndstr(), rndstr()
    pkce_args, verifier = client.add_code_challenge()
    request = client.construct_AuthorizationRequest(request_args={
        "client_id": "sorasori-web", "response_type": "code", "scope": ["openid", "grievances", "phone"],
        "state": state, "nonce": nonce, "redirect_uri": REDIRECT, **pkce_args})
    url = request.request(client.authorization_endpoint)

    fields = hidden_fields(requests.get(url, timeout=10).text)
    requests.post(platform.base + "/oauth/authorize", data={**fields, "mobile": MOBILE, "step": "send_code"},
                  timeout=10)
    signed_in = requests.post(platform.base + "/oauth/authorize", allow_redirects=False, timeout=10, data={
        **fields, "mobile": MOBILE, "code": code_sent_to(platform_config, MOBILE), "step": "sign_in"})
    assert signed_in.status_code == 302, signed_in.text

    answer = client.parse_response(AuthorizationResponse, info=urlsplit(signed_in.headers["Location"]).query,
                                   sformat="urlencoded")
    assert answer["state"] == state and answer["iss"] == provider["issuer"]  # RFC 9207
    tokens = client.do_access_token_request(state=state, request_args={
        "code": answer["code"], "redirect_uri": REDIRECT, "code_verifier": verifier},
        authn_method="")
    id_token = tokens["id_token"]  # verified by pyoidc against the JWKS: signature, issuer, audience
    assert id_token["iss"] == provider["issuer"] and id_token["nonce"] == nonce
    assert "sorasori-web" in id_token["aud"]

    userinfo = client.do_user_info_request(state=state)
    assert userinfo["sub"] == id_token["sub"]
    assert userinfo["phone_number"] == "+91" + MOBILE and userinfo["phone_number_verified"] is True
