"""The Kubernetes manifests, checked offline: every overlay builds with kustomize, the built-in kinds pass
kubernetes-validate --strict, the operators' resources match the operators' CRD schemas (deploy/k8s/schemas,
unknown fields refused), checkov finds nothing it was not told why to skip, and what the platform needs of
them holds (probes, limits, own ServiceAccount and Secrets, budgets, autoscaling, network policies).

The tools come from `make deploy-tools` (part of `make test`): .bin/kustomize and .bin/checkov-venv."""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from services.registry import service_classes
from shared.broker_access import PRINCIPALS
from tests.unit.test_broker_access import consumer_queues

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = K8S / "schemas"
KUSTOMIZE = ROOT / ".bin" / "kustomize"
CHECKOV = ROOT / ".bin" / "checkov-venv" / "bin" / "checkov"
KUBERNETES_VERSION = "1.34.0"
OVERLAYS = ["dev", "production"]
SERVICES = ["gateway", "intake", "routing", "notification", "search", "identity"]
CONSUMERS = [name for name in SERVICES if name != "gateway"]
FRONT_ENDS = ["web"]  # clients of the gateway's HTTP API only (services/registry.py)
DEPLOYED = SERVICES + FRONT_ENDS
JOB_PRINCIPAL = {"seed-demo": "identity-cli"}  # its broker user and Secret: the CLI's RPC issuer name

pytestmark = pytest.mark.skipif(not KUSTOMIZE.exists() or not CHECKOV.exists(),
                                reason="run `make deploy-tools` (make test does) to install kustomize and checkov")


@cache
def built(overlay):
    out = subprocess.run([str(KUSTOMIZE), "build", str(K8S / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


@cache
def documents(overlay):
    """The built objects (shared between tests: a test that changes one copies it first)."""
    return [doc for doc in yaml.load_all(built(overlay), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if doc]


def of_kind(overlay, kind):
    return {doc["metadata"]["name"]: doc for doc in documents(overlay) if doc["kind"] == kind}


def schema_path(doc):
    group, _, version = doc["apiVersion"].rpartition("/")
    return SCHEMAS / group / f"{doc['kind']}_{version}.json" if group else None


def strict(schema):
    """The CRD schema refusing fields it does not name, as the API server's strict field validation does
    (a CRD otherwise prunes them silently: a misspelt field would just vanish)."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if ("properties" in node and "additionalProperties" not in node
                    and not node.get("x-kubernetes-preserve-unknown-fields")):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    if "metadata" in schema.get("properties", {}):
        schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta: checked by the API server
    return schema


@cache
def validator(path):
    return jsonschema.Draft7Validator(strict(json.loads(Path(path).read_text())))


def custom_resource_errors(doc):
    path = schema_path(doc)
    return [f"{doc['kind']}/{doc['metadata']['name']} {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(str(path)).iter_errors(doc)]


def is_custom(doc):
    path = schema_path(doc)
    return path is not None and path.exists()


# --- the checks --------------------------------------------------------------------------------------------

def test_generated_manifests_match_their_table_and_the_broker_permissions():
    out = subprocess.run([sys.executable, str(K8S / "render.py"), "--check"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_kinds_pass_kubernetes_validate_strict(overlay):
    errors = []
    for doc in documents(overlay):
        if is_custom(doc):
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message} at {list(error.path)}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{doc['kind']} {doc['apiVersion']}: neither built in nor in deploy/k8s/schemas")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_resources_match_the_operators_crd_schemas(overlay):
    custom = [doc for doc in documents(overlay) if is_custom(doc)]
    assert {doc["kind"] for doc in custom} >= {
        "RabbitmqCluster", "Vhost", "User", "Permission", "TopicPermission", "Policy", "MongoDBCommunity",
        "Elasticsearch", "ScaledObject", "TriggerAuthentication", "Certificate", "ClusterIssuer"}
    errors = [error for doc in custom for error in custom_resource_errors(doc)]
    assert not errors, "\n".join(errors)


def test_the_checks_refuse_what_they_should():
    """The validators are not vacuous: a misspelt field and a wrong type are caught."""
    deployment = copy.deepcopy(of_kind("production", "Deployment")["intake"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    cluster = copy.deepcopy(of_kind("production", "RabbitmqCluster")["sorasori-rabbitmq"])
    cluster["spec"]["replica"] = 3
    assert any("replica" in e for e in custom_resource_errors(cluster))
    cluster = copy.deepcopy(of_kind("production", "RabbitmqCluster")["sorasori-rabbitmq"])
    cluster["spec"]["replicas"] = "three"
    assert custom_resource_errors(cluster)


def checkov_command(path):
    command = [str(CHECKOV), "--skip-download", "--framework", "kubernetes", "--compact",
               "--output", "json", "--file", str(path)]
    # nothing may leave this machine: where it can, run checkov in a network namespace with no network
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return ["unshare", "-rn", *command]
    return command


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_nothing_unexplained(overlay, tmp_path):
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(built(overlay))
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
           "LOG_LEVEL": "ERROR", "HOME": str(tmp_path)}
    out = subprocess.run(checkov_command(manifest), capture_output=True, text=True, timeout=300, env=env, check=False,
                         cwd=tmp_path)
    report = json.loads(out.stdout)
    report = report[0] if isinstance(report, list) else report
    results, summary = report["results"], report["summary"]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]]
    assert not failed, "\n".join(failed)
    assert summary["passed"] > 500  # it really checked the manifests
    for skipped in results["skipped_checks"]:
        reason = skipped["check_result"].get("suppress_comment") or ""
        assert len(reason) > 20, f"{skipped['check_id']} {skipped['resource']} skipped without a reason"


# --- what the platform needs of them ------------------------------------------------------------------------

def pod_spec(doc):
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_probes_limits_and_a_locked_down_pod(overlay):
    deployments = of_kind(overlay, "Deployment")
    assert sorted(deployments) == sorted(DEPLOYED)
    accounts = of_kind(overlay, "ServiceAccount")
    for name, doc in deployments.items():
        pod = pod_spec(doc)
        (container,) = pod["containers"]
        assert container["readinessProbe"] and container["livenessProbe"], name
        if name not in ("gateway", *FRONT_ENDS):
            assert container["readinessProbe"]["exec"]["command"][:4] == ["python", "-m", "shared.probe", name]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), (name, kind)
        assert pod["serviceAccountName"] == name and accounts[name]["automountServiceAccountToken"] is False
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] and security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_pod_gets_only_its_own_secrets_and_none_as_environment(overlay):
    for doc in [*of_kind(overlay, "Deployment").values(), *of_kind(overlay, "Job").values(),
                *of_kind(overlay, "CronJob").values()]:
        name, pod = doc["metadata"]["name"], pod_spec(doc)
        name = JOB_PRINCIPAL.get(name, name)
        for container in pod["containers"]:
            assert not any("secretRef" in source for source in container.get("envFrom", [])), name
            assert not any("secretKeyRef" in (var.get("valueFrom") or {}) for var in container.get("env", [])), name
        secrets = {source["secret"]["name"] for volume in pod["volumes"] if "projected" in volume
                   for source in volume["projected"]["sources"] if "secret" in source}
        secrets |= {volume["secret"]["secretName"] for volume in pod["volumes"] if "secret" in volume}
        assert secrets <= {f"sorasori-{name}", f"sorasori-mongodb-{name}", "sorasori-caller-key"}, (name, secrets)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_budgets_and_autoscaling(overlay):
    assert sorted(of_kind(overlay, "PodDisruptionBudget")) == sorted(DEPLOYED)
    for name in ("gateway", *FRONT_ENDS):
        hpa = of_kind(overlay, "HorizontalPodAutoscaler")[name]
        assert hpa["apiVersion"] == "autoscaling/v2" and hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
    scaled = of_kind(overlay, "ScaledObject")
    assert sorted(scaled) == sorted(CONSUMERS)
    for name, doc in scaled.items():
        queues = [t["metadata"]["queueName"] for t in doc["spec"]["triggers"] if t["type"] == "rabbitmq"]
        assert f"rpc-{name}" in queues
        event_queues = consumer_queues(next(cls for cls in service_classes() if cls.name == name))
        assert len(event_queues) >= len(PRINCIPALS[name].consumes)
        for queue in event_queues:  # every queue its handlers consume, and no other service's
            assert any(re.fullmatch(pattern, queue) for pattern in queues[1:]), (name, queue)
        for other in CONSUMERS:
            if other != name:
                other_queues = consumer_queues(next(cls for cls in service_classes() if cls.name == other))
                assert not any(re.fullmatch(p, q) for p in queues for q in other_queues), (name, other)
        assert all(t["authenticationRef"]["name"] in of_kind(overlay, "TriggerAuthentication")
                   for t in doc["spec"]["triggers"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_only_the_drawn_flows(overlay):
    policies = of_kind(overlay, "NetworkPolicy")
    assert set(policies["default-deny-platform"]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    for name in SERVICES:
        policy = policies[name]["spec"]
        targets = {json.dumps(peer, sort_keys=True) for rule in policy["egress"] for peer in rule["to"]}
        reaches_es = any("elasticsearch" in target for target in targets)
        assert reaches_es == (name in ("search", "gateway")), name
        assert any("sorasori-rabbitmq" in t for t in targets) and any("mongodb" in t for t in targets)
        leaves_cluster = [rule for rule in policy["egress"] if any("ipBlock" in peer for peer in rule["to"])]
        if name == "notification":
            assert {p["port"] for rule in leaves_cluster for p in rule["ports"]} == {443, 587}
        elif name == "gateway":  # the attachments' object store
            assert {p["port"] for rule in leaves_cluster for p in rule["ports"]} == {443}
        else:
            assert not leaves_cluster, name
        sources = {json.dumps(peer, sort_keys=True): rule["ports"] for rule in policy["ingress"] for peer in rule["from"]}
        assert all(ports == [{"port": 9100, "protocol": "TCP"}] for peer, ports in sources.items()
                   if "ingress-nginx" not in peer and '"web"' not in peer), name  # Prometheus, on the metrics port only
        assert any('"web"' in peer for peer in sources) == (name == "gateway"), name  # the console calls the API
        assert any("ingress-nginx" in peer for peer in sources) == (name == "gateway"), name
    from_console = [rule for rule in policies["gateway"]["spec"]["ingress"]
                    if {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}} in rule["from"]]
    assert [rule["ports"] for rule in from_console] == [[{"port": 8000, "protocol": "TCP"}]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_is_reached_through_its_ingress_and_reaches_only_its_store_and_the_gateway(overlay):
    (container,) = pod_spec(of_kind(overlay, "Deployment")["web"])["containers"]
    assert container["args"][-1] == "services.web.service:WebService"
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    files = {item["path"] for volume in pod_spec(of_kind(overlay, "Deployment")["web"])["volumes"]
             if "projected" in volume for source in volume["projected"]["sources"]
             for item in source["secret"]["items"]}
    assert files == {"WEB_CLIENT_SECRET", "MONGO_URI"}  # no broker, no RPC signing key
    identity = {item["path"] for volume in pod_spec(of_kind(overlay, "Deployment")["identity"])["volumes"]
                if "projected" in volume for source in volume["projected"]["sources"] for item in source["secret"]["items"]}
    assert "WEB_CLIENT_SECRET" in identity  # identity registers the console's client with the same secret
    policy = of_kind(overlay, "NetworkPolicy")["web"]["spec"]
    targets = [json.dumps(peer, sort_keys=True) for rule in policy["egress"] for peer in rule["to"]]
    assert not any("rabbitmq" in t or "elasticsearch" in t or "ipBlock" in t for t in targets)
    assert any('"gateway"' in t for t in targets) and any("mongodb" in t for t in targets)
    assert [(rule["ports"], "ingress-nginx" in json.dumps(rule["from"])) for rule in policy["ingress"]] == [
        ([{"port": 8080, "protocol": "TCP"}], True)]
    ingress = of_kind(overlay, "Ingress")["web"]["spec"]
    assert ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "web"
    assert ingress["tls"][0]["secretName"] == of_kind(overlay, "Certificate")["sorasori-web"]["spec"]["secretName"]
    config = of_kind(overlay, "ConfigMap")["sorasori-config"]["data"]
    assert config["WEB_PUBLIC_URL"] == "https://" + ingress["rules"][0]["host"]
    assert config["WEB_GATEWAY_URL"] == "http://gateway" and "gateway" in of_kind(overlay, "Service")
    assert config["WEB_PORT"] == "8080" and config["WEB_BIND"] == "0.0.0.0"
    assert "web" in {user["name"].removeprefix("sorasori-") for user in
                     of_kind(overlay, "MongoDBCommunity")["sorasori-mongodb"]["spec"]["users"]}


def test_production_pins_images_by_digest_and_runs_more_replicas():
    for doc in [*of_kind("production", "Deployment").values(), *of_kind("production", "CronJob").values()]:
        for container in pod_spec(doc)["containers"]:
            assert re.fullmatch(r"[^:@]+(:[^@]+)?@sha256:[0-9a-f]{64}", container["image"]), container["image"]
    assert of_kind("production", "HorizontalPodAutoscaler")["gateway"]["spec"]["minReplicas"] == 3
    assert all(d["spec"]["minReplicaCount"] == 3 for d in of_kind("production", "ScaledObject").values())
    assert all("replicas" not in d["spec"] for d in of_kind("production", "Deployment").values())  # autoscaled
    assert of_kind("production", "RabbitmqCluster")["sorasori-rabbitmq"]["spec"]["replicas"] == 3
    assert of_kind("production", "MongoDBCommunity")["sorasori-mongodb"]["spec"]["members"] == 3
    assert of_kind("production", "Elasticsearch")["sorasori-es"]["spec"]["nodeSets"][0]["count"] == 3
    assert "acme" in of_kind("production", "ClusterIssuer")["sorasori-public"]["spec"]
    assert of_kind("production", "Job")["seed-demo"]["spec"]["suspend"] is True  # no demo admin unasked
    assert not of_kind("dev", "Job")["seed-demo"]["spec"].get("suspend")


def test_the_metrics_liveness_component_builds_valid(tmp_path):
    """components/metrics-liveness, for when the metrics listener is merged: every service's liveness
    becomes GET /healthz on its `metrics` port."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(K8S / "overlays" / "production", overlay)],
        "components": [os.path.relpath(K8S / "components" / "metrics-liveness", overlay)]}))
    out = subprocess.run([str(KUSTOMIZE), "build", str(overlay), "--load-restrictor", "LoadRestrictionsNone"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    deployments = [doc for doc in yaml.safe_load_all(out.stdout) if doc and doc["kind"] == "Deployment"]
    assert sorted(d["metadata"]["name"] for d in deployments) == sorted(DEPLOYED)
    for doc in deployments:
        if doc["metadata"]["name"] in FRONT_ENDS:  # no metrics listener: liveness stays its /health
            (container,) = pod_spec(doc)["containers"]
            assert container["livenessProbe"]["httpGet"]["path"] == "/health"
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        (container,) = pod_spec(doc)["containers"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
        assert {"name": "metrics", "containerPort": 9100} in container["ports"]
