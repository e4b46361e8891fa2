"""A program on the bus with the broker's credentials but not the platform's caller key cannot act as
anyone: every RPC must carry a fresh caller token this platform signed, for exactly the actor it passes."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared.caller import CallerKey
from shared.errors import Unauthenticated
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water

MOBILE = "9830012345"
OTHER_KEY = "another-platform-key-0123456789-abcdefghijkl"


def _forged_calls(platform_config, owner):
    key = CallerKey.from_config(platform_config)
    expired = CallerKey(platform_config["INTERNAL_CALLER_KEY"], ttl=1, clock=lambda: 1_000_000).mint(
        CMO_CELL, "gateway")
    return {
        "no token": None,
        "token signed with another key": CallerKey(OTHER_KEY).mint(CMO_CELL, "gateway"),
        "expired token": expired,
        "citizen's token, cmo_cell actor": key.mint(owner, "gateway"),
        "service token, cmo_cell actor": key.mint(None, "identity"),
        "garbage": "not.a.token",
    }


def test_forged_callers_are_refused_and_see_no_personal_data(platform, platform_config, caplog):
    owner = citizen(MOBILE)
    tracking_id = platform.ok(platform.file(drinking_water(mobile=MOBILE), owner), 201)["tracking_id"]

    answers = {}
    for name, token in _forged_calls(platform_config, owner).items():
        context = {"caller_token": token} if token else None
        with ClusterRpcProxy(platform_config, context_data=context, timeout=10) as cluster:
            try:
                answers[name] = cluster.intake.get_grievance(tracking_id, CMO_CELL)
            except Unauthenticated as refusal:
                answers[name] = refusal
    leaked = {name: answer for name, answer in answers.items() if not isinstance(answer, Unauthenticated)}
    assert not leaked, f"answered without a valid caller: {leaked}"
    assert MOBILE not in repr(answers)
    refusals = [r for r in caplog.records if r.name == "shared.signed_rpc" and r.getMessage().startswith("RPC refused")]
    assert len(refusals) == len(answers) and {r.method for r in refusals} == {"get_grievance"}

    # the gateway path keeps working, and so does a properly signed internal call
    case = platform.case(tracking_id, CMO_CELL)
    assert case["complainant"]["mobile"] == MOBILE
    with SignedClusterRpcProxy(platform_config, caller=CMO_CELL, issuer="test", timeout=10) as cluster:
        assert cluster.intake.get_grievance(tracking_id, CMO_CELL)["complainant"]["mobile"] == MOBILE
        with pytest.raises(Unauthenticated):
            cluster.intake.get_grievance(tracking_id, citizen(MOBILE))  # a signed caller, another actor
        assert cluster.intake.health()["status"] == "up"  # health stays open to the bus


def test_concurrent_requests_each_reach_the_services_as_their_own_caller(platform):
    """40 requests at once from two citizens: each worker signs its own caller, none borrows another's."""
    from concurrent.futures import ThreadPoolExecutor

    owner, other = citizen(MOBILE), citizen("9830099999")
    tracking_id = platform.ok(platform.file(drinking_water(mobile=MOBILE), owner), 201)["tracking_id"]

    def read(n):
        who = owner if n % 2 == 0 else other
        response = platform.get(tracking_id, who)
        return who["sub"], response.status_code, MOBILE in response.text

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(read, range(40)))
    assert sorted(set(outcomes)) == sorted({(owner["sub"], 200, True), (other["sub"], 404, False)}), outcomes
