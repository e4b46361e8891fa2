"""Each RPC's arguments are loaded through its contract (shared/contracts/rpc.py) before the method runs,
on the real services: a bad argument is a 4xx naming it, never a crash inside the method."""
import pytest

from shared.errors import ValidationFailed
from shared.signed_rpc import SignedClusterRpcProxy

CELL = {"sub": "cmo-cell-1", "role": "cmo_cell"}


@pytest.fixture
def routing(platform_config, runner_factory):
    from services.routing.service import RoutingService

    runner_factory(platform_config, RoutingService).start()


def test_a_missing_argument_is_named_before_the_method_runs(platform_config, routing):
    with SignedClusterRpcProxy(platform_config, issuer="test", check_contracts=False) as cluster:
        assert cluster.routing.directory("phe", "Bankura") == []  # the officers of an office: none published yet
        with pytest.raises(ValidationFailed) as raised:
            cluster.routing.directory(None, "Bankura")
    assert raised.value.details == {"department": ["Field may not be null."]}


def test_a_malformed_caller_is_refused_once_for_every_method(platform_config, routing):
    wizard = {"sub": "merlin", "role": "wizard"}
    with SignedClusterRpcProxy(platform_config, caller=wizard, issuer="test", check_contracts=False) as cluster:
        for call in (lambda: cluster.routing.officer_queue(wizard),
                     lambda: cluster.routing.reassign("WB-2026-12345674", {}, wizard)):
            with pytest.raises(ValidationFailed) as raised:
                call()
            assert raised.value.details == {"actor": {"role": ["Must be one of: citizen, officer, supervisor, "
                                                               "cmo_cell, admin, system, client."]}}


def test_the_caller_checks_a_call_before_sending_it(platform_config):
    """No service runs here: a call that broke its contract would wait for an answer; it is refused at once."""
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        with pytest.raises(ValidationFailed) as raised:
            cluster.routing.directory(None, "Bankura")
        assert raised.value.details == {"department": ["Field may not be null."]}
        with pytest.raises(ValidationFailed) as raised:
            cluster.intake.get_grievance("WB-2026-12345674", {"sub": "x", "role": "officer"}, "surplus")
        assert raised.value.details == {"_schema": ["At most 2."]}
        with pytest.raises(ValidationFailed) as raised:
            cluster.search.search({}, actor={"sub": "x", "role": "officer"}, params={})
        assert raised.value.details == {"params": ["Given twice."]}
