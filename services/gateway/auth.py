"""Who is calling: the gateway's authentication hook.

Access tokens are JWTs the identity service signs; the gateway verifies them locally (signature against
the cached JWKS, issuer, audience, expiry). AUTH_MODE=development also accepts *unsigned* development
tokens, `Authorization: Bearer dev.<base64url JSON claims>`, e.g. {"sub": "citizen-9830012345",
"role": "citizen", "mobile": "9830012345"}, for roles the identity service cannot issue yet (officers).
Anyone can forge those, so the gateway refuses to start in development mode when SORASORI_ENV=production.
"""
import base64
import json
import logging
import time
from collections import OrderedDict

from nameko.extensions import DependencyProvider

from services.gateway.tokens import TokenVerifier
from services.gateway.web import call
from shared.actors import actor_schema
from shared.authz import allowed, require_route_scope
from shared.errors import PlatformError, Unauthenticated, ValidationFailed, validated
from shared.settings import settings_of
from shared.signed_rpc import SignedClusterRpcProxy, act_for

log = logging.getLogger(__name__)

DEVELOPMENT = "development"
DEV_TOKEN_PREFIX = "dev."
# A citizen's mobile and name by subject, kept so that a signed-in citizen's requests verify locally (one
# identity RPC per citizen every PROFILE_SECONDS, not one per request); bounded, the oldest dropped first.
PROFILE_SECONDS = 120
PROFILES_KEPT = 50_000


class ProfileCache:
    """What identity said of a subject, for PROFILE_SECONDS (a citizen's subject is made from their mobile, so
    the answer does not change; a deleted account stops working within that time, as its token would)."""

    def __init__(self, seconds=PROFILE_SECONDS, size=PROFILES_KEPT, clock=time.monotonic):
        self.seconds, self.size, self.clock = seconds, size, clock
        self.kept = OrderedDict()  # sub -> (until, profile)

    def get(self, sub):
        entry = self.kept.get(sub)
        if entry is None or entry[0] < self.clock():
            self.kept.pop(sub, None)
            return None
        return entry[1]

    def put(self, sub, profile):
        self.kept[sub] = (self.clock() + self.seconds, profile)
        self.kept.move_to_end(sub)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)


def make_dev_token(claims):
    """A development token for the given claims (tests, demos, local clients)."""
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return DEV_TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_dev_token(token):
    body = token[len(DEV_TOKEN_PREFIX):]
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise Unauthenticated("malformed development token") from None
    try:
        return validated(actor_schema, claims)
    except ValidationFailed as error:
        raise Unauthenticated("development token claims are invalid", error.details) from None


def _bearer(request):
    return request.headers.get("Authorization", "")[len("Bearer "):].strip()


def route_scope(worker_ctx):
    """The scope a machine client needs for the route this worker answers (its Operation's `scope`)."""
    operation = getattr(worker_ctx.entrypoint, "doc", None)
    return getattr(operation, "scope", None)


class Authenticator(DependencyProvider):
    def setup(self):
        settings = settings_of(self.container.config)
        self.mode = settings.auth_mode
        self.verifier = TokenVerifier(settings.oidc_issuer, self._fetch_jwks)
        self.profiles = ProfileCache()
        if self.mode == DEVELOPMENT:
            if settings.sorasori_env == "production":
                raise RuntimeError("AUTH_MODE=development accepts forged tokens; refusing to start in production")
            log.warning("DEVELOPMENT AUTHENTICATION: tokens are not verified; never expose this gateway")

    def get_dependency(self, worker_ctx):
        outcome = {}  # the worker's one request: its token is verified once (the rate limiter asks first)

        def authenticate(request):
            if request not in outcome:
                try:
                    actor = self.authenticate(request)
                    signed = not _bearer(request).startswith(DEV_TOKEN_PREFIX)  # dev tokens say all they mean
                    outcome[request] = self._with_contact(worker_ctx, actor) if signed else actor
                except PlatformError as error:  # no valid token, or identity did not answer
                    outcome[request] = error
            if isinstance(outcome[request], Exception):
                raise outcome[request]
            actor = outcome[request]
            require_route_scope(actor, route_scope(worker_ctx))  # a machine client: the route's scope
            act_for(worker_ctx, actor)  # the services verify this caller on each RPC of the request
            return actor

        return authenticate

    def authenticate(self, request):
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            raise Unauthenticated("sign in first: an Authorization: Bearer token is required")
        token = _bearer(request)
        if token.startswith(DEV_TOKEN_PREFIX):
            if self.mode != DEVELOPMENT:
                raise Unauthenticated("development tokens are not accepted here")
            return _read_dev_token(token)
        return self.verifier.actor(token)

    def _with_contact(self, worker_ctx, actor):
        """A citizen's mobile number (what makes a case theirs) is not in their access token: identity says
        it by the subject, kept for a while (`ProfileCache`) so the citizen's next requests verify locally."""
        if not allowed(actor, "cases.act_as_citizen") or actor.get("mobile"):
            return actor
        profile = self.profiles.get(actor["sub"])
        if profile is None:
            act_for(worker_ctx, actor)
            timeout = settings_of(self.container.config).gateway_rpc_timeout
            profile = call("identity", worker_ctx.service.identity.caller_profile, actor, timeout=timeout)
            if not profile.get("mobile"):
                raise Unauthenticated("the account this token was issued for no longer exists; sign in again")
            profile = {"mobile": profile["mobile"], "name": profile.get("name")}
            self.profiles.put(actor["sub"], profile)
        return {**actor, "mobile": profile["mobile"], "name": actor.get("name") or profile.get("name")}

    def _fetch_jwks(self):
        with SignedClusterRpcProxy(self.container.config, issuer="gateway", timeout=5) as cluster:
            return cluster.identity.jwks()
