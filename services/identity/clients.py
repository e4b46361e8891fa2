"""OAuth clients: the platform's own (the citizen app, the web and mobile front ends, in development the
stand-in SSO relying party), written to the store once per container, and machine clients of other state
systems registered by administrators."""
from authlib.common.security import generate_token
from nameko.extensions import DependencyProvider

from services.identity.common import admin_only, utcnow
from services.identity.oauth import OTP_GRANT, Client, secret_hash
from services.identity.schemas import MachineClientSchema
from services.identity.storage import IdentityStorage
from shared import console_client
from shared.errors import EXPECTED, Conflict, validated
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider
from shared.vocabulary import Role

CITIZEN_APP = Client(client_id="sorasori-citizen-app", grant_types=[OTP_GRANT, "refresh_token"],
                     scope="openid grievances phone profile")
# The web and mobile front ends: public clients (no secret), the code flow with PKCE.
WEB_AND_MOBILE = "sorasori-web"
_client_schema = MachineClientSchema()


def builtin_clients(settings):
    return (CITIZEN_APP, web_client(settings)) + web_console(settings) + own_sso_client(settings)


def builtin_client_ids(settings):
    return {CITIZEN_APP.client_id, WEB_AND_MOBILE, console_client.CLIENT_ID, settings.sso_client_id or ""} - {""}


def web_client(settings):
    uris = [u.strip() for u in settings.web_redirect_uris.split(",") if u.strip()]
    return Client(client_id=WEB_AND_MOBILE, grant_types=["authorization_code", "refresh_token"],
                  scope="openid grievances phone profile", redirect_uris=uris)


def web_console(settings):
    """services/web: a confidential backend-for-frontend (its secret never reaches a browser); none in
    production without WEB_CLIENT_SECRET."""
    secret = console_client.client_secret(settings)
    if secret is None:
        return ()
    return (Client(client_id=console_client.CLIENT_ID, grant_types=["authorization_code", "refresh_token"],
                   scope=console_client.SCOPE, redirect_uris=[console_client.redirect_uri(settings)],
                   secret_hash=secret_hash(secret), auth_method="client_secret_basic"),)


def own_sso_client(settings):
    """Development: the platform's own provider stands in as the state SSO."""
    if not settings.sso_issuer or settings.sso_issuer != settings.oidc_issuer:
        return ()
    return (Client(client_id=settings.sso_client_id, grant_types=["authorization_code"], scope="openid",
                   secret_hash=secret_hash(settings.sso_client_secret), auth_method="client_secret_basic",
                   redirect_uris=[f"{settings.oidc_issuer}/oauth/sso/callback"]),)


class BuiltinClients(DependencyProvider):
    """Injects `ensure(store)`: writes the platform's own clients to the store when they differ, once per
    container (not per request)."""

    def setup(self):
        self.written = False

    def ensure(self, store, settings):
        if self.written:
            return
        for client in builtin_clients(settings):
            if store.client(client.client_id) != client:
                store.put_client(client, utcnow())
        self.written = True

    def get_dependency(self, worker_ctx):
        return self.ensure


class MachineClients:
    store = IdentityStorage()
    settings = SettingsProvider()

    @rpc(expected_exceptions=EXPECTED)
    def register_machine_client(self, payload, actor):
        """Another state system (client credentials). The secret is shown once and stored hashed."""
        actor = admin_only(actor)
        request = validated(_client_schema, payload)
        if request["client_id"] in builtin_client_ids(self.settings):
            raise Conflict(f"{request['client_id']} is one of the platform's own clients",
                           {"client_id": ["Reserved for the platform's own clients."]})
        secret = generate_token(40)
        limits = {"departments": request["departments"], "districts": request["districts"]}
        client = Client(client_id=request["client_id"], grant_types=["client_credentials"], scope=request["scope"],
                        secret_hash=secret_hash(secret), auth_method="client_secret_basic",
                        claims={"role": Role.CLIENT, **limits})
        if not self.store.add_client(client, utcnow()):
            raise Conflict(f"a client {client.client_id} is already registered",
                           {"client_id": ["Already registered; choose another id."]})
        self.store.audit("client_registered", utcnow(), by=actor["sub"], client_id=client.client_id,
                         scope=client.scope, **limits)
        return {"client_id": client.client_id, "client_secret": secret, "scope": client.scope, **limits}
