"""Who is calling: the gateway's authentication hook.

Until the identity service (OpenID Connect) lands, the only working mode is AUTH_MODE=development,
which accepts *unsigned* development tokens: `Authorization: Bearer dev.<base64url JSON claims>`, e.g.
{"sub": "citizen-9830012345", "role": "citizen", "mobile": "9830012345"}. Anyone can forge them, so the
gateway refuses to start in development mode when SORASORI_ENV=production, and any other mode rejects
every request (closed by default) until real token verification is configured.
"""
import base64
import json
import logging

from nameko.extensions import DependencyProvider

from shared.actors import actor_schema
from shared.errors import Unauthenticated, ValidationFailed, validated

log = logging.getLogger(__name__)

DEVELOPMENT = "development"
DEV_TOKEN_PREFIX = "dev."


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


class Authenticator(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.mode = config.get("AUTH_MODE", "oidc")
        if self.mode == DEVELOPMENT:
            if config.get("SORASORI_ENV") == "production":
                raise RuntimeError("AUTH_MODE=development accepts forged tokens; refusing to start in production")
            log.warning("DEVELOPMENT AUTHENTICATION: tokens are not verified; never expose this gateway")

    def get_dependency(self, worker_ctx):
        return self.authenticate

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthenticated("sign in first: an Authorization: Bearer token is required")
        token = header[len("Bearer "):].strip()
        if self.mode == DEVELOPMENT and token.startswith(DEV_TOKEN_PREFIX):
            return _read_dev_token(token)
        raise Unauthenticated("token verification is not configured (the identity service is not live yet)")
