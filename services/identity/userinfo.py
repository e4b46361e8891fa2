"""OpenID Connect UserInfo (Core 1.0, section 5.3): the claims about the signed-in person that an access
token's scopes allow, for relying parties. Access tokens name only the subject (and a staff member's role
and scope of work): a citizen's mobile number is never in a token a client can read, it is here, under
the `phone` scope."""
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.identity.keys import ALG
from services.identity.oauth import AUDIENCE
from shared.vocabulary import Role

LEEWAY_SECONDS = 30
CLAIMS_SUPPORTED = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "role", "name", "phone_number",
                    "phone_number_verified"]


class InvalidToken(Exception):
    """RFC 6750 `invalid_token`: the caller must sign in again."""


def bearer_token(http):
    """The access token of a UserInfo request: the Authorization header, or (POST) the form's access_token."""
    header = next((value for name, value in (http.get("headers") or {}).items() if name.lower() == "authorization"),
                  "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return (http.get("form") or {}).get("access_token") or None


def verified_claims(token, public_jwks, issuer):
    """The claims of one of our access tokens whose signature, issuer, audience and expiry hold."""
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(public_jwks), algorithms=[ALG])
        jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, iss={"essential": True, "value": issuer},
                              aud={"essential": True, "value": AUDIENCE}, exp={"essential": True},
                              sub={"essential": True}).validate(decoded.claims)
    except (JoseError, ValueError):
        raise InvalidToken("the access token is not valid") from None
    return decoded.claims


def claims_for(account, scopes):
    """What UserInfo says about `account` (authlib's Account) under these scopes. A citizen's account exists
    only once they proved their number (OTP or the state SSO): verified; a staff member's number was typed
    by an administrator: not verified by us."""
    claims = {"sub": account.sub}
    if "phone" in scopes and account.mobile:
        claims["phone_number"] = "+91" + account.mobile[-10:]
        claims["phone_number_verified"] = account.role == Role.CITIZEN
    if "profile" in scopes and account.name:
        claims["name"] = account.name
    return claims
