"""Single sign-on with the state's provider (federation): start, and the callback that maps the upstream
person to a local account (services/identity/federation.py)."""
from datetime import timedelta

import requests
from authlib.oauth2.rfc6749.errors import OAuth2Error

from services.identity.clients import BuiltinClients
from services.identity.common import account_of, utcnow
from services.identity.federation import FederationError, Upstream, UpstreamDiscovery
from services.identity.schemas import HttpRequestSchema
from services.identity.storage import IdentityStorage
from services.identity.tokens import consent_grant, identity_server
from shared.errors import EXPECTED, validated
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider

_http_schema = HttpRequestSchema()


class SingleSignOn:
    store = IdentityStorage()
    settings = SettingsProvider()
    builtin_clients = BuiltinClients()
    discovery = UpstreamDiscovery()

    @rpc(expected_exceptions=EXPECTED)
    def sso_start(self, http):
        """Send the person on the sign-in page to the state SSO; remember where they were going."""
        http = validated(_http_schema, http)
        upstream = self._upstream()
        if upstream is None:
            return {"ok": False, "error": "unsupported", "description": "single sign-on is not configured"}
        try:
            consent_grant(identity_server(self.store, self.settings, self.builtin_clients), http)
        except OAuth2Error as error:
            return {"ok": False, "error": error.error, "description": error.description}
        url, pending = upstream.start()
        self.store.save_sso_login({"_id": pending.pop("state"), **pending, "request": http,
                                   "expires_at": utcnow() + timedelta(minutes=10)})
        return {"ok": True, "redirect": url}

    @rpc(expected_exceptions=EXPECTED)
    def sso_callback(self, args):
        """The state SSO sent the person back: verify, map to a local account, finish the original request."""
        pending = self.store.take_sso_login(str(args.get("state", "")))
        if pending is None or pending["expires_at"] < utcnow():
            return {"ok": False, "error": "access_denied", "description": "this sign-in has expired; start again"}
        if "error" in args or "code" not in args:
            return {"ok": False, "error": "access_denied", "description": "the state sign-on did not sign you in"}
        try:
            claims = self._upstream().finish(args["code"], pending)
        except (FederationError, OAuth2Error, requests.RequestException) as error:
            self.store.audit("sign_in_failed", utcnow(), method="sso", reason=str(error)[:200])
            return {"ok": False, "error": "access_denied", "description": "the state sign-on could not be verified"}
        account = self._federated_account(claims)
        server = identity_server(self.store, self.settings, self.builtin_clients)
        grant = server.get_consent_grant(pending["request"])
        return {"ok": True, **server.create_authorization_response(pending["request"], grant_user=account,
                                                                   grant=grant)}

    def _upstream(self):
        settings = self.settings
        if not settings.sso_issuer:
            return None
        return Upstream(settings.sso_issuer, settings.sso_client_id, settings.sso_client_secret,
                        f"{settings.oidc_issuer}/oauth/sso/callback", self.discovery)

    def _federated_account(self, claims):
        """A link from an earlier sign-in, else a staff account with this mobile, else a citizen."""
        now, link_id = utcnow(), f"{claims['iss']}|{claims['sub']}"
        sub = self.store.federated_link(link_id)
        if sub is None:
            mobile = (claims.get("phone_number") or "")[-10:]
            staff = self.store.staff_account_for(mobile) if mobile else None
            if staff is not None:
                sub = staff["_id"]
            elif mobile:
                sub = self.store.citizen_signed_in(mobile, now)["_id"]
            else:
                raise FederationError("the state sign-on gave no mobile number to find the account by")
            self.store.link_federated(link_id, sub, now)
        account = account_of(self.store, sub)
        if account is None:
            raise FederationError("this staff account is closed (retired)")
        self.store.audit("signed_in", now, sub=sub, method="sso", upstream=claims["iss"])
        return account
