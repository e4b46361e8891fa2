"""Signing in and out (a mixin of WebService).

GET /sign-in starts the authorization code flow with PKCE as the confidential client: a fresh state, nonce
and verifier are kept in the session (server-side) and the browser goes to the gateway's sign-in page.
GET /auth/callback takes the pending sign-in by its state (once), checks `iss` (RFC 9207), exchanges the
code with the verifier and the client's secret, asks UserInfo who signed in (the role from the verified ID
token of the same exchange: UserInfo does not name it), and starts a NEW session
(another id: no fixation) holding the tokens; the person goes back to the page they were on.
POST /sign-out revokes the refresh token at the gateway and deletes the session.
"""
import logging
import secrets

from authlib.integrations.base_client.errors import OAuthError

from services.web.gateway import PartUnavailable
from services.web.visit import keep_tokens, page, same_site_path
from shared.masking import mask_mobile

log = logging.getLogger(__name__)


def who(claims):
    """What the session keeps about the person: enough to greet them and choose their pages (masked mobile)."""
    return {"sub": claims["sub"], "role": claims.get("role"), "name": claims.get("name"),
            "office": claims.get("office"), "mobile": mask_mobile(claims.get("phone_number"))}


class AuthPages:
    @page("GET", "/sign-in")
    def sign_in(self, visit):
        session = visit.ensure_session()
        pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(16),
                   "verifier": secrets.token_urlsafe(48),
                   "return_to": same_site_path(session.get("return_to") or visit.request.args.get("next"))}
        visit.store.start_sign_in(session, pending)
        url = self.gateway.authorization_url(pending["state"], pending["nonce"], pending["verifier"], visit.language)
        return visit.finish_redirect_to(url)

    @page("GET", "/auth/callback")
    def callback(self, visit):
        args = visit.request.args
        pending = visit.store.take_pending(visit.session, args.get("state", "")) if visit.session else None
        if pending is None:
            log.info("a sign-in callback with no sign-in under way (expired, replayed or forged)")
            return visit.render("sign_in_failed.html", status=400, reason="expired")
        if args.get("iss") and args.get("iss").rstrip("/") != self.gateway.issuer:
            return visit.render("sign_in_failed.html", status=400, reason="issuer")
        if args.get("error") or not args.get("code"):
            return visit.render("sign_in_failed.html", status=400,
                                reason="cancelled" if args.get("error") == "access_denied" else "refused")
        try:
            token = self.gateway.exchange_code(args["code"], pending["verifier"])
        except OAuthError:
            return visit.render("sign_in_failed.html", status=400, reason="refused")
        claims = self.gateway.userinfo(token["access_token"])
        if not claims:
            raise PartUnavailable("sign_in")
        claims = {"role": self.gateway.id_token_claims(token, pending["nonce"]).get("role"), **claims}
        session_id, session = visit.store.signed_in(visit.session, who(claims), keep_tokens(token))
        visit.replace_session(session_id, session)
        return visit.redirect(pending.get("return_to") or "/")

    @page("POST", "/sign-out")
    def sign_out(self, visit):
        tokens = (visit.session or {}).get("tokens") or {}
        if tokens.get("refresh_token"):
            self.gateway.revoke(tokens["refresh_token"])
        visit.end_session()
        return visit.redirect("/")
