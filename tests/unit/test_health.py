import eventlet

from services.gateway.health import aggregate, ask_service, run_checks
from shared.health import DOWN, UP, _timed, service_report


def test_a_failing_check_reports_down_with_the_reason():
    def broken():
        raise ConnectionError("refused")

    report = _timed(broken)
    assert report["status"] == DOWN
    assert "refused" in report["detail"]
    assert _timed(lambda: None)["status"] == UP


def test_service_is_down_when_any_component_is():
    up, down = {"status": UP}, {"status": DOWN}
    assert service_report("search", mongodb=up, elasticsearch=up)["status"] == UP
    assert service_report("search", mongodb=up, elasticsearch=down)["status"] == DOWN


def test_gateway_answers_200_only_when_everything_is_up():
    components = {name: {"status": UP} for name in ("gateway", "intake", "rabbitmq")}
    assert aggregate(components)[0] == 200
    components["rabbitmq"] = {"status": DOWN}
    status, body = aggregate(components)
    assert status == 503
    assert body["down"] == ["rabbitmq"]
    assert body["status"] == DOWN


class SlowService:
    def health(self):
        eventlet.sleep(5)


class BrokenService:
    def health(self):
        raise RuntimeError("UnknownService: intake")


class HealthyService:
    def health(self):
        return service_report("intake", mongodb={"status": UP})


def test_a_service_that_does_not_answer_in_time_is_down():
    assert ask_service(SlowService(), timeout=0.05)["status"] == DOWN
    assert "UnknownService" in ask_service(BrokenService(), timeout=1)["detail"]
    assert ask_service(HealthyService(), timeout=1)["status"] == UP


def test_checks_run_concurrently():
    in_flight, most = [0], [0]

    def check():
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        eventlet.sleep(0.01)
        in_flight[0] -= 1
        return {"status": UP}

    results = run_checks({f"c{i}": check for i in range(5)})
    assert set(results) == {"c0", "c1", "c2", "c3", "c4"}
    assert most[0] == 5
