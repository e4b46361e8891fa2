"""The RPC services' Kubernetes probe (python -m shared.probe, deploy/k8s): each service's pod asks its own
`health` RPC with its own broker login, and that login may ask nothing else."""
import pytest

from shared.probe import ask, probe
from tests.integration import test_broker_permissions as broker_tests

# the platform with every service on its own broker user, as in production
service_users = broker_tests.service_users
platform_as_own_users = broker_tests.platform_as_own_users

RPC_SERVICES = ["intake", "routing", "notification", "search", "identity"]


def test_each_service_probes_its_own_health_with_its_own_login(platform_as_own_users, service_users,
                                                               platform_config):
    for name in RPC_SERVICES:
        config = dict(platform_config, AMQP_URI=service_users[name])
        assert probe(config, name, timeout=10) == 0, name
        assert probe(config, name, answers_only=True, timeout=10) == 0, name


def test_a_service_login_cannot_probe_another_service(platform_as_own_users, service_users, platform_config):
    config = dict(platform_config, AMQP_URI=service_users["search"])
    with pytest.raises(broker_tests.REFUSED):
        ask(config, "intake", timeout=5)


def test_the_probe_fails_when_the_service_does_not_answer(rabbit_config, platform_config):
    assert probe(dict(platform_config), "intake", timeout=2) == 1  # nothing runs on this test's vhost
