"""The console's only way to the platform: the gateway's public HTTP API (what a mobile app may call too).

`Gateway` answers `Answer(status, body)` for anything the gateway said (a 4xx is an answer for the page to
show) and raises `PartUnavailable` naming the part of the platform when the gateway cannot be reached or
says 502/503/504, so a page can show that part as unavailable and render the rest. `SignInRequired` is
raised when the person's tokens no longer work.

Sign-in goes through Authlib's OAuth 2.0 client (`OAuth2Session`) as the confidential client
`sorasori-console` (code flow with PKCE, client_secret_basic).
"""
import logging
import time
from dataclasses import dataclass

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from nameko.extensions import DependencyProvider

from shared import console_client
from shared.settings import settings_of

log = logging.getLogger(__name__)
UNAVAILABLE_STATUSES = {502, 503, 504}
CATALOG_FRESH_SECONDS = 300  # the catalogue changes only with a release; revalidated by ETag after this


class PartUnavailable(Exception):
    """`part` is a key of the translations (`part.<name>`): what the person cannot use right now."""

    def __init__(self, part):
        super().__init__(part)
        self.part = part


class SignInRequired(Exception):
    pass


class BadToken(Exception):
    """A token from the provider that does not verify (signature, issuer, audience, nonce, expiry)."""


LEEWAY_SECONDS = 30


@dataclass
class Answer:
    status: int
    body: object
    headers: dict

    @property
    def ok(self):
        return 200 <= self.status < 300

    def field_errors(self):
        """problem+json's `errors` as {field: [message, ...]} (nested fields flattened as a.b)."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        flat = {}

        def walk(prefix, value):
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), inner)
            else:
                flat[prefix] = value if isinstance(value, list) else [str(value)]
        walk("", errors or {})
        return flat


class Gateway:
    def __init__(self, settings, http=None):
        self.secret = console_client.client_secret(settings)
        if self.secret is None:
            raise RuntimeError("WEB_CLIENT_SECRET is required in production (the web console's client secret)")
        self.base = settings.web_gateway_url.rstrip("/")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.timeout = settings.web_gateway_timeout
        self.settings = settings
        self.http = http or requests.Session()

    # --- API calls ---

    def call(self, method, path, part, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.setdefault("Accept", "application/json")
        try:
            response = self.http.request(method, self.base + path, headers=headers, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            log.warning("the gateway did not answer", extra={"part": part, "error": type(error).__name__})
            raise PartUnavailable(part) from None
        if response.status_code in UNAVAILABLE_STATUSES:
            log.warning("the gateway says a part is unavailable",
                        extra={"part": part, "status": response.status_code})
            raise PartUnavailable(part)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        return Answer(response.status_code, body, dict(response.headers))

    def stream(self, method, path, part, token, **kwargs):
        """The gateway's raw answer, its body not yet read (a CSV passed on in chunks); close it when done."""
        try:
            return self.http.request(method, self.base + path, headers={"Authorization": f"Bearer {token}"},
                                     timeout=self.timeout, allow_redirects=False, stream=True, **kwargs)
        except requests.RequestException:
            raise PartUnavailable(part) from None

    def catalog(self):
        """GET /api/v1/catalog, kept in the process and revalidated with If-None-Match every few minutes."""
        kept = getattr(self, "_catalog", None)
        if kept and kept[2] > time.monotonic():
            return kept[0]
        headers = {"If-None-Match": kept[1]} if kept and kept[1] else {}
        answer = self.call("GET", "/api/v1/catalog", "catalog", headers=headers)
        if answer.status == 304 and kept:
            body = kept[0]
        elif answer.ok:
            body = answer.body
        else:
            raise PartUnavailable("catalog")
        self._catalog = (body, answer.headers.get("ETag"), time.monotonic() + CATALOG_FRESH_SECONDS)
        return body

    # --- OAuth (the confidential client) ---

    def oauth(self, **kwargs):
        return OAuth2Session(console_client.CLIENT_ID, self.secret,
                             token_endpoint_auth_method="client_secret_basic", scope=console_client.SCOPE,
                             redirect_uri=console_client.redirect_uri(self.settings), code_challenge_method="S256",
                             timeout=self.timeout, **kwargs)

    def authorization_url(self, state, nonce, verifier, language):
        """The gateway's sign-in page for this sign-in, in the person's language (OpenID Connect's ui_locales)."""
        url, _ = self.oauth().create_authorization_url(self.issuer + "/oauth/authorize", state=state, nonce=nonce,
                                                       code_verifier=verifier, ui_locales=language)
        return url

    def exchange_code(self, code, verifier):
        """Tokens for an authorization code (Authlib sends the verifier and the client's Basic credentials)."""
        try:
            return self.oauth().fetch_token(self.base + "/oauth/token", grant_type="authorization_code",
                                            code=code, code_verifier=verifier)
        except requests.RequestException:
            raise PartUnavailable("sign_in") from None

    def refresh(self, refresh_token):
        try:
            return self.oauth().refresh_token(self.base + "/oauth/token", refresh_token=refresh_token)
        except requests.RequestException:
            raise PartUnavailable("sign_in") from None

    def revoke(self, refresh_token):
        try:
            self.oauth().revoke_token(self.base + "/oauth/revoke", token=refresh_token,
                                      token_type_hint="refresh_token")
        except requests.RequestException:
            log.warning("could not revoke a refresh token at sign-out (it expires on its own)")

    def signing_keys(self, fresh=False):
        """The provider's JWKS, kept in the process (fetched again for a key it does not know: a rotation)."""
        if fresh or getattr(self, "_keys", None) is None:
            answer = self.call("GET", "/.well-known/jwks.json", "sign_in")
            if not answer.ok:
                raise PartUnavailable("sign_in")
            self._keys = KeySet.import_key_set(answer.body)
        return self._keys

    def verified(self, token, **expected):
        """A token's claims once its signature and `iss`, `exp` and each `expected` claim check out."""
        try:
            try:
                decoded = jwt.decode(token, self.signing_keys())
            except (JoseError, ValueError):
                decoded = jwt.decode(token, self.signing_keys(fresh=True))
            checks = {"iss": {"essential": True, "value": self.issuer}, "exp": {"essential": True},
                      **{name: {"essential": True, "value": value} for name, value in expected.items()}}
            jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **checks).validate(decoded.claims)
        except (JoseError, ValueError):
            raise BadToken() from None
        return decoded.claims

    def who_signed_in(self, token, nonce):
        """The ID token's claims (this client's audience, this sign-in's nonce) with the access token's scope
        of work (a staff member's department and districts)."""
        claims = dict(self.verified(token["id_token"], aud=console_client.CLIENT_ID, nonce=nonce))
        access = self.verified(token["access_token"])
        if access.get("sub") != claims.get("sub"):
            raise BadToken()
        claims.update({name: access[name] for name in ("role", "department", "districts") if name in access})
        return claims


class GatewayClient(DependencyProvider):
    """Injects the process's `Gateway` (one HTTP connection pool)."""

    def setup(self):
        self.gateway = Gateway(settings_of(self.container.config))

    def stop(self):
        self.gateway.http.close()

    def get_dependency(self, worker_ctx):
        return self.gateway
