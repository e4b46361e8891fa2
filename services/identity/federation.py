"""Signing in with the state's single sign-on: the identity service as a relying party of an upstream
OpenID Connect provider (issuer, client id and secret from config). The upstream's ID token is verified
against its JWKS (issuer, audience, nonce, expiry) and the person is mapped to a local account: a link
made on an earlier sign-in, else a staff account with the same mobile number, else a citizen account.

In development the platform's own provider can stand in as the upstream (SSO_ISSUER = OIDC_ISSUER): the
identity service then registers the relying-party client in its own store, so the path is tested for real.
"""
import time

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from nameko.extensions import DependencyProvider

DISCOVERY_CACHE_SECONDS = 300


class FederationError(Exception):
    pass


class Discovery:
    """Upstream discovery documents, each kept DISCOVERY_CACHE_SECONDS."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.cached = {}  # issuer -> (fetched at, document)

    def __call__(self, issuer):
        cached = self.cached.get(issuer)
        if cached and self.clock() - cached[0] < DISCOVERY_CACHE_SECONDS:
            return cached[1]
        document = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        if document.get("issuer") != issuer:
            raise FederationError("the upstream's discovery document names another issuer")
        self.cached[issuer] = (self.clock(), document)
        return document


class UpstreamDiscovery(DependencyProvider):
    """Injects the container's `Discovery` (its cache lives as long as the container)."""

    def setup(self):
        self.discovery = Discovery()

    def get_dependency(self, worker_ctx):
        return self.discovery


class Upstream:
    def __init__(self, issuer, client_id, client_secret, callback_uri, discover):
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.callback_uri = callback_uri
        self.discover = discover  # issuer -> its discovery document (a Discovery)

    def _session(self):
        return OAuth2Session(self.client_id, self.client_secret, redirect_uri=self.callback_uri, scope="openid",
                             code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")

    def start(self):
        """(authorization URL, what to remember until the callback)."""
        verifier, nonce = generate_token(48), generate_token(24)
        url, state = self._session().create_authorization_url(self.discover(self.issuer)["authorization_endpoint"],
                                                              code_verifier=verifier, nonce=nonce)
        return url, {"state": state, "verifier": verifier, "nonce": nonce}

    def finish(self, code, pending):
        """The verified claims of the upstream's ID token for this sign-in."""
        document = self.discover(self.issuer)
        token = self._session().fetch_token(document["token_endpoint"], code=code, code_verifier=pending["verifier"])
        if "id_token" not in token:
            raise FederationError("the upstream sent no ID token")
        keys = KeySet.import_key_set(requests.get(document["jwks_uri"], timeout=10).json())
        try:
            claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
            jwt.JWTClaimsRegistry(leeway=30, iss={"essential": True, "value": self.issuer},
                                  aud={"essential": True, "value": self.client_id},
                                  nonce={"essential": True, "value": pending["nonce"]},
                                  exp={"essential": True}, sub={"essential": True}).validate(claims)
        except JoseError as error:
            raise FederationError(f"the upstream ID token is not valid: {error.error}") from None
        return claims
