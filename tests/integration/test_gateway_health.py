"""GET /health aggregates the six services and the three servers, and follows them down and up. Anyone
gets the bare verdict; the components (versions, cluster names, what is down) are for administrators and
for the cluster's probes holding HEALTH_TOKEN."""
import requests

from services.gateway.auth import make_dev_token
from services.registry import service_classes
from services.routing.service import RoutingService
from tests.integration.waiting import wait_for

ALL_SERVICES = service_classes()
NINE = {"gateway", "intake", "routing", "notification", "search", "identity", "rabbitmq", "mongodb", "elasticsearch"}
ADMIN = {"Authorization": "Bearer " + make_dev_token({"sub": "admin-1", "role": "admin"})}


def get_health(gateway_url, headers=ADMIN):
    return requests.get(f"{gateway_url}/health", headers=headers, timeout=15)


def test_everything_up_answers_200_with_nine_components(platform_config, runner_factory, gateway_url):
    runner_factory(platform_config, *ALL_SERVICES).start()
    response = get_health(gateway_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "up" and body["down"] == []
    assert set(body["components"]) == NINE
    assert body["components"]["search"]["components"]["elasticsearch"]["status"] == "up"
    assert body["components"]["intake"]["components"]["mongodb"]["status"] == "up"


def test_anyone_gets_only_the_verdict(platform_config, runner_factory, gateway_url):
    platform_config["HEALTH_TOKEN"] = "probe-secret-1"
    runner_factory(platform_config, *ALL_SERVICES).start()
    citizen = {"Authorization": "Bearer " + make_dev_token({"sub": "citizen-9830012345", "role": "citizen",
                                                            "mobile": "9830012345"})}
    for headers in ({}, citizen, {"Authorization": "Bearer nonsense"}, {"X-Health-Token": "guess"}):
        response = get_health(gateway_url, headers)
        assert response.status_code == 200
        assert response.json() == {"status": "up"}, response.text
    probe = get_health(gateway_url, {"X-Health-Token": "probe-secret-1"})
    assert set(probe.json()["components"]) == NINE


def test_without_a_health_token_only_administrators_see_details(platform_config, runner_factory, gateway_url):
    runner_factory(platform_config, *ALL_SERVICES).start()
    assert get_health(gateway_url, {"X-Health-Token": ""}).json() == {"status": "up"}
    assert set(get_health(gateway_url).json()["components"]) == NINE


def test_correlation_id_is_echoed(platform_config, runner_factory, gateway_url):
    runner_factory(platform_config, *ALL_SERVICES).start()
    response = requests.get(f"{gateway_url}/health", headers={"X-Correlation-ID": "trace-me-1"}, timeout=15)
    assert response.headers["X-Correlation-ID"] == "trace-me-1"
    assert len(get_health(gateway_url).headers["X-Correlation-ID"]) == 32


def test_a_missing_service_is_named(platform_config, runner_factory, gateway_url):
    running = [cls for cls in ALL_SERVICES if cls is not RoutingService]
    runner_factory(platform_config, *running).start()
    response = get_health(gateway_url)
    assert response.status_code == 503
    assert response.json()["down"] == ["routing"]
    public = get_health(gateway_url, {})
    assert public.status_code == 503 and public.json() == {"status": "down"}


def test_health_turns_503_when_the_store_stops_and_200_when_it_is_back(platform_config, private_mongo,
                                                                       runner_factory, gateway_url):
    runner_factory(platform_config, *ALL_SERVICES).start()
    assert get_health(gateway_url).status_code == 200

    private_mongo.stop()
    response = get_health(gateway_url)
    assert response.status_code == 503
    down = response.json()["down"]
    assert "mongodb" in down
    assert {"intake", "routing", "notification", "search", "identity"} <= set(down)  # each sees its store gone
    assert "elasticsearch" not in down and "rabbitmq" not in down

    private_mongo.start()
    wait_for(lambda: get_health(gateway_url).status_code == 200, timeout=30, interval=0.5,
             what="health to recover once the store is back")
