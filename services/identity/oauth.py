"""The OAuth 2.0 / OpenID Connect server, built on authlib, carried over RPC: the gateway hands over the
HTTP request (method, URL, headers, form) and sends back the status, headers and body authlib made.

Grants: the citizens' mobile one-time password (a grant type of our own, RFC 6749 section 4.5), refresh
tokens (rotated on every use), and client credentials for other state systems. Access tokens are JWTs
(RFC 9068) signed with the key ring's active key.
"""
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

from authlib.common.security import generate_token
from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator

OTP_GRANT = "urn:sorasori:params:oauth:grant-type:mobile-otp"
AUDIENCE = "sorasori-api"
ACCESS_TOKEN_SECONDS = 900
REFRESH_TOKEN_SECONDS = 30 * 86400


def secret_hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Client(rfc6749.ClientMixin):
    client_id: str
    grant_types: list
    scope: str = "openid"
    secret_hash: str | None = None            # None: a public client (a phone app keeps no secret)
    auth_method: str = "none"
    claims: dict = field(default_factory=dict)  # role etc. for machine clients

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or self.scope).split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return self.secret_hash is not None and hmac.compare_digest(self.secret_hash, secret_hash(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


@dataclass
class Account:
    """The person a token speaks for (authlib's user)."""
    sub: str
    role: str
    mobile: str | None = None
    name: str | None = None
    department: str | None = None
    districts: list = field(default_factory=list)

    def get_user_id(self):
        return self.sub

    def claims(self):
        claims = {"role": self.role}
        for key in ("mobile", "name", "department"):
            if getattr(self, key):
                claims[key] = getattr(self, key)
        if self.districts:
            claims["districts"] = self.districts
        return claims


class RpcOAuth2Request(OAuth2Request):
    """authlib's request, made from what the gateway forwarded: method, url, headers, form."""

    def __init__(self, http):
        super().__init__(http["method"], http["url"], headers=http.get("headers") or {})
        self._form = http.get("form") or {}
        self.payload = BasicOAuth2Payload(self._form)

    @property
    def form(self):
        return self._form

    @property
    def args(self):
        return {}


def rpc_request(http):
    return RpcOAuth2Request(http)


class MobileOTPGrant(rfc6749.grants.BaseGrant, rfc6749.TokenEndpointMixin):
    """A citizen proves the mobile number with the code sent to it by SMS."""
    GRANT_TYPE = OTP_GRANT
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    def validate_token_request(self):
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise InvalidGrantError("this client may not sign citizens in by OTP")
        form = self.request.payload.data
        if not form.get("mobile") or not form.get("code"):
            raise InvalidRequestError("mobile and code are required")
        account = self.server.verify_otp(form["mobile"], form["code"], self.request)
        if account is None:
            raise InvalidGrantError("the code is wrong, expired or used, or the number is locked")
        self.request.user = account
        self.request.client = client

    def create_token_response(self):
        token = self.generate_token(user=self.request.user, scope=self.request.client.scope,
                                    include_refresh_token=True)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class RotatingRefreshTokenGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        return self.server.store.find_refresh_token(secret_hash(refresh_token))

    def authenticate_user(self, refresh_token):
        return self.server.account(refresh_token["sub"])

    def revoke_old_credential(self, refresh_token):
        self.server.store.revoke_refresh_token(refresh_token["_id"])


class StoredRefreshToken(dict):
    """A refresh token record, as authlib's TokenMixin needs it."""

    def check_client(self, client):
        return self["client_id"] == client.get_client_id()

    def get_scope(self):
        return self["scope"]

    def get_expires_in(self):
        return REFRESH_TOKEN_SECONDS

    def is_expired(self):
        return self["expires_at"] < time.time()

    def is_revoked(self):
        return self.get("revoked", False)


class RefreshRevocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["none", "client_secret_basic"]

    def query_token(self, token_string, token_type_hint):
        return self.server.store.find_refresh_token(secret_hash(token_string))

    def revoke_token(self, token, request):
        self.server.store.revoke_refresh_token(token["_id"])


class AccessTokens(JWTBearerTokenGenerator):
    def __init__(self, server, issuer):
        super().__init__(issuer=issuer, refresh_token_generator=lambda *a, **k: generate_token(48),
                         expires_generator=lambda client, grant_type: ACCESS_TOKEN_SECONDS)
        self.server = server

    def get_jwks(self):
        return self.server.signing_keys()

    def get_audiences(self, client, user, scope):
        return AUDIENCE

    def get_extra_claims(self, client, grant_type, user, scope):
        return user.claims() if user else dict(client.claims)


class IdentityServer(rfc6749.AuthorizationServer):
    """authlib's authorization server with the identity service's store behind it."""

    def __init__(self, store, issuer, signing_keys, verify_otp, account):
        super().__init__(scopes_supported=["openid", "grievances"])
        self.store = store
        self.signing_keys = signing_keys
        self.verify_otp = verify_otp
        self.account = account
        self.register_token_generator("default", AccessTokens(self, issuer))
        self.register_grant(MobileOTPGrant)
        self.register_grant(RotatingRefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(RefreshRevocation)

    def query_client(self, client_id):
        return self.store.client(client_id)

    def save_token(self, token, request):
        if token.get("refresh_token"):
            self.store.save_refresh_token(secret_hash(token["refresh_token"]), request.client.get_client_id(),
                                          request.user.get_user_id(), token.get("scope", ""),
                                          time.time() + REFRESH_TOKEN_SECONDS)

    def create_oauth2_request(self, request):
        return rpc_request(request)

    def create_json_request(self, request):
        return rpc_request(request)

    def handle_response(self, status, body, headers):
        return {"status": status, "headers": dict(headers), "body": json.dumps(body) if isinstance(body, dict)
                else body}

    def send_signal(self, name, *args, **kwargs):
        pass
