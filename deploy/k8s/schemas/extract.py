"""Copies the operators' CRD schemas (openAPIV3Schema of the versions we use) out of their Go modules.

    python deploy/k8s/schemas/extract.py      # needs `go` and the Go module proxy; run by hand on an upgrade

Writes deploy/k8s/schemas/<group>/<Kind>_<version>.json without the `description` texts (they do not
take part in validation and are most of the size). The test validates the built manifests against these
committed files, so `make test` needs neither the network nor Go for them. SOURCES is the one place the
operators' versions are named: change one, run this, commit the result, update the README beside it.
"""
import json
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

# module@version, CRD files inside it, the kinds we keep
SOURCES = [
    ("github.com/rabbitmq/cluster-operator/v2@v2.16.0", "config/crd/bases",
     {"rabbitmq.com_rabbitmqclusters.yaml"}),
    ("github.com/rabbitmq/messaging-topology-operator@v1.16.0", "config/crd/bases",
     {f"rabbitmq.com_{name}.yaml" for name in ("vhosts", "users", "permissions", "topicpermissions", "policies")}),
    ("github.com/mongodb/mongodb-kubernetes-operator@v0.9.0", "config/crd/bases",
     {"mongodbcommunity.mongodb.com_mongodbcommunity.yaml"}),
    ("github.com/elastic/cloud-on-k8s/v3@v3.5.0", "config/crds/v1/resources",
     {"elasticsearch.k8s.elastic.co_elasticsearches.yaml"}),
    ("github.com/kedacore/keda/v2@v2.21.0", "config/crd/bases",
     {"keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml"}),
    ("github.com/cert-manager/cert-manager@v1.21.2", "deploy/crds",
     {"cert-manager.io_certificates.yaml", "cert-manager.io_clusterissuers.yaml"}),
    ("github.com/prometheus-operator/prometheus-operator@v0.85.0", "example/prometheus-operator-crd",
     {"monitoring.coreos.com_podmonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"}),
]


def without_descriptions(node):
    if isinstance(node, dict):
        return {key: without_descriptions(value) for key, value in node.items()
                if not (key == "description" and isinstance(value, str))}
    if isinstance(node, list):
        return [without_descriptions(item) for item in node]
    return node


def module_dir(module):
    out = subprocess.run(["go", "mod", "download", "-json", module], check=True, capture_output=True, text=True)
    return Path(json.loads(out.stdout)["Dir"])


def main():
    for module, folder, files in SOURCES:
        root = module_dir(module) / folder
        for name in sorted(files):
            for crd in yaml.safe_load_all((root / name).read_text()):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    if not version.get("storage"):
                        continue
                    schema = without_descriptions(version["schema"]["openAPIV3Schema"])
                    schema["x-sorasori-source"] = f"{module} {folder}/{name}"
                    target = HERE / group / f"{kind}_{version['name']}.json"
                    target.parent.mkdir(exist_ok=True)
                    target.write_text(json.dumps(schema, sort_keys=True, separators=(",", ":")) + "\n")
                    print(f"{target.relative_to(HERE)}  <- {module}", file=sys.stderr)


if __name__ == "__main__":
    main()
