"""Verifying access tokens at the gateway, locally, against the identity service's JWKS (cached; fetched
again when a token names a key the cache does not have, at most every few seconds)."""
import threading
import time

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shared.actors import actor_schema, is_machine_client
from shared.errors import Unauthenticated, ValidationFailed, validated
from shared.vocabulary import CLIENT_SCOPES, Audience

AUDIENCE = Audience.API
CACHE_SECONDS = 300
REFETCH_AT_MOST_EVERY = 5
LEEWAY_SECONDS = 30


class TokenVerifier:
    def __init__(self, issuer, fetch_jwks, clock=time.time):
        self.issuer = issuer
        self.fetch_jwks = fetch_jwks
        self.clock = clock
        self.keys = None
        self.fetched_at = 0.0
        self.fetching = threading.Lock()  # green under eventlet: requests arriving at once wait for one fetch

    def _due(self, kid, now):
        stale = self.keys is None or now - self.fetched_at > CACHE_SECONDS
        unknown = self.keys is not None and kid not in {k.kid for k in self.keys.keys}
        return stale or (unknown and now - self.fetched_at > REFETCH_AT_MOST_EVERY)

    def _key_set(self, kid):
        if self._due(kid, self.clock()):
            with self.fetching:
                if self._due(kid, self.clock()):  # not fetched meanwhile by the request we waited for
                    self.keys = KeySet.import_key_set(self.fetch_jwks())
                    self.fetched_at = self.clock()
        return self.keys

    def actor(self, token):
        """The caller a valid token speaks for; Unauthenticated for anything else."""
        try:
            header = jws.extract_compact(token.encode()).protected
            keys = self._key_set(header.get("kid"))
            decoded = jwt.decode(token, keys, algorithms=["RS256"])
        except (JoseError, ValueError):
            raise Unauthenticated("the access token is malformed or its signature does not verify") from None
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS, iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": AUDIENCE}, exp={"essential": True}, sub={"essential": True})
        try:
            registry.validate(claims)
        except JoseError as error:
            raise Unauthenticated(f"token rejected: {error.description or error.error}") from None
        actor = {"sub": claims["sub"], "role": claims.get("role")}
        for key in ("mobile", "name", "department", "districts"):
            if key in claims:
                actor[key] = claims[key]
        if is_machine_client(actor):  # its limits, and the scopes its token holds (RFC 6749: space-separated)
            actor["departments"] = claims.get("departments") or []
            # a scope of no use here (an older registration's `grievances`) grants nothing
            actor["scopes"] = [scope for scope in str(claims.get("scope") or "").split() if scope in CLIENT_SCOPES]
        try:
            return validated(actor_schema, actor)
        except ValidationFailed:
            raise Unauthenticated("the token's claims are not a Sorasori caller") from None
