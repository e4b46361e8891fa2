"""OpenID Connect UserInfo (a mixin of GatewayService): GET or POST with the access token as a bearer token
(or, POST, the form's access_token); identity answers by the token's scopes (services/identity/userinfo.py)."""
from services.gateway.http_server import http


class OidcRoutes:
    @http("GET,POST", "/oauth/userinfo")
    def userinfo(self, request):
        return self._oauth(request, self.identity.userinfo)
