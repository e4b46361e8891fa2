"""The gateway serves its own contract: the OpenAPI 3.1 document, and a docs page whose script and stylesheet
come from the gateway itself (installed from npm by `make docs-assets`), under a same-origin CSP. Real
answers match the schemas the document gives them."""
import re

import jsonschema
import requests
from openapi_spec_validator import validate

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water

MITA = citizen("9830012345")


def matches(document, schema_name, body):
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def test_the_openapi_document_is_served_and_valid(platform):
    answer = requests.get(platform.base + "/api/v1/openapi.json", timeout=20)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    document = answer.json()
    validate(document)
    assert "/api/v1/grievances/{tracking_id}/actions" in document["paths"]
    assert "/api/v1/openapi.json" in document["paths"] and "/api/docs" in document["paths"]


def test_the_docs_page_and_its_files_are_served_from_the_gateway(platform):
    page = requests.get(platform.base + "/api/docs", timeout=20)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "the page loads something from elsewhere"
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert "/api/docs/swagger-ui-bundle.js" in scripts and "/api/docs/init.js" in scripts and styles
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    for path, content_type in [(s, "text/javascript") for s in scripts] + [(s, "text/css") for s in styles]:
        asset = requests.get(platform.base + path, timeout=20)
        assert asset.status_code == 200, path
        assert asset.headers["Content-Type"].startswith(content_type), (path, asset.headers["Content-Type"])
        assert len(asset.content) > 40
    assert "SwaggerUIBundle" in requests.get(platform.base + "/api/docs/swagger-ui-bundle.js", timeout=20).text
    for other in ("/api/docs/package.json", "/api/docs/..%2Fapidocs.py", "/api/docs/index.html"):
        missing = requests.get(platform.base + other, timeout=20)
        assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"


def test_real_answers_match_their_documented_schemas(platform):
    document = requests.get(platform.base + "/api/v1/openapi.json", timeout=20).json()
    filed = platform.file(drinking_water(), MITA)
    assert filed.status_code == 201
    matches(document, "Filed", filed.json())
    tracking_id = filed.json()["tracking_id"]
    matches(document, "CaseForComplainant", platform.get(tracking_id, MITA).json())
    matches(document, "CaseForStaff", platform.get(tracking_id, CMO_CELL).json())
    matches(document, "Problem", platform.file(drinking_water(subject=""), MITA).json())
    matches(document, "Problem", platform.request("GET", "/api/v1/nowhere").json())
    matches(document, "OpenIdConfiguration",
            requests.get(platform.base + "/.well-known/openid-configuration", timeout=20).json())
    matches(document, "Jwks", requests.get(platform.base + "/.well-known/jwks.json", timeout=20).json())
    matches(document, "Notices", platform.request("GET", "/api/v1/notifications", CMO_CELL).json())
    matches(document, "SearchResults", platform.request("GET", "/api/v1/search", CMO_CELL).json())
    matches(document, "PreferencesView", platform.request("GET", "/api/v1/notifications/preferences", MITA).json())
