"""The console's sign-in takes the person's role from the ID token of its own code exchange, and only from
one signed by the platform for this client and this sign-in (UserInfo does not name the role)."""
import time
from types import SimpleNamespace

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from services.web.gateway import Answer, Gateway


def test_the_role_is_taken_only_from_an_id_token_for_this_sign_in():
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
    jwks = KeySet([key]).as_dict(private=False)
    settings = SimpleNamespace(web_client_secret="s", sorasori_env="development", web_gateway_url="http://gw",
                               oidc_issuer="http://gw/", web_gateway_timeout=5, web_public_url="http://web")
    gateway = Gateway(settings, http=object())
    gateway.call = lambda *args, **kwargs: Answer(200, jwks, {})

    def id_token(**claims):
        base = {"iss": "http://gw", "aud": ["sorasori-console"], "sub": "cell-1", "role": "cmo_cell",
                "nonce": "n1", "exp": int(time.time()) + 300}
        return {"id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, {**base, **claims}, key)}

    assert gateway.id_token_claims(id_token(), "n1")["role"] == "cmo_cell"
    assert gateway.id_token_claims(id_token(), "another sign-in") == {}
    assert gateway.id_token_claims(id_token(aud=["sorasori-web"]), "n1") == {}
    assert gateway.id_token_claims(id_token(iss="http://elsewhere"), "n1") == {}
    assert gateway.id_token_claims(id_token(exp=int(time.time()) - 10), "n1") == {}
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    forged = {"id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, {"iss": "http://gw", "aud": "sorasori-console",
                                                                     "role": "admin", "nonce": "n1"}, other)}
    assert gateway.id_token_claims(forged, "n1") == {}
    assert gateway.id_token_claims({}, "n1") == {}
