"""A service killed mid-flow loses nothing: every grievance that got a tracking ID is kept, and its
events arrive (and it is routed) once the service is back."""
import eventlet
import pytest

from services.launcher import ServiceProcess
from services.registry import service_classes
from tests.integration.directory import seed_directory
from tests.integration.platform_client import CMO_CELL, Gateway, citizen, drinking_water
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}  # /health names its components to administrators only


def file_many(gateway, count, prefix, accepted):
    """File `count` grievances concurrently, adding each tracking ID given out to `accepted`."""
    def one(n):
        mobile = f"97{prefix}{n:07d}"
        try:
            response = gateway.file(drinking_water(mobile=mobile, subject=f"Water problem report {n}"),
                                    citizen(mobile))
        except Exception:
            return None
        if response.status_code == 201:
            accepted.append(response.json()["tracking_id"])

    pool = eventlet.GreenPool(10)
    for n in range(count):
        pool.spawn_n(one, n)
    pool.waitall()


@pytest.mark.parametrize("victim", ["intake", "routing"])
def test_killing_a_service_mid_flow_loses_no_grievance(victim, platform_config, runner_factory, tmp_path):
    platform_config.update(AUTH_MODE="development", GATEWAY_RPC_TIMEOUT=3)
    others = [cls for cls in service_classes() if cls.name != victim]
    runner_factory(platform_config, *others).start()
    process = ServiceProcess(victim, platform_config, tmp_path)
    process.start()
    gateway = Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")
    try:
        wait_for(lambda: gateway.request("GET", "/health", ADMIN).json()["components"][victim]["status"] == "up",
                 timeout=30, what=f"{victim} to start")
        seed_directory(platform_config)  # routing's pools come from identity's directory only

        accepted = []
        filing = eventlet.spawn(file_many, gateway, 40, "1", accepted)
        wait_for(lambda: len(accepted) >= 8, timeout=30, interval=0.01, what="the first filings")
        process.kill()  # mid-flow: requests in flight, events maybe not yet relayed or consumed
        filing.wait()
        if victim == "routing":
            before = len(accepted)
            file_many(gateway, 5, "2", accepted)  # citizens can still file while routing is down
            assert len(accepted) == before + 5
        process.start()

        assert accepted, "some grievances should have been accepted"
        def routed(tracking_id):
            response = gateway.get(tracking_id, CMO_CELL)  # a 503 while the restarted service warms up
            case = response.json() if response.status_code == 200 else {}
            return case if case.get("status") == "routed" and case.get("officer_id") else None

        for tracking_id in accepted:
            case = wait_for(lambda t=tracking_id: routed(t), timeout=60, what=f"{tracking_id} to be routed after the restart")
            assert case["department"] == "phe" and case["level"] == 1
    finally:
        process.stop()
