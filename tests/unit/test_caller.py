"""Caller tokens (shared/caller.py) and their check before a service method runs (shared/signed_rpc.py)."""
from types import SimpleNamespace

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from nameko.rpc import Rpc

from shared import caller as caller_module
from shared.caller import AUDIENCE, CallerKey, same_caller
from shared.errors import Unauthenticated
from shared.signed_rpc import VerifiedCaller, acting_for

SECRET = "k" * 40
CMO = {"sub": "cmo-1", "role": "cmo_cell", "department": None, "districts": []}
CITIZEN = {"sub": "citizen-98300", "role": "citizen", "mobile": "9830012345", "districts": []}


def test_a_minted_token_verifies_and_names_its_caller_and_issuer():
    key = CallerKey(SECRET)
    claims = key.verify(key.mint(CMO, "gateway"))
    assert claims["caller"] == CMO and claims["iss"] == "gateway" and claims["aud"] == AUDIENCE
    assert key.verify(key.mint(None, "identity"))["caller"] is None  # a service calling as itself


@pytest.mark.parametrize("token", [None, "", "not.a.token", "a.b", 42])
def test_no_token_or_garbage_is_refused(token):
    with pytest.raises(Unauthenticated):
        CallerKey(SECRET).verify(token)


def test_a_token_signed_with_another_key_is_refused():
    forged = CallerKey("x" * 40).mint(CMO, "gateway")
    with pytest.raises(Unauthenticated):
        CallerKey(SECRET).verify(forged)


def test_an_expired_token_is_refused_and_a_fresh_one_is_not():
    now = [1_000_000]
    key = CallerKey(SECRET, ttl=30, clock=lambda: now[0])
    token = key.mint(CMO, "gateway")
    now[0] += 30 + caller_module.LEEWAY_SECONDS - 1
    key.verify(token)
    now[0] += 2
    with pytest.raises(Unauthenticated):
        key.verify(token)


def test_another_audience_algorithm_or_a_future_token_is_refused():
    key = OctKey.import_key(SECRET.encode())
    now = 1_000_000
    base = {"iss": "gateway", "aud": AUDIENCE, "iat": now, "exp": now + 30, "caller": CMO}
    tokens = [jwt.encode({"alg": "HS256"}, dict(base, aud="sorasori-api"), key),
              jwt.encode({"alg": "HS384"}, base, key, algorithms=["HS384"]),
              jwt.encode({"alg": "HS256"}, dict(base, iat=now + 600, exp=now + 630), key),
              jwt.encode({"alg": "HS256"}, {k: v for k, v in base.items() if k != "exp"}, key),
              jwt.encode({"alg": "HS256"}, dict(base, caller="cmo_cell"), key)]
    for token in tokens:
        with pytest.raises(Unauthenticated):
            CallerKey(SECRET, clock=lambda: now).verify(token)


def test_production_refuses_to_start_without_a_real_key(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="production"):
        CallerKey.from_config({"SORASORI_ENV": "production", "INTERNAL_CALLER_KEY": ""})
    with pytest.raises(RuntimeError, match="32"):
        CallerKey.from_config({"SORASORI_ENV": "production", "INTERNAL_CALLER_KEY": "short"})
    monkeypatch.setattr(caller_module, "DEVELOPMENT_KEY_FILE", tmp_path / "secrets" / "internal-caller.key")
    first = CallerKey.from_config({"SORASORI_ENV": "development"})
    second = CallerKey.from_config({})
    assert second.verify(first.mint(CMO, "gateway"))["caller"] == CMO  # both read the one generated key
    assert (tmp_path / "secrets" / "internal-caller.key").stat().st_mode & 0o777 == 0o600


def test_same_caller_is_exact():
    assert same_caller(dict(CMO), CMO)
    assert not same_caller({**CMO, "districts": ["Bankura"]}, CMO)
    assert not same_caller(CMO, None) and not same_caller(None, None)


class Cases:
    def get_grievance(self, tracking_id, actor):
        return {"tracking_id": tracking_id}

    def check_clocks(self, payload=None):
        return "checked"

    def health(self):
        return "up"


def run(method_name, args, token):
    """Give the provider a worker as nameko would, then call the method the worker would call."""
    provider = VerifiedCaller()
    provider.key = CallerKey(SECRET)
    provider.container = SimpleNamespace(service_name="intake")
    entrypoint = Rpc()
    entrypoint.method_name = method_name
    ctx = SimpleNamespace(data={"caller_token": token, "correlation_id": "c1"} if token else {},
                          entrypoint=entrypoint, service=Cases(), args=args, kwargs={}, call_id="intake.x.1")
    verified = provider.get_dependency(ctx)
    assert "caller_token" not in ctx.data  # never forwarded to the calls this worker makes
    return verified, ctx, lambda: getattr(ctx.service, method_name)(*args)


def test_the_method_runs_only_for_a_signed_caller_passing_itself_as_actor():
    key = CallerKey(SECRET)
    verified, ctx, call = run("get_grievance", ("WB-1", CMO), key.mint(CMO, "gateway"))
    assert verified == CMO and acting_for(ctx) == CMO and call() == {"tracking_id": "WB-1"}
    for token in (None, CallerKey("x" * 40).mint(CMO, "gateway"), key.mint(CITIZEN, "gateway"),
                  key.mint(None, "identity")):
        _, _, call = run("get_grievance", ("WB-1", CMO), token)
        with pytest.raises(Unauthenticated):
            call()


def test_methods_without_an_actor_need_a_token_and_health_needs_none():
    key = CallerKey(SECRET)
    assert run("check_clocks", ({},), key.mint(None, "routing"))[2]() == "checked"
    with pytest.raises(Unauthenticated):
        run("check_clocks", ({},), None)[2]()
    assert run("health", (), None)[2]() == "up"
