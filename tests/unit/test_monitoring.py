"""deploy/k8s/monitoring: the alert rules and the dashboard ask only for metrics the code registers, in valid
PromQL, and the files have the shapes the Prometheus Operator and Grafana take."""
import json
import re
from pathlib import Path

import promql_parser
import pytest
import yaml

import services.registry
from shared.metrics import registered_metric_names

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "monitoring"
METRIC = re.compile(r"\bsorasori_[a-z0-9_]+")
REQUIRED_ALERTS = {"SorasoriServiceDown", "SorasoriOutboxBacklogGrowing", "SorasoriDeadLetters",
                   "SorasoriSlaBreachRate", "SorasoriGatewayErrorRatio", "SorasoriSearchIndexingLag"}


def rules():
    document = yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())
    return document, [rule for group in document["spec"]["groups"] for rule in group["rules"]]


def dashboard_expressions():
    dashboard = json.loads((MONITORING / "dashboards" / "sorasori.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def all_expressions():
    return [rule["expr"] for rule in rules()[1]] + dashboard_expressions()


def test_the_rule_file_is_a_prometheus_rule():
    document, every_rule = rules()
    assert document["apiVersion"] == "monitoring.coreos.com/v1" and document["kind"] == "PrometheusRule"
    assert document["metadata"]["name"]
    for group in document["spec"]["groups"]:
        assert group["name"] and group["rules"]
    names = [rule["alert"] for rule in every_rule]
    assert len(names) == len(set(names))
    assert REQUIRED_ALERTS <= set(names)
    for rule in every_rule:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule.get("for", "0m")[-1] in "smh"
        for annotation in ("summary", "description", "runbook"):
            assert rule["annotations"].get(annotation, "").strip(), f"{rule['alert']} lacks {annotation}"


@pytest.mark.parametrize("expression", all_expressions())
def test_every_expression_is_valid_promql(expression):
    promql_parser.parse(expression)


def test_every_metric_the_rules_and_dashboard_use_is_registered_by_the_code():
    services.registry.service_classes()  # imports every module that could register a metric
    registered = registered_metric_names()
    used = {name for expression in all_expressions() for name in METRIC.findall(expression)}
    assert used, "the expressions should use the platform's metrics"
    assert used - registered == set()


def test_the_checker_would_catch_a_misspelt_metric():
    assert "sorasori_http_request_total" not in registered_metric_names()  # singular: not what the code names


def test_the_pod_monitor_selects_every_service():
    monitor = yaml.safe_load((MONITORING / "pod-monitor.yaml").read_text())
    assert monitor["kind"] == "PodMonitor"
    (selector,) = monitor["spec"]["selector"]["matchExpressions"]
    assert selector["key"] == "app.kubernetes.io/name" and set(selector["values"]) == set(services.registry.SERVICES)
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"


def test_the_kustomization_includes_the_rules_the_monitor_and_the_dashboard():
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {"pod-monitor.yaml", "prometheus-rules.yaml"}
    (generator,) = kustomization["configMapGenerator"]
    assert generator["options"]["labels"] == {"grafana_dashboard": "1"}
    for path in generator["files"]:
        assert (MONITORING / path).is_file()
    dashboard = json.loads((MONITORING / "dashboards" / "sorasori.json").read_text())
    assert dashboard["uid"] and len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_kustomize_builds_the_folder():
    import shutil
    import subprocess

    kustomize = MONITORING.parents[2] / ".bin" / "kustomize"
    binary = str(kustomize) if kustomize.exists() else shutil.which("kustomize")
    if binary is None:
        pytest.skip("kustomize is not installed (neither .bin/kustomize nor on PATH)")
    built = subprocess.run([binary, "build", str(MONITORING)], capture_output=True, text=True, timeout=60, check=True)
    documents = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert sorted(doc["kind"] for doc in documents) == ["ConfigMap", "PodMonitor", "PrometheusRule"]
    configmap = next(doc for doc in documents if doc["kind"] == "ConfigMap")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["sorasori.json"])["uid"] == "sorasori-overview"
    assert all(doc["metadata"]["namespace"] == "sorasori" for doc in documents)
