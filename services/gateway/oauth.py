"""The gateway's identity endpoints (a part of GatewayService): OpenID Connect discovery and keys, the
authorization code flow's sign-in page (OTP or single sign-on), and the token and revocation endpoints,
answered in OAuth's own formats by the identity service."""
import logging
from urllib.parse import urlencode

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.gateway import schemas as answers
from services.gateway import sign_in_words
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.limits import OTP_VERIFY, SIGN_IN, TOKEN
from services.gateway.list_schemas import UserInfoRequestSchema, UserInfoSchema
from services.gateway.openapi import FORM, HTML, REDIRECT, Operation
from services.gateway.pages import oauth_params, sign_in_page, wants_html
from services.gateway.problems import from_error
from services.gateway.responses import json_response
from services.gateway.throttle import Throttle, form_mobile, otp_attempt, throttled
from services.gateway.web import api, json_body
from services.identity.schemas import OtpRequestSchema
from shared.errors import PlatformError
from shared.signed_rpc import SignedRpcProxy

log = logging.getLogger(__name__)


def throttled_page(self, request, error):
    """Too many tries on the sign-in page: for a browser, the page again (what was typed kept) saying so."""
    if not wants_html(request):
        return None
    return sign_in_page(request, oauth_params(request.values), status=429, mobile=request.form.get("mobile", ""),
                        code_sent=request.form.get("step") == "sign_in", refusal="rate_limited",
                        retry_after=int(error.headers["Retry-After"]), headers=error.headers)


def oauth_detail(answer):
    """OAuth's error code and description, for the developer of the app whose link it was."""
    return ": ".join(part for part in (answer.get("error"), answer.get("description")) if part)


class OAuthRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    identity = SignedRpcProxy("identity")

    @http("GET", "/.well-known/openid-configuration", doc=Operation(
        "OpenID Connect discovery", tags=("Identity",), public=True,
        responses={200: answers.OpenIdConfigurationSchema}))
    @api
    def openid_configuration(self, request):
        return 200, self._rpc("identity", self.identity.openid_configuration), {"Cache-Control": "max-age=300"}

    @http("GET", "/.well-known/jwks.json", doc=Operation(
        "The keys that sign tokens (JWKS)", tags=("Identity",), public=True,
        responses={200: answers.JwksSchema}))
    @api
    def jwks(self, request):
        return 200, self._rpc("identity", self.identity.jwks), {"Cache-Control": "max-age=60"}

    @http("POST", "/oauth/otp", doc=Operation(
        "Send a sign-in code by SMS", tags=("Identity",), public=True, request=OtpRequestSchema,
        responses={200: answers.OtpSentSchema}, errors=(429,)))
    @api
    def request_otp(self, request):
        """A citizen asks for a sign-in code by SMS."""
        return 200, self._rpc("identity", self.identity.request_otp, json_body(request), self.client_address(request)), {}

    @http("GET", "/oauth/authorize", doc=Operation(
        "The authorization code flow's sign-in page", tags=("Identity",), public=True,
        responses={200: HTML, 400: HTML}))
    @throttled(SIGN_IN, page=throttled_page)
    def authorization_page(self, request):
        """The code flow starts here: a sign-in page for a valid authorization request."""
        params = oauth_params(request.args)
        checked = self._rpc("identity", self.identity.authorization_page, self._forward(request, args=params))
        if not checked["ok"]:
            return sign_in_page(request, {}, status=400, refusal="bad_link",
                                detail=oauth_detail(checked))
        sso = f"/oauth/sso/start?{urlencode(params)}" if checked["sso"] else None
        return sign_in_page(request, params, sso=sso)

    @http("GET", "/oauth/sso/start", doc=Operation(
        "Staff single sign-on: off to the state's identity provider", tags=("Identity",),
        public=True, responses={302: REDIRECT, 400: HTML}))
    def sso_start(self, request):
        return self._sign_in_step(request, self.identity.sso_start,
                                  self._forward(request, args=oauth_params(request.args)))

    @http("GET", "/oauth/sso/callback", doc=Operation(
        "Staff single sign-on: back from the state's identity provider", tags=("Identity",),
        public=True, responses={302: REDIRECT, 400: HTML}))
    def sso_callback(self, request):
        return self._sign_in_step(request, self.identity.sso_callback, request.args.to_dict())

    def _sign_in_step(self, request, method, *args):
        try:
            answer = self._rpc("identity", method, *args)
        except (PlatformError, RemoteError):
            log.exception("a sign-in step failed")
            answer = {"ok": False, "error": "server_error", "description": "please try again"}
        return self._redirect_or_error(request, answer)

    @http("POST", "/oauth/authorize", doc=Operation(
        "The sign-in page's steps: send a code, then check it", tags=("Identity",),
        public=True, request=answers.SignInFormSchema, body=FORM,
        responses={200: HTML, 302: REDIRECT, 400: HTML}))
    @throttled(SIGN_IN, page=throttled_page)
    @throttled(OTP_VERIFY, applies=otp_attempt, mobile=form_mobile, page=throttled_page)
    def authorize(self, request):
        form = request.form
        params, mobile = oauth_params(form), form.get("mobile", "")
        forwarded = self._forward(request, args=params, form={})
        if form.get("step") == "cancel":  # back to the client with error=access_denied (and iss)
            return self._sign_in_step(request, self.identity.deny, forwarded)
        if form.get("step") == "send_code":
            try:
                self._rpc("identity", self.identity.request_otp, {"mobile": mobile}, self.client_address(request))
            except PlatformError as error:  # 400: not a mobile number; 429: too many codes for it
                return sign_in_page(request, params, status=error.status, mobile=mobile,
                                    refusal=sign_in_words.refusal_of(error.status))
            return sign_in_page(request, params, mobile=mobile, code_sent=True, note=True)
        answer = self._rpc("identity", self.identity.authorize, forwarded, mobile, form.get("code", ""))
        if not answer["ok"]:
            return sign_in_page(request, params, status=400, mobile=mobile, code_sent=True,
                                refusal=sign_in_words.refusal_of(400, answer.get("reason", "")))
        return self._redirect_or_error(request, answer)

    @staticmethod
    def _redirect_or_error(request, answer):
        if not answer["ok"]:
            return sign_in_page(request, {}, status=400, refusal="failed",
                                detail=oauth_detail(answer))
        if "redirect" in answer:
            return Response("", status=302, headers={"Location": answer["redirect"]})
        response = Response("", status=answer["status"])
        for name, value in answer["headers"].items():
            response.headers[name] = value
        return response

    @http("POST", "/oauth/token", doc=Operation(
        "Tokens (RFC 6749): code with PKCE, mobile OTP, refresh, client credentials",
        tags=("Identity",), public=True, request=answers.TokenRequestSchema, body=FORM,
        responses={200: answers.TokenSchema, 400: answers.OAuthErrorSchema, 401: answers.OAuthErrorSchema}))
    @throttled(TOKEN)
    @throttled(OTP_VERIFY, applies=otp_attempt, mobile=form_mobile)
    def token(self, request):
        return self._oauth(request, self.identity.token)

    @http("POST", "/oauth/revoke", doc=Operation(
        "Revoke a token (RFC 7009)", tags=("Identity",), public=True,
        request=answers.RevokeRequestSchema, body=FORM,
        responses={200: {"type": "object", "description": "revoked (or never valid): an empty object"},
                   400: answers.OAuthErrorSchema,
                   401: answers.OAuthErrorSchema}))
    def revoke(self, request):
        return self._oauth(request, self.identity.revoke)

    @staticmethod
    def _forward(request, args=None, form=None):
        """The parts of an HTTP request the OAuth server needs (no cookies, no other headers)."""
        return {"method": request.method, "url": request.base_url,
                "headers": {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")},
                "args": request.args.to_dict() if args is None else args,
                "form": request.form.to_dict() if form is None else form}

    @http("GET", "/oauth/userinfo", doc=Operation(
        "OpenID Connect UserInfo: the signed-in person's claims by the token's scopes", tags=("Identity",),
        responses={200: UserInfoSchema, 401: answers.OAuthErrorSchema}))
    @http("POST", "/oauth/userinfo", doc=Operation(
        "OpenID Connect UserInfo (the access token as a bearer token or the form's access_token)",
        tags=("Identity",), body=FORM, request=UserInfoRequestSchema,
        responses={200: UserInfoSchema, 401: answers.OAuthErrorSchema}))
    def userinfo(self, request):
        """identity answers by the token's scopes (services/identity/userinfo.py)."""
        return self._oauth(request, self.identity.userinfo)

    def _oauth(self, request, endpoint):
        """OAuth endpoints answer in OAuth's own format (RFC 6749 section 5), made by authlib in identity."""
        forwarded = self._forward(request)
        try:
            answer = self._rpc("identity", endpoint, forwarded)
        except PlatformError as error:
            return from_error(error, instance=request.path)
        except RemoteError:
            log.exception("the token endpoint failed")
            return json_response({"error": "server_error"}, status=500)
        response = Response(answer["body"], status=answer["status"], mimetype="application/json")
        for name, value in answer["headers"].items():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
