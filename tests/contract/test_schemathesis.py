"""Every documented operation of the served OpenAPI document, fuzzed by schemathesis against the running
platform with citizen, officer, CMO cell and administrator tokens: no 5xx, every status documented, every
answer's content type and body as documented.

One test walks all operations (the platform starts once, not once per operation); each operation gets its
own Hypothesis run, valid and invalid requests mixed, and the test lists every operation that broke its
contract with the failing request (as curl)."""
import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.gateway.auth import make_dev_token
from tests.integration.platform_client import CMO_CELL, citizen, officer

EXAMPLES_PER_OPERATION = 50
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ACTORS = {
    "citizen": citizen("9830012345"),
    "officer": officer("off-phe-bankura-l1-1", "phe", ["Bankura"]),
    "cmo_cell": CMO_CELL,
    "admin": {"sub": "admin-1", "role": "admin"},
}
TOKENS = {role: f"Bearer {make_dev_token(actor)}" for role, actor in ACTORS.items()}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: the failing request is shown
    suppress_health_check=list(hypothesis.HealthCheck))


def _keeps_its_contract(operation):
    requests_of = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                            operation.as_strategy(GenerationMode.NEGATIVE))

    @SETTINGS
    @hypothesis.given(case=requests_of, role=st.sampled_from(sorted(TOKENS)))
    def run(case, role):
        case.call_and_validate(headers={"Authorization": TOKENS[role]}, checks=CHECKS, timeout=20)

    run()


def test_every_operation_keeps_its_contract(platform):
    url = platform.base + "/api/v1/openapi.json"
    assert requests.get(url, timeout=20).status_code == 200
    schema = schemathesis.openapi.from_url(url)
    broken, tested = [], set()
    for result in schema.get_all_operations():
        operation = result.ok()
        tested.add(operation.label)
        try:
            _keeps_its_contract(operation)
        except (Exception, BaseExceptionGroup) as failure:  # every operation is tried, all failures reported
            broken.append(f"{operation.label}:\n{failure}")
    documented = {f"{method.upper()} {path}" for path, operations in schema.raw_schema["paths"].items()
                  for method in operations if method in METHODS}
    documented.remove("GET /api/v1/openapi.json")  # schemathesis leaves out the document's own URL (fetched above)
    assert tested == documented, documented - tested
    assert not broken, f"{len(broken)} of {len(tested)} operations broke the contract:\n\n" + "\n\n".join(broken)
