"""Machine clients of other state systems (issue 14 item 5), on the real servers: registered by an
administrator with scopes and department/district limits, signed in with client credentials (real RS256
tokens from the identity service), reading through the same API as staff with other staff's masking."""
import base64
import json
from urllib.parse import urlencode

import requests

from tests.integration.platform_client import ADMIN, CMO_CELL, citizen, drinking_water
from tests.integration.waiting import wait_for

FILE, READ, INSIGHTS = "grievances:file", "grievances:read", "insights:read"


def register(platform, client_id, scope, departments=(), districts=()):
    body = {"client_id": client_id, "scope": scope, "departments": list(departments), "districts": list(districts)}
    return platform.ok(platform.request("POST", "/api/v1/admin/clients", ADMIN, json=body), 201)


def token_request(platform, client, scope=None):
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return requests.post(platform.base + "/oauth/token", data=form, timeout=10,
                         auth=(client["client_id"], client["client_secret"]))


def token(platform, client, scope=None):
    answer = token_request(platform, client, scope)
    assert answer.status_code == 200, answer.text
    return answer.json()


def claims_of(access_token):
    body = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def as_client(platform, access, method, path, **kwargs):
    return requests.request(method, platform.base + path, headers={"Authorization": f"Bearer {access['access_token']}"},
                            timeout=20, **kwargs)


def routed_case(platform, body, mobile):
    """A citizen's case, once routing has given it its department."""
    tracking_id = platform.ok(platform.file(body, citizen(mobile)), 201)["tracking_id"]
    platform.wait_case(tracking_id, lambda c: c.get("department"), f"{tracking_id} routed")
    return tracking_id


def test_a_client_files_a_case_and_reads_it_masked_as_other_staff(platform):
    client = register(platform, "wb-cpgrams-link", f"{FILE} {READ}")
    assert (client["scope"], client["departments"], client["districts"]) == (f"{READ} {FILE}", [], [])  # normalised
    access = token(platform, client)
    assert set(access["scope"].split()) == {FILE, READ}
    claims = claims_of(access["access_token"])
    assert (claims["sub"], claims["role"], set(claims["scope"].split())) == ("wb-cpgrams-link", "client", {FILE, READ})
    assert (claims["departments"], claims["districts"]) == ([], [])

    body = drinking_water(mobile="9830055501", district="Nadia",
                          complainant={"name": "Mita Das", "mobile": "9830055501", "email": "mita@example.org",
                                       "language": "bn"})
    filed = as_client(platform, access, "POST", "/api/v1/grievances", json=body)
    assert filed.status_code == 201, filed.text
    tracking_id = filed.json()["tracking_id"]

    read = as_client(platform, access, "GET", f"/api/v1/grievances/{tracking_id}")  # no limits: its own case only
    assert read.status_code == 200, read.text
    case = read.json()
    assert case["tracking_id"] == tracking_id and case["filed_by"] == {"id": "wb-cpgrams-link", "role": "client"}
    assert case["complainant"]["mobile"] == "98******01" and case["complainant"]["email"] == "m***@example.org"
    assert case["allowed_actions"] == []
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    assert not any(r["reader"] == "wb-cpgrams-link" for r in reads)  # it was shown no contact details


def test_a_client_reads_cases_in_its_scope_masked_and_gets_404_outside_it(platform):
    in_scope = routed_case(platform, drinking_water(mobile="9830055502", district="Bankura"), "9830055502")
    outside = routed_case(platform, drinking_water(mobile="9830055503", district="Nadia"), "9830055503")
    department = platform.case(in_scope)["department"]
    client = register(platform, "wb-phe-bankura", READ, departments=[department], districts=["Bankura"])
    access = token(platform, client)
    assert claims_of(access["access_token"])["departments"] == [department]

    read = as_client(platform, access, "GET", f"/api/v1/grievances/{in_scope}")
    assert read.status_code == 200, read.text
    case = read.json()
    assert case["complainant"]["mobile"] == "98******02" and case["complainant"]["name"] == "Mita Das"
    assert "filed_by" in case and case["filed_by"] == {"role": "citizen"}  # a citizen's account id is withheld

    hidden = as_client(platform, access, "GET", f"/api/v1/grievances/{outside}")
    unknown = as_client(platform, access, "GET", "/api/v1/grievances/WB-2026-99999999")
    assert hidden.status_code == unknown.status_code == 404, hidden.text
    assert hidden.json()["detail"] == f"no grievance {outside}"


def test_search_and_insights_answer_only_within_the_clients_scope(platform):
    bankura = [routed_case(platform, drinking_water(mobile=f"98300556{n:02d}", district="Bankura",
                                                    subject=f"No drinking water in Onda, lane {n}"), f"98300556{n:02d}")
               for n in range(2)]
    nadia = routed_case(platform, drinking_water(mobile="9830055610", district="Nadia"), "9830055610")
    department = platform.case(bankura[0])["department"]
    everyone = set(bankura) | {nadia}
    wait_for(lambda: everyone <= {hit["tracking_id"] for hit in platform.ok(platform.request(
        "GET", "/api/v1/search?size=50", CMO_CELL))["results"]}, timeout=20, what="the cases indexed")
    client = register(platform, "wb-bankura-dashboard", f"{READ} {INSIGHTS}", departments=[department],
                      districts=["Bankura"])
    access = token(platform, client)

    def found(**params):
        answer = as_client(platform, access, "GET", "/api/v1/search?" + urlencode({"size": 50, **params}))
        assert answer.status_code == 200, answer.text
        return {hit["tracking_id"] for hit in answer.json()["results"]}

    assert found() & everyone == set(bankura)
    assert found(district="Nadia") == set()  # asking for more than its scope gives nothing more
    assert found(department="power") == set()

    table = as_client(platform, access, "GET", "/api/v1/insights/backlog?by=district")
    assert table.status_code == 200, table.text
    rows = {row[0]: row for row in table.json()["rows"]}
    assert set(rows) == {"Bankura"}  # a table of the whole state, asked for, is its districts' only
    by_department = as_client(platform, access, "GET", "/api/v1/insights/backlog?by=department").json()["rows"]
    assert {row[0] for row in by_department} == {department}
    cell = platform.ok(platform.request("GET", "/api/v1/insights/backlog?by=district", CMO_CELL))
    assert {"Bankura", "Nadia"} <= {row[0] for row in cell["rows"]}


def test_a_token_without_a_routes_scope_is_refused_naming_the_scope(platform):
    client = register(platform, "wb-reader", f"{READ} {FILE}", departments=["*"], districts=["*"])
    reader = token(platform, client, scope=READ)  # a subset of the client's scopes
    assert reader["scope"] == READ and claims_of(reader["access_token"])["scope"] == READ

    refused = as_client(platform, reader, "POST", "/api/v1/grievances", json=drinking_water(mobile="9830055701"))
    assert refused.status_code == 403, refused.text
    assert FILE in refused.json()["detail"] and refused.json()["details"]["scope"] == FILE
    assert refused.headers["WWW-Authenticate"] == f'Bearer error="insufficient_scope", scope="{FILE}"'
    insights = as_client(platform, reader, "GET", "/api/v1/insights/backlog")
    assert insights.status_code == 403 and insights.json()["details"]["scope"] == INSIGHTS

    # routes no scope opens (officers' work, citizens' own lists) refuse every machine client
    for method, path in (("GET", "/api/v1/officer/queue"), ("GET", "/api/v1/me/grievances"),
                         ("GET", "/api/v1/admin/accounts")):
        answer = as_client(platform, reader, method, path)
        assert answer.status_code == 403, (path, answer.text)
        assert "machine clients" in answer.json()["detail"]


def test_notices_are_refused_to_clients_with_a_clear_problem(platform):
    client = register(platform, "wb-notices", READ, departments=["*"], districts=["*"])
    answer = as_client(platform, token(platform, client), "GET", "/api/v1/notifications")
    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "events" in answer.json()["detail"]  # where a system follows its cases instead


def test_asking_for_a_scope_the_client_lacks_is_refused(platform):
    client = register(platform, "wb-read-only", READ, departments=["phe"], districts=["Bankura"])
    for asked in (FILE, f"{READ} {FILE}", "open311", "grievances:everything"):
        refused = token_request(platform, client, asked)
        assert refused.status_code == 400, (asked, refused.text)
        assert refused.json()["error"] == "invalid_scope"
    assert token(platform, client, READ)["scope"] == READ


def test_registration_validates_scopes_and_limits(platform):
    def refused(**body):
        answer = platform.request("POST", "/api/v1/admin/clients", ADMIN, json={"client_id": "wb-bad", **body})
        assert answer.status_code == 400, answer.text
        return answer.json()["errors"]

    assert "scope" in refused(scope="grievances:read grievances:everything")
    assert "scope" in refused(scope="")
    assert "departments" in refused(departments=["not-a-department"])
    assert "districts" in refused(districts=["Atlantis"])
    assert platform.request("POST", "/api/v1/admin/clients", {"sub": "x", "role": "officer", "department": "phe",
                                                               "districts": ["Bankura"]},
                            json={"client_id": "wb-bad"}).status_code == 403


def test_the_cli_registers_a_client_with_scopes_and_limits(platform, platform_config, tmp_path):
    import os
    import subprocess
    import sys

    import yaml

    config_file = tmp_path / "sorasori.yaml"
    config_file.write_text(yaml.safe_dump(platform_config))
    run = subprocess.run([sys.executable, "-m", "services.identity.cli", "register-client", "--client-id",
                          "wb-police-portal", "--scope", READ, "--scope", INSIGHTS, "--department", "home_police",
                          "--district", "*"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SORASORI_CONFIG": str(config_file)})
    assert run.returncode == 0, run.stderr
    client = json.loads(run.stdout)
    assert (client["scope"], client["departments"], client["districts"]) == (f"{READ} {INSIGHTS}", ["home_police"], ["*"])
    claims = claims_of(token(platform, client)["access_token"])
    assert (claims["role"], claims["scope"], claims["departments"]) == ("client", f"{READ} {INSIGHTS}", ["home_police"])
    refused = subprocess.run([sys.executable, "-m", "services.identity.cli", "register-client", "--client-id",
                              "wb-bad-scope", "--scope", "grievances"], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "SORASORI_CONFIG": str(config_file)})
    assert refused.returncode == 2 and "scope" in refused.stderr
