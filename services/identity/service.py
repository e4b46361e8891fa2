"""Identity: the platform's OpenID Connect provider, citizen OTP sign-in, officer roles and scopes."""
import logging
from datetime import datetime, timedelta, timezone

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from nameko.timer import timer

from services.identity import otp
from services.identity.federation import FederationError, Upstream
from services.identity.keys import ALG, KeyRing
from services.identity.oauth import (
    ACCESS_TOKEN_SECONDS,
    OTP_GRANT,
    REFRESH_TOKEN_SECONDS,
    Account,
    Client,
    IdentityServer,
    secret_hash,
    unquotable_parameter,
)
from services.identity.schemas import HttpRequestSchema, MachineClientSchema, OtpRequestSchema, StaffAccountSchema
from services.identity.storage import IdentityStorage
from shared.actors import ADMIN, actor_schema
from shared.errors import EXPECTED, Conflict, Forbidden, RateLimited, validated
from shared.masking import mask_mobile
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService
from shared.signed_rpc import SignedRpcProxy

log = logging.getLogger(__name__)

CITIZEN_APP = Client(client_id="sorasori-citizen-app", grant_types=[OTP_GRANT, "refresh_token"],
                     scope="openid grievances")
# The web and mobile front ends: public clients (no secret), the code flow with PKCE.
WEB_AND_MOBILE = "sorasori-web"
_otp_schema = OtpRequestSchema()
_http_schema = HttpRequestSchema()
_client_schema = MachineClientSchema()
_staff_schema = StaffAccountSchema()
_builtin_clients_written = set()
PURGE_INTERVAL_SECONDS = 600


def utcnow():
    return datetime.now(timezone.utc)


class IdentityService(StoreBackedService):
    name = "identity"
    store = IdentityStorage()
    notification = SignedRpcProxy("notification")

    # --- citizens: sign in with a one-time password -----------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def request_otp(self, payload, address):
        """Send a sign-in code by SMS. The answer never says whether the number has an account."""
        request = validated(_otp_schema, payload)
        mobile, now = request["mobile"][-10:], utcnow()
        number_window, address_window, window_end = otp.send_windows(mobile, address, now)
        refused_by = self.store.take_send_slots(number_window, otp.MAX_SENDS_PER_NUMBER,
                                                address_window, otp.MAX_SENDS_PER_ADDRESS, window_end)
        if refused_by is not None:
            why = otp.SEND_REFUSALS[refused_by]
            self.store.audit("otp_refused", now, mobile_sub=mask_mobile(mobile), address=address, reason=why)
            raise RateLimited(why)
        code = otp.new_code()
        self.store.put_challenge(otp.new_challenge(mobile, now, code))
        self.notification.send_sms({"to": mobile, "template": "otp", "language": request["language"],
                                    "params": {"code": code, "minutes": otp.LIFETIME.seconds // 60}})
        self.store.audit("otp_sent", now, mobile=mask_mobile(mobile), address=address)
        return {"sent": True, "expires_in": otp.LIFETIME.seconds}

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_expired(self):
        purged = self.store.purge_expired(utcnow(), keep_used_codes_seconds=86400,
                                          keep_families_seconds=REFRESH_TOKEN_SECONDS)
        if any(purged.values()):
            log.info("expired sign-in state purged", extra={"purged": purged})

    # --- the OAuth 2.0 endpoints (through the gateway) --------------------------------------------

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
            grant = self._consent_grant(self._server(), validated(_http_schema, http))
        except OAuth2Error as error:
            return {"ok": False, "error": error.error, "description": error.description}
        return {"ok": True, "client_id": grant.client.get_client_id(), "scope": grant.request.payload.scope,
                "sso": self._upstream() is not None}

    @rpc(expected_exceptions=EXPECTED)
    def authorize(self, http, mobile, code):
        """The person on the sign-in page proved their number: send them back to the client with a code."""
        http = validated(_http_schema, http)
        server = self._server()
        try:
            grant = self._consent_grant(server, http)
        except OAuth2Error as error:
            return {"ok": False, "error": error.error, "description": error.description}
        account = self._verify_otp(mobile or "", code or "", grant.request)
        if account is None:
            return {"ok": False, "error": "access_denied", "description": "the code is wrong or has expired"}
        return {"ok": True, **server.create_authorization_response(http, grant_user=account, grant=grant)}

    # --- single sign-on with the state's provider (federation) -----------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def sso_start(self, http):
        """Send the person on the sign-in page to the state SSO; remember where they were going."""
        http = validated(_http_schema, http)
        upstream = self._upstream()
        if upstream is None:
            return {"ok": False, "error": "unsupported", "description": "single sign-on is not configured"}
        try:
            self._consent_grant(self._server(), http)
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
        server = self._server()
        grant = server.get_consent_grant(pending["request"])
        return {"ok": True, **server.create_authorization_response(pending["request"], grant_user=account,
                                                                   grant=grant)}

    @rpc
    def jwks(self):
        return self._keys().public_jwks(utcnow())

    @rpc
    def openid_configuration(self):
        issuer = self.settings.oidc_issuer
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "grant_types_supported": ["authorization_code", OTP_GRANT, "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            "id_token_signing_alg_values_supported": [ALG],
            "scopes_supported": ["openid", "grievances"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        }

    # --- administration ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def rotate_signing_key(self, actor):
        actor = self._admin(actor)
        result = self._keys().rotate(utcnow())
        self.store.audit("signing_key_rotated", utcnow(), by=actor["sub"], **result)
        return result

    @rpc(expected_exceptions=EXPECTED)
    def register_machine_client(self, payload, actor):
        """Another state system (client credentials). The secret is shown once and stored hashed."""
        actor = self._admin(actor)
        request = validated(_client_schema, payload)
        if request["client_id"] in self._builtin_client_ids():
            raise Conflict(f"{request['client_id']} is one of the platform's own clients",
                           {"client_id": ["Reserved for the platform's own clients."]})
        secret = generate_token(40)
        client = Client(client_id=request["client_id"], grant_types=["client_credentials"], scope=request["scope"],
                        secret_hash=secret_hash(secret), auth_method="client_secret_basic",
                        claims={"role": "system"})
        if not self.store.add_client(client, utcnow()):
            raise Conflict(f"a client {client.client_id} is already registered",
                           {"client_id": ["Already registered; choose another id."]})
        self.store.audit("client_registered", utcnow(), by=actor["sub"], client_id=client.client_id)
        return {"client_id": client.client_id, "client_secret": secret}

    @rpc(expected_exceptions=EXPECTED)
    def put_staff_account(self, payload, actor):
        """Create an officer (or supervisor, cell member, administrator) or change their role and scope."""
        actor = self._admin(actor)
        account = validated(_staff_schema, payload)
        account["_id"] = account.pop("sub")
        account["mobile"] = account["mobile"][-10:]
        now = utcnow()
        previous = self.store.put_staff_account(account, now)
        if previous is None:
            self.store.audit("account_created", now, by=actor["sub"], sub=account["_id"], role=account["role"],
                             department=account["department"], districts=account["districts"])
        elif (previous.get("role"), previous.get("department"), previous.get("districts")) != \
                (account["role"], account["department"], account["districts"]):
            self.store.audit("role_changed", now, by=actor["sub"], sub=account["_id"],
                             before={"role": previous.get("role"), "department": previous.get("department"),
                                     "districts": previous.get("districts")},
                             after={"role": account["role"], "department": account["department"],
                                    "districts": account["districts"]})
        return {"sub": account["_id"], "created": previous is None}

    @rpc(expected_exceptions=EXPECTED)
    def staff_accounts(self, actor):
        self._admin(actor)
        return [{"sub": a["_id"], **{k: a.get(k) for k in ("name", "role", "department", "districts")},
                 "mobile": mask_mobile(a["mobile"])} for a in self.store.staff_accounts()]

    @rpc(expected_exceptions=EXPECTED)
    def audit_log(self, actor, kind=None):
        self._admin(actor)
        return [{**e, "at": e["at"].isoformat()} for e in self.store.audit_entries(kind)]

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _consent_grant(server, http):
        unquotable = unquotable_parameter(http["args"])
        if unquotable:
            raise InvalidRequestError(f"{unquotable} has characters no valid value has")
        return server.get_consent_grant(http)

    def _admin(self, actor):
        actor = validated(actor_schema, actor)
        if actor["role"] != ADMIN:
            raise Forbidden("only an administrator may do this")
        return actor

    def _keys(self):
        return KeyRing(self.store.db.signing_keys, timedelta(seconds=ACCESS_TOKEN_SECONDS))

    def _server(self):
        database = self.store.db.name
        if database not in _builtin_clients_written:  # once per process and database, not per request
            for client in (CITIZEN_APP, self._web_client()) + self._own_sso_client():
                if self.store.client(client.client_id) != client:
                    self.store.put_client(client, utcnow())
            _builtin_clients_written.add(database)
        return IdentityServer(self.store, self.settings.oidc_issuer, lambda: self._keys().signing_keys(utcnow()),
                              self._verify_otp, self._account)

    def _upstream(self):
        issuer = self.settings.sso_issuer
        if not issuer:
            return None
        return Upstream(issuer, self.settings.sso_client_id, self.settings.sso_client_secret,
                        f"{self.settings.oidc_issuer}/oauth/sso/callback")

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
        self.store.audit("signed_in", now, sub=sub, method="sso", upstream=claims["iss"])
        return self._account(sub)

    def _builtin_client_ids(self):
        return {CITIZEN_APP.client_id, WEB_AND_MOBILE, self.settings.sso_client_id or ""} - {""}

    def _web_client(self):
        uris = [u.strip() for u in self.settings.web_redirect_uris.split(",") if u.strip()]
        return Client(client_id=WEB_AND_MOBILE, grant_types=["authorization_code", "refresh_token"],
                      scope="openid grievances", redirect_uris=uris)

    def _own_sso_client(self):
        """Development: the platform's own provider stands in as the state SSO."""
        if not self.settings.sso_issuer or self.settings.sso_issuer != self.settings.oidc_issuer:
            return ()
        return (Client(client_id=self.settings.sso_client_id, grant_types=["authorization_code"], scope="openid",
                       secret_hash=secret_hash(self.settings.sso_client_secret), auth_method="client_secret_basic",
                       redirect_uris=[f"{self.settings.oidc_issuer}/oauth/sso/callback"]),)

    def _verify_otp(self, mobile, code, request):
        """The guess is counted before the code is compared, in the operation that checks the code still
        takes guesses: of any number of guesses at once, at most MAX_ATTEMPTS are compared."""
        mobile, now = mobile[-10:], utcnow()
        challenge = self.store.spend_attempt(mobile, otp.open_for_attempts(now))
        if challenge is None:
            self.store.audit("sign_in_failed", now, mobile=mask_mobile(mobile),
                             reason=otp.refusal(self.store.challenge(mobile), now))
            return None
        if not otp.matches(challenge, code):
            self.store.audit("sign_in_failed", now, mobile=mask_mobile(mobile), reason="wrong code",
                             attempt=challenge["attempts"], code_burnt=challenge["attempts"] >= otp.MAX_ATTEMPTS)
            return None
        if not self.store.use_challenge(mobile, challenge["salt"]):
            return None  # someone used it a moment ago
        staff = self.store.staff_account_for(mobile)
        if staff is not None:
            self.store.audit("signed_in", now, sub=staff["_id"], role=staff["role"], method="mobile_otp")
            return self._account(staff["_id"])
        account = self.store.citizen_signed_in(mobile, now)
        self.store.audit("signed_in", now, sub=account["_id"], method="mobile_otp")
        return Account(sub=account["_id"], role="citizen", mobile=mobile)

    def _account(self, sub):
        doc = self.store.account(sub)
        if doc is None:
            return None
        return Account(sub=doc["_id"], role=doc["role"], mobile=doc.get("mobile"), name=doc.get("name"),
                       department=doc.get("department"), districts=doc.get("districts", []))
