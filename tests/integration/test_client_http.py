"""What web and mobile clients need from the gateway's HTTP: the catalogue for their pickers (cacheable, with
an ETag), CORS for the configured origins only, gzip for larger JSON, and Cache-Control on every answer."""
import gzip

import requests

from services.gateway.list_schemas import CatalogSchema
from tests.integration.platform_client import citizen, drinking_water

APP = "https://app.sorasori.test"
MITA = citizen("9830012345")


def test_catalog_names_every_district_block_municipality_department_and_category_in_three_languages_and_is_cacheable(platform):
    url = platform.base + "/api/v1/catalog"
    first = requests.get(url, timeout=10)
    assert first.status_code == 200, first.text
    catalog = first.json()
    assert CatalogSchema().validate(catalog) == {}
    assert len(catalog["districts"]) == 23
    bankura = next(d for d in catalog["districts"] if d["code"] == "Bankura")
    assert bankura["names"] == {"en": "Bankura", "bn": "বাঁকুড়া", "hi": "बाँकुड़ा"}
    water = next(c for c in catalog["categories"] if c["code"] == "drinking_water")
    assert water["department"] == "phe" and water["urgent"] is True and water["names"]["bn"] == "পানীয় জল"
    places = [place for district in catalog["districts"] for kind in ("blocks", "municipalities")
              for place in district[kind]]
    for entry in [*places, *catalog["departments"], *catalog["categories"], *catalog["districts"]]:
        assert set(entry["names"]) == {"en", "bn", "hi"} and all(entry["names"].values()), entry
    assert all(district["municipalities"] for district in catalog["districts"])
    assert sum(len(district["blocks"]) for district in catalog["districts"]) == 345
    south = next(d for d in catalog["districts"] if d["code"] == "South 24 Parganas")
    assert {"code": "2747", "names": {"en": "Bhangar I", "bn": "ভাঙড় ১", "hi": "भांगड़ I"}} in south["blocks"]
    kolkata = next(d for d in catalog["districts"] if d["code"] == "Kolkata")
    assert kolkata["blocks"] == [] and kolkata["municipalities"][0]["names"]["en"] == "Kolkata Municipal Corporation"
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    etag = first.headers["ETag"]
    assert etag.strip('W/"')

    again = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=3600"
    changed = requests.get(url, headers={"If-None-Match": '"something-older"'}, timeout=10)
    assert changed.status_code == 200 and changed.json() == catalog


def test_json_over_1kb_is_gzipped_only_when_the_client_accepts_it(platform):
    url = platform.base + "/api/v1/catalog"
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw = zipped.raw.read(decode_content=False)
    assert zipped.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in zipped.headers.get("Vary", "")
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers.get("Vary", "")
    assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content) / 2
    refused = requests.get(url, headers={"Accept-Encoding": "gzip;q=0"}, timeout=10)
    assert "Content-Encoding" not in refused.headers
    small = requests.get(platform.base + "/nowhere", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert small.status_code == 404 and "Content-Encoding" not in small.headers  # under 1 KB: not worth it


def test_cors_answers_preflights_and_requests_from_the_listed_origins_only(platform_with):
    platform = platform_with(CORS_ORIGINS=f"{APP}, https://other.sorasori.test")
    preflight = requests.options(platform.base + "/api/v1/grievances", headers={
        "Origin": APP, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}, timeout=10)
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-match"} <= allowed
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in preflight.headers["Vary"]

    stranger = requests.options(platform.base + "/api/v1/grievances", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert stranger.status_code < 500 and "Access-Control-Allow-Origin" not in stranger.headers

    filed = platform.request("POST", "/api/v1/grievances", MITA, headers={"Origin": APP}, json=drinking_water())
    assert filed.status_code == 201, filed.text
    assert filed.headers["Access-Control-Allow-Origin"] == APP
    exposed = {h.strip() for h in filed.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "Retry-After"} <= exposed
    assert "Origin" in filed.headers["Vary"] and filed.headers["Cache-Control"] == "no-store"
    other = platform.request("GET", "/api/v1/catalog", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def test_no_origin_is_allowed_by_default(platform):
    preflight = requests.options(platform.base + "/api/v1/catalog", headers={
        "Origin": APP, "Access-Control-Request-Method": "GET"}, timeout=10)
    assert preflight.status_code == 204 and "Access-Control-Allow-Origin" not in preflight.headers
    answer = requests.get(platform.base + "/api/v1/catalog", headers={"Origin": APP}, timeout=10)
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_cache_control_public_only_for_documents_the_same_for_everyone(platform):
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json", "/api/v1/catalog"):
        answer = requests.get(platform.base + path, timeout=10)
        assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("public, max-age="), path
    for answer in (platform.request("GET", "/api/v1/officer/queue", MITA),  # a refusal to a token
                   platform.request("GET", "/api/v1/notifications/preferences", MITA),
                   requests.post(platform.base + "/api/v1/catalog", timeout=10)):
        assert answer.headers["Cache-Control"] == "no-store", (answer.status_code, answer.headers)
