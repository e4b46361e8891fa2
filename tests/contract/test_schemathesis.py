"""Every documented operation of the served OpenAPI document, fuzzed by schemathesis against the running
platform with citizen, officer, CMO cell and administrator tokens: no 5xx, every status documented, every
answer's content type and body as documented.

One test walks all operations (the platform starts once, not once per operation); each operation gets its
own Hypothesis run, valid and invalid requests mixed, and the test lists every operation that broke its
contract with the failing request (as curl)."""
import itertools
import re
import time

import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.gateway.auth import make_dev_token
from services.identity.oauth import OTP_GRANT
from services.search.insights import INSIGHTS
from shared import public_events
from tests.integration.platform_client import CMO_CELL, drinking_water, officer

EXAMPLES_PER_OPERATION = 50
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
MOBILE = "9830012345"
STAFF = {  # staff sign in through the state's SSO, which has no local stand-in: development tokens
    "officer": officer("off-phe-bankura-l1-1", "phe", ["Bankura"]),
    "cmo_cell": CMO_CELL,
    "admin": {"sub": "admin-1", "role": "admin"},
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: the failing request is shown
    suppress_health_check=list(hypothesis.HealthCheck))


# Each key rotation is a new RSA key that identity keeps (and reads on every verification) for an access
# token's lifetime: rotations are bounded, and run last with the deletions, so they slow nothing else.
BOUNDED = {"POST /api/v1/admin/signing-keys/rotate": 10}
LAST = set(BOUNDED)
BATCHES = {"POST /api/v1/grievances/resolve-together"}


def _keeps_its_contract(operation, statuses, tokens, known):
    """Valid and invalid requests; an operation whose path names something also gets valid requests naming
    things that exist (a case, a webhook, each insight, a docs page file)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    if names and names <= set(known):
        for values in itertools.product(*(known[name] for name in sorted(names))):
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE,
                                                    path_parameters=dict(zip(sorted(names), values))))
    requests_of = st.one_of(strategies)
    meant = sorted(set(operation.definition.raw.get("x-roles", ())) & set(tokens))
    anyone = st.sampled_from(sorted(tokens))
    # mostly the roles the operation is for (so that most requests get past authorisation), the others too
    roles = st.one_of(st.sampled_from(meant), st.sampled_from(meant), anyone) if meant else anyone

    @hypothesis.settings(SETTINGS, max_examples=BOUNDED.get(operation.label, EXAMPLES_PER_OPERATION))
    @hypothesis.given(case=requests_of, role=roles)
    def run(case, role):
        response = case.call_and_validate(headers={"Authorization": tokens[role]}, checks=CHECKS, timeout=20)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        # `x-roles` says who an operation is for: a role it does not name is never let through (but a batch's
        # 200 carries each case's own outcome, refusals included)
        let_through = meant and role not in meant and response.status_code < 300
        assert not (let_through and operation.label not in BATCHES), (
            f"{role} got {response.status_code}, the document names only {meant}: {case.as_curl_command()}")

    run()


def signed_in_citizen(platform):
    """An access token from the real sign-in: a code by SMS (read from the development sink), the OTP grant."""
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": MOBILE}))
    sink = platform.ok(platform.request("GET", f"/api/v1/dev/sms?mobile={MOBILE}", STAFF["admin"]))
    code = re.search(r"\b\d{6}\b", sink["messages"][-1]["text"]).group(0)
    answer = platform.ok(platform.request("POST", "/oauth/token", data={
        "grant_type": OTP_GRANT, "client_id": "sorasori-citizen-app", "mobile": MOBILE, "code": code}))
    return answer["access_token"]


def test_every_operation_keeps_its_contract(platform):
    tokens = {role: f"Bearer {make_dev_token(actor)}" for role, actor in STAFF.items()}
    tokens["citizen"] = f"Bearer {signed_in_citizen(platform)}"
    filed = platform.ok(platform.request("POST", "/api/v1/grievances", json=drinking_water(mobile=MOBILE),
                                         headers={"Authorization": tokens["citizen"]}), 201)
    hook = platform.ok(platform.request("POST", "/api/v1/admin/webhooks", STAFF["admin"], json={
        "id": "contract-hook", "url": "https://127.0.0.1:9/hook", "events": ["in.gov.wb.sorasori.grievance.closed.v1"]}), 201)
    known = {"tracking_id": [filed["tracking_id"]], "subscription_id": [hook["id"]], "name": sorted(INSIGHTS),
             "asset": ["init.js"], "event_type": [f"{public_events.PUBLIC_TYPES[0]}.json"]}
    url = platform.base + "/api/v1/openapi.json"
    validate(requests.get(url, timeout=20).json())  # every $ref resolves: schemathesis would skip what does not
    schema = schemathesis.openapi.from_url(url)
    broken, tested, statuses, seconds = [], set(), {}, {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(operations, key=lambda op: op.label in LAST or op.method.upper() == "DELETE"):
        tested.add(operation.label)
        started = time.monotonic()
        try:
            _keeps_its_contract(operation, statuses.setdefault(operation.label, {}), tokens, known)
        except (Exception, BaseExceptionGroup) as failure:  # every operation is tried, all failures reported
            broken.append(f"{operation.label}:\n{failure}")
        seconds[operation.label] = time.monotonic() - started
    documented = {f"{method.upper()} {path}" for path, path_item in schema.raw_schema["paths"].items()
                  for method in path_item if method in METHODS}
    documented.remove("GET /api/v1/openapi.json")  # schemathesis leaves out the document's own URL (fetched above)
    assert tested == documented, documented - tested
    for label, seen in sorted(statuses.items()):
        print(f"{label}: {seconds[label]:.1f} s, statuses {dict(sorted(seen.items()))}")  # shown with -s
    assert not broken, f"{len(broken)} of {len(tested)} operations broke the contract:\n\n" + "\n\n".join(broken)


def test_csv_exports_keep_their_contract(platform):
    """`format=csv` is one value in two of a query's enum: rare for the fuzzer, so each export is asked once."""
    schema = schemathesis.openapi.from_url(platform.base + "/api/v1/openapi.json")
    exports = [("/api/v1/search", {}, "cmo_cell"), ("/api/v1/insights/{name}", {"name": "backlog"}, "cmo_cell")]
    for path, path_parameters, role in exports:
        case = schema[path]["GET"].Case(path_parameters=path_parameters, query={"format": "csv"})
        answer = case.call_and_validate(headers={"Authorization": f"Bearer {make_dev_token(STAFF[role])}"},
                                        checks=CHECKS, timeout=20)
        assert answer.status_code == 200 and answer.headers["content-type"][0].startswith("text/csv"), path
