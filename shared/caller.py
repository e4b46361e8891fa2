"""Who is calling, proved on the bus: every RPC carries a short-lived caller token (a JWS, HS256, keyed by
INTERNAL_CALLER_KEY) in its `nameko.caller_token` header, and every service verifies it before it acts.

The gateway signs a token for the caller it authenticated; services and command-line tools sign their own
(`caller=None`: the service itself, or an explicit `system` caller). A token is minted afresh for each call,
so a long request (a streamed CSV export) never outlives its token. A symmetric key is enough because every
process that holds it is one of the platform's own and mints tokens itself (identity calls notification,
the rebuild reads intake as `system`); a process with only the broker's credentials has no key.
"""
import json
import logging
import os
import secrets
import time
from pathlib import Path

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from shared.errors import Unauthenticated
from shared.settings import settings_of
from shared.vocabulary import Audience

log = logging.getLogger(__name__)

CONTEXT_KEY = "caller_token"  # nameko sends context data as `nameko.<key>` message headers
HEADER = f"nameko.{CONTEXT_KEY}"
AUDIENCE = Audience.PLATFORM
ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 30
LEEWAY_SECONDS = 5
MIN_KEY_LENGTH = 32
DEVELOPMENT_KEY_FILE = Path(__file__).resolve().parent.parent / "var" / "secrets" / "internal-caller.key"


def development_key(path=None):
    """The key every local process shares: made once (mode 600) by whichever process needs it first."""
    path = Path(path or DEVELOPMENT_KEY_FILE)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process created it a moment ago and may still be writing
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.05)
        raise RuntimeError(f"{path} is empty") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


class CallerKey:
    def __init__(self, secret, ttl=DEFAULT_TTL_SECONDS, clock=time.time):
        if not secret or len(secret) < MIN_KEY_LENGTH:
            raise RuntimeError(f"INTERNAL_CALLER_KEY must be at least {MIN_KEY_LENGTH} characters")
        self.key = OctKey.import_key(secret.encode())
        self.ttl = int(ttl)
        self.clock = clock

    @classmethod
    def from_config(cls, config):
        settings = settings_of(config)
        secret = settings.internal_caller_key
        if secret is None:
            if settings.sorasori_env == "production":
                raise RuntimeError("INTERNAL_CALLER_KEY is required in production (a secret of 32+ characters)")
            secret = development_key()
        return cls(secret, settings.internal_caller_ttl)

    def mint(self, caller, issuer):
        """A token saying `issuer` calls on behalf of `caller` (an actor dict, or None: itself)."""
        now = int(self.clock())
        claims = {"iss": issuer, "aud": AUDIENCE, "iat": now, "exp": now + self.ttl, "caller": caller}
        return jwt.encode({"alg": ALGORITHM, "typ": "sorasori-caller+jwt"}, claims, self.key)

    def verify(self, token):
        """The token's claims if this platform signed it and it is still fresh; Unauthenticated otherwise."""
        if not isinstance(token, str) or not token:
            raise Unauthenticated("no caller token")
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM]).claims
            jwt.JWTClaimsRegistry(
                now=int(self.clock()), leeway=LEEWAY_SECONDS, iss={"essential": True},
                aud={"essential": True, "value": AUDIENCE}, exp={"essential": True},
                iat={"essential": True}).validate(claims)
        except (JoseError, ValueError) as error:
            raise Unauthenticated(f"caller token rejected: {error.__class__.__name__}") from None
        if claims["iat"] > self.clock() + LEEWAY_SECONDS:
            raise Unauthenticated("caller token rejected: issued in the future")
        caller = claims.get("caller")
        if caller is not None and not isinstance(caller, dict):
            raise Unauthenticated("caller token rejected: caller")
        return claims


def same_caller(actor, caller):
    """Whether the `actor` argument of an RPC is exactly the caller the token speaks for."""
    def canonical(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    return caller is not None and canonical(actor) == canonical(caller)
