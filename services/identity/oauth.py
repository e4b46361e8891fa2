"""The OAuth 2.0 / OpenID Connect server, built on authlib, carried over RPC: the gateway hands over the
HTTP request (method, URL, headers, form) and sends back the status, headers and body authlib made.

Grants: the citizens' mobile one-time password (a grant type of our own, RFC 6749 section 4.5), refresh
tokens (rotated on every use), and client credentials for other state systems. Access tokens are JWTs
(RFC 9068) signed with the key ring's active key.
"""
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode

from shared.vocabulary import CLIENT_SCOPES, Audience, Role

OTP_GRANT = "urn:sorasori:params:oauth:grant-type:mobile-otp"
AUDIENCE = Audience.API
ACCESS_TOKEN_SECONDS = 900
REFRESH_TOKEN_SECONDS = 30 * 86400
SCOPES_SUPPORTED = ["openid", "grievances", "phone", "profile", *map(str, CLIENT_SCOPES)]


def utcnow():
    return datetime.now(UTC)


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
    redirect_uris: list = field(default_factory=list)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or self.scope).split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris  # exact match, never a prefix

    def check_client_secret(self, client_secret):
        return self.secret_hash is not None and hmac.compare_digest(self.secret_hash, secret_hash(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

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
        """What an access token says besides the subject: the role and a staff member's scope of work, never
        the mobile number or name (a client can read the token; they come from UserInfo by scope)."""
        claims = {"role": self.role}
        if self.department:
            claims["department"] = self.department
        if self.districts:
            claims["districts"] = self.districts
        return claims


class RpcOAuth2Request(OAuth2Request):
    """authlib's request, made from what the gateway forwarded: method, url, headers, form."""

    def __init__(self, http):
        super().__init__(http["method"], http["url"], headers=http.get("headers") or {})
        self._form = http.get("form") or {}
        self._args = http.get("args") or {}
        self.payload = BasicOAuth2Payload({**self._args, **self._form})

    @property
    def form(self):
        return self._form

    @property
    def args(self):
        return self._args


# authlib quotes these in its error descriptions and refuses (ValueError) to build one holding a character
# RFC 6749 forbids there (`"`, a backslash, anything outside printable ASCII); no valid value has one.
QUOTED_PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "code_challenge_method")
_ERROR_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


def unquotable_parameter(args):
    """The first authorization parameter no valid request has and authlib cannot name in an error, or None."""
    return next((name for name in QUOTED_PARAMETERS
                 if name in args and not _ERROR_TEXT.fullmatch(str(args[name]))), None)


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
            raise InvalidGrantError("the code is wrong, expired or used, or took too many guesses: ask for a new one")
        self.request.user = account
        self.request.client = client

    def create_token_response(self):
        token = self.generate_token(user=self.request.user, scope=self.request.client.scope,
                                    include_refresh_token=True)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class ScopedClientCredentialsGrant(ClientCredentialsGrant):
    """Other state systems' machine clients. A token request may ask for some of the client's scopes (none
    asked: all of them), never for one the client was not given: invalid_scope naming it (authlib would
    silently leave it out)."""

    def validate_requested_scope(self):
        super().validate_requested_scope()  # scopes this server knows at all
        asked = (self.request.payload.scope or "").split()
        lacking = [scope for scope in asked if scope not in self.request.client.scope.split()]
        if lacking:
            raise InvalidScopeError(f"this client was not given the scope {' '.join(lacking)}")


def machine_client_claims(client):
    """What a machine client's access token says besides its scope: the role `client` (whatever an older
    registration stored) and the departments and districts whose cases it may read."""
    return {"role": Role.CLIENT, "departments": list(client.claims.get("departments") or []),
            "districts": list(client.claims.get("districts") or [])}


class RotatingRefreshTokenGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        """Rotation is one atomic operation: of many requests presenting one token, one gets it. A token
        presented after its rotation (or revocation) revokes its whole family."""
        token_hash, client_id = secret_hash(refresh_token), self.request.client.get_client_id()
        found = self.server.store.rotate_refresh_token(token_hash, client_id, utcnow())
        if found is None:
            self.server.refresh_token_refused(token_hash, client_id)
            return None
        if self.server.store.family_revoked(family_of(found)):
            return None  # it was saved just as its family was revoked
        return StoredRefreshToken(found)

    def authenticate_user(self, refresh_token):
        return self.server.account(refresh_token["sub"])

    def revoke_old_credential(self, refresh_token):
        pass  # revoked already, by the operation that handed it to this request


def family_of(refresh_token):
    return refresh_token.get("family") or refresh_token["_id"]  # tokens saved before families: their own


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
        """Signing out ends the session: every token rotated from the same sign-in."""
        self.server.store.revoke_family(family_of(token), "revoked", utcnow())


class StoredAuthorizationCode(dict, rfc6749.AuthorizationCodeMixin):
    @property
    def code_challenge(self):
        return self.get("code_challenge")

    @property
    def code_challenge_method(self):
        return self.get("code_challenge_method")

    def get_redirect_uri(self):
        return self["redirect_uri"]

    def get_scope(self):
        return self["scope"]

    def get_nonce(self):
        return self.get("nonce")

    def get_auth_time(self):
        return self.get("auth_time")

    def get_acr(self):
        return None

    def get_amr(self):
        return ["otp"]

    def is_expired(self):
        return self["expires_at"] < time.time()


class PkceAuthorizationCodeGrant(AuthorizationCodeGrant):
    """Web and mobile clients: the authorization code flow, with PKCE (S256) required."""
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic"]
    CODE_SECONDS = 60

    def save_authorization_code(self, code, request):
        self.server.store.save_authorization_code({
            "_id": secret_hash(code), "client_id": request.client.get_client_id(),
            "redirect_uri": request.payload.redirect_uri, "scope": request.payload.scope or "",
            "sub": request.user.get_user_id(), "nonce": request.payload.data.get("nonce"),
            "code_challenge": request.payload.data.get("code_challenge"),
            "code_challenge_method": request.payload.data.get("code_challenge_method"),
            "auth_time": int(time.time()), "expires_at": time.time() + self.CODE_SECONDS})

    def query_authorization_code(self, code, client):
        """Single use: marked used by the same atomic operation that finds it. A code presented again
        revokes the tokens it gave (RFC 6749 section 4.1.2)."""
        code_hash = secret_hash(code)
        found = self.server.store.redeem_authorization_code(code_hash, client.get_client_id(), utcnow())
        if found is None:
            self.server.authorization_code_refused(code_hash, client.get_client_id())
            return None
        return StoredAuthorizationCode(found) if found["expires_at"] >= time.time() else None

    def delete_authorization_code(self, authorization_code):
        pass  # marked used when it was redeemed, and kept: a replay must be recognised

    def authenticate_user(self, authorization_code):
        return self.server.account(authorization_code["sub"])


class RequiredPkce(CodeChallenge):
    """authlib only insists on a verifier at the token endpoint; we refuse a missing challenge, or the
    weak `plain` method, already at /authorize."""
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge and code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("only code_challenge_method=S256 is accepted")
        return super().validate_code_challenge(grant, redirect_uri)


class SorasoriOpenIDCode(OpenIDCode):
    """ID tokens for the code flow, signed with the same key ring as access tokens."""

    def __init__(self, server, issuer):
        super().__init__(require_nonce=False)
        self.server = server
        self.issuer = issuer

    def resolve_client_private_key(self, client):
        return self.server.signing_keys()

    def get_client_algorithm(self, client):
        return "RS256"

    def get_client_claims(self, client):
        return {"iss": self.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + ACCESS_TOKEN_SECONDS}

    def exists_nonce(self, nonce, request):
        return False

    def generate_user_info(self, user, scope):
        info = UserInfo(sub=user.get_user_id(), role=user.role)
        if user.name:
            info["name"] = user.name
        if user.mobile:
            info["phone_number"] = "+91" + user.mobile
            info["phone_number_verified"] = user.role == Role.CITIZEN  # as UserInfo says (userinfo.py)
        return info


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
        return user.claims() if user else machine_client_claims(client)


class IdentityServer(rfc6749.AuthorizationServer):
    """authlib's authorization server with the identity service's store behind it."""

    def __init__(self, store, issuer, signing_keys, verify_otp, account):
        super().__init__(scopes_supported=SCOPES_SUPPORTED)
        self.issuer = issuer
        self.store = store
        self.signing_keys = signing_keys
        self.verify_otp = verify_otp
        self.account = account
        self.register_token_generator("default", AccessTokens(self, issuer))
        self.register_grant(MobileOTPGrant)
        self.register_grant(PkceAuthorizationCodeGrant, [RequiredPkce(required=True), SorasoriOpenIDCode(self, issuer)])
        self.register_grant(RotatingRefreshTokenGrant)
        self.register_grant(ScopedClientCredentialsGrant)
        self.register_endpoint(RefreshRevocation)

    def query_client(self, client_id):
        return self.store.client(client_id)

    def save_token(self, token, request):
        if token.get("refresh_token"):
            self.store.save_refresh_token(secret_hash(token["refresh_token"]), request.client.get_client_id(),
                                          request.user.get_user_id(), token.get("scope", ""),
                                          time.time() + REFRESH_TOKEN_SECONDS, self._family(request))

    @staticmethod
    def _family(request):
        """A rotated token stays in its predecessor's family; a code's tokens are the code's family (so a
        replayed code can revoke them); a fresh sign-in starts a family."""
        if request.refresh_token is not None:
            return family_of(request.refresh_token)
        if request.authorization_code is not None:
            return request.authorization_code["_id"]
        return uuid.uuid4().hex

    def refresh_token_refused(self, token_hash, client_id):
        """A used or revoked refresh token presented again: whoever holds the family's newest token may be a
        thief, or its owner may be; revoke the family either way (OAuth 2.0 Security BCP, 4.14.2)."""
        token = self.store.refresh_token(token_hash)
        if token is None or token["client_id"] != client_id or not token["revoked"]:
            return  # unknown, another client's, or merely expired
        revoked = self.store.revoke_family(family_of(token), "refresh_token_reused", utcnow())
        self.store.audit("refresh_token_reused", utcnow(), sub=token["sub"], client_id=client_id,
                         family=family_of(token), revoked=revoked)

    def authorization_code_refused(self, code_hash, client_id):
        code = self.store.authorization_code(code_hash)
        if code is None or code["client_id"] != client_id or not code.get("used"):
            return
        revoked = self.store.revoke_family(code_hash, "authorization_code_reused", utcnow())
        self.store.audit("authorization_code_reused", utcnow(), sub=code["sub"], client_id=client_id,
                         revoked=revoked)

    def create_oauth2_request(self, request):
        return rpc_request(request)

    def create_json_request(self, request):
        return rpc_request(request)

    def handle_response(self, status, body, headers):
        headers = dict(headers)
        if "Location" in headers:  # back to the client, with a code or an error: say who answers (RFC 9207)
            headers["Location"] = add_params_to_uri(headers["Location"], [("iss", self.issuer)])
        return {"status": status, "headers": headers, "body": json.dumps(body) if isinstance(body, dict)
                else body}

    def send_signal(self, name, *args, **kwargs):
        pass
