"""The OAuth 2.0 and OpenID Connect endpoints (through the gateway): token, revocation, the authorization
code flow's checks and redirect, discovery, and the purge of expired sign-in state."""
import json
import logging

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from nameko.timer import timer

from services.identity.clients import BuiltinClients
from services.identity.common import account_of, utcnow
from services.identity.keys import ALG
from services.identity.oauth import (
    OTP_GRANT,
    REFRESH_TOKEN_SECONDS,
    SCOPES_SUPPORTED,
    IdentityServer,
    unquotable_parameter,
)
from services.identity.schemas import HttpRequestSchema
from services.identity.sign_in import verify_otp, verify_otp_or_why
from services.identity.signing import key_ring
from services.identity.storage import IdentityStorage
from services.identity.userinfo import (
    CLAIMS_SUPPORTED,
    InvalidToken,
    bearer_token,
    claims_for,
    verified_claims,
)
from shared.actors import actor_schema
from shared.errors import EXPECTED, validated
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider

log = logging.getLogger(__name__)

_http_schema = HttpRequestSchema()
PURGE_INTERVAL_SECONDS = 600


def identity_server(store, settings, ensure_builtin_clients):
    ensure_builtin_clients(store, settings)
    return IdentityServer(store, settings.oidc_issuer, lambda: key_ring(store).signing_keys(utcnow()),
                          lambda mobile, code, request: verify_otp(store, mobile, code),
                          lambda sub: account_of(store, sub))


def consent_grant(server, http):
    unquotable = unquotable_parameter(http["args"])
    if unquotable:
        raise InvalidRequestError(f"{unquotable} has characters no valid value has")
    return server.get_consent_grant(http)


class AccessDenied(Exception):
    error = "access_denied"

    def __init__(self, description):
        super().__init__(description)
        self.description = description


class OAuthEndpoints:
    store = IdentityStorage()
    settings = SettingsProvider()
    builtin_clients = BuiltinClients()

    def _server(self):
        return identity_server(self.store, self.settings, self.builtin_clients)

    @rpc(expected_exceptions=EXPECTED)
    def token(self, http):
        return self._server().create_token_response(validated(_http_schema, http))

    @rpc(expected_exceptions=EXPECTED)
    def revoke(self, http):
        return self._server().create_endpoint_response("revocation", validated(_http_schema, http))

    @rpc(expected_exceptions=EXPECTED)
    def authorization_page(self, http):
        """Check an authorization request before the sign-in page is shown for it."""
        try:
            grant = consent_grant(self._server(), validated(_http_schema, http))
        except OAuth2Error as error:
            return {"ok": False, "error": error.error, "description": error.description}
        return {"ok": True, "client_id": grant.client.get_client_id(), "scope": grant.request.payload.scope,
                "sso": bool(self.settings.sso_issuer)}

    @rpc(expected_exceptions=EXPECTED)
    def authorize(self, http, mobile, code):
        """The person on the sign-in page proved their number: send them back to the client with a code.
        A refusal carries its kind (`reason`, a key of otp.REFUSALS), which the page words in its language."""
        refused = []

        def proven():
            account, why = verify_otp_or_why(self.store, mobile or "", code or "")
            if account is None:
                refused.append(why)
                raise AccessDenied("the code is wrong or has expired")
            return account
        answer = self._answer_authorization(http, proven)
        return {**answer, "reason": refused[0]} if refused and not answer["ok"] else answer

    @rpc(expected_exceptions=EXPECTED)
    def deny(self, http):
        """The person on the sign-in page cancelled: back to the client with error=access_denied."""
        return self._answer_authorization(http, lambda: None)

    def _answer_authorization(self, http, grant_user):
        """Back to the client: with a code for the user `grant_user()` gives, with error=access_denied
        for None (authlib's answer either way), or the request's own error."""
        http = validated(_http_schema, http)
        server = self._server()
        try:
            grant = consent_grant(server, http)
            user = grant_user()
        except (OAuth2Error, AccessDenied) as error:
            return {"ok": False, "error": error.error, "description": error.description}
        return {"ok": True, **server.create_authorization_response(http, grant_user=user, grant=grant)}

    @rpc(expected_exceptions=EXPECTED)
    def userinfo(self, http):
        """OpenID Connect UserInfo for a bearer access token, answered in the token endpoints' format."""
        http = validated(_http_schema, http)
        token = bearer_token(http)
        try:
            if not token:
                raise InvalidToken("send the access token as Authorization: Bearer")
            claims = verified_claims(token, key_ring(self.store).public_jwks(utcnow()), self.settings.oidc_issuer)
            account = account_of(self.store, claims["sub"])
            if account is None:
                raise InvalidToken("the account of this token no longer exists")
        except InvalidToken as error:
            challenge = f'Bearer error="invalid_token", error_description="{error}"' if token else "Bearer"
            return {"status": 401, "headers": {"WWW-Authenticate": challenge},
                    "body": json.dumps({"error": "invalid_token", "error_description": str(error)})}
        body = claims_for(account, set(str(claims.get("scope") or "").split()))
        return {"status": 200, "headers": {}, "body": json.dumps(body, ensure_ascii=False)}

    @rpc(expected_exceptions=EXPECTED)
    def caller_profile(self, actor):
        """The signed-in caller's own mobile and name, which tokens do not carry (the gateway asks once per
        request that needs them)."""
        actor = validated(actor_schema, actor)
        account = account_of(self.store, actor["sub"])
        if account is None:
            return {"sub": actor["sub"], "mobile": None, "name": None}
        return {"sub": account.sub, "mobile": account.mobile, "name": account.name}

    @rpc
    def openid_configuration(self):
        issuer = self.settings.oidc_issuer
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "grant_types_supported": ["authorization_code", OTP_GRANT, "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            "id_token_signing_alg_values_supported": [ALG],
            "scopes_supported": SCOPES_SUPPORTED,
            "claims_supported": CLAIMS_SUPPORTED,
            "authorization_response_iss_parameter_supported": True,
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        }

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_expired(self):
        purged = self.store.purge_expired(utcnow(), keep_used_codes_seconds=86400,
                                          keep_families_seconds=REFRESH_TOKEN_SECONDS)
        if any(purged.values()):
            log.info("expired sign-in state purged", extra={"purged": purged})
