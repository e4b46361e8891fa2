"""The gateway's token checks, on tokens signed here with throwaway keys."""
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from services.gateway.tokens import AUDIENCE, REFETCH_AT_MOST_EVERY, TokenVerifier
from shared.errors import Unauthenticated

ISSUER = "https://sorasori.example.invalid"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256", "use": "sig"})


def jwks(*keys):
    return {"keys": [k.as_dict(private=False) for k in keys]}


def token(key=KEY, **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "citizen-abc", "role": "citizen", "mobile": "9830012345",
              "iat": now, "exp": now + 900, **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "typ": "at+jwt"}, claims, KeySet([key]))


class Fetcher:
    def __init__(self, *keys):
        self.keys, self.calls = list(keys), 0

    def __call__(self):
        self.calls += 1
        return jwks(*self.keys)


def verifier(fetcher, clock=time.time):
    return TokenVerifier(ISSUER, fetcher, clock=clock)


def test_a_valid_token_gives_the_caller():
    actor = verifier(Fetcher(KEY)).actor(token())
    assert actor["sub"] == "citizen-abc" and actor["role"] == "citizen" and actor["mobile"] == "9830012345"


def test_a_machine_clients_token_gives_its_scopes_and_limits():
    actor = verifier(Fetcher(KEY)).actor(token(sub="wb-dashboard", role="client", mobile=None,
                                               scope="grievances:read insights:read", departments=["phe"],
                                               districts=["Bankura"]))
    assert (actor["role"], actor["scopes"], actor["departments"], actor["districts"]) == \
        ("client", ["grievances:read", "insights:read"], ["phe"], ["Bankura"])
    citizen = verifier(Fetcher(KEY)).actor(token(scope="openid grievances", departments=["phe"]))
    assert "scopes" not in citizen and "departments" not in citizen  # only a machine client's token has them
    older = verifier(Fetcher(KEY)).actor(token(sub="wb", role="client", mobile=None, scope="grievances openid"))
    assert older["scopes"] == [] and older["departments"] == []  # scopes of no use here grant nothing


@pytest.mark.parametrize("overrides", [
    {"exp": int(time.time()) - 3600},          # expired
    {"iss": "https://elsewhere.example"},      # wrong issuer
    {"aud": "another-api"},                    # wrong audience
    {"sub": None},                             # no subject
    {"role": "emperor"},                       # not a Sorasori role
])
def test_bad_claims_are_refused(overrides):
    with pytest.raises(Unauthenticated):
        verifier(Fetcher(KEY)).actor(token(**overrides))


def test_a_token_signed_by_an_unknown_key_is_refused():
    with pytest.raises(Unauthenticated):
        verifier(Fetcher(KEY)).actor(token(key=OTHER))
    with pytest.raises(Unauthenticated):
        verifier(Fetcher(KEY)).actor("not.a.token")


def test_keys_are_cached_and_refetched_for_a_new_kid_at_most_every_few_seconds():
    now = [1000.0]
    fetcher = Fetcher(KEY)
    check = verifier(fetcher, clock=lambda: now[0])
    for _ in range(5):
        check.actor(token())
    assert fetcher.calls == 1                        # cached
    fetcher.keys.append(OTHER)                       # the identity service rotated
    with pytest.raises(Unauthenticated):
        check.actor(token(key=OTHER))                # too soon to fetch again
    now[0] += REFETCH_AT_MOST_EVERY + 1
    assert check.actor(token(key=OTHER))["sub"] == "citizen-abc"
    assert fetcher.calls == 2


def test_ten_requests_at_once_on_a_cold_cache_fetch_the_keys_once():
    import eventlet

    class SlowFetcher(Fetcher):
        def __call__(self):
            eventlet.sleep(0.05)  # identity answering over the bus
            return super().__call__()

    fetcher = SlowFetcher(KEY)
    checking = verifier(fetcher)
    signed = token()
    pool = eventlet.GreenPool(10)
    actors = list(pool.imap(lambda _: checking.actor(signed)["sub"], range(10)))
    assert actors == ["citizen-abc"] * 10 and fetcher.calls == 1
