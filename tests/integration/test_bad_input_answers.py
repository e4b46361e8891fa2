"""Hostile or malformed requests get a 4xx JSON answer that names the field or the problem, never a 5xx,
never werkzeug's HTML, never the name of an exception class."""
import base64
import json
import socket

import pytest
import requests

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water
from tests.integration.waiting import wait_for

MITA = citizen("9830012345")
JSON = {"Content-Type": "application/json"}
EXCEPTION_NAMES = ("Error:", "RecursionError", "ValueError", "DecodeError", "RemoteError", "Traceback", "Exception")


def assert_clean_4xx(response, status=400, names=None):
    """A JSON 4xx whose body names `names` (a field or header) and no exception class."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["Content-Type"] == "application/problem+json", response.headers["Content-Type"]
    body = response.json()
    text = json.dumps(body)
    assert not any(name in text for name in EXCEPTION_NAMES), text
    assert '"None"' not in text, text
    if names:
        assert names in text, text
    return body


def cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def searchable(platform):
    response = platform.request("GET", "/api/v1/search", CMO_CELL)
    return response.json()["total"] if response.status_code == 200 else 0  # a new index may not be ready yet


@pytest.fixture
def indexed_case(platform):
    """One filed case, searchable (so queries reach Elasticsearch, not the empty-index short cut)."""
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    wait_for(lambda: searchable(platform) >= 1, timeout=30, interval=0.2, what="the case to be searchable")
    return tracking_id


def test_json_nested_past_the_parser_is_refused_by_name(platform):
    for deep in ("[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, '{"subject":' + "[" * 200 + "]" * 200 + "}"):
        response = platform.request("POST", "/api/v1/grievances", MITA, data=deep, headers=JSON)
        assert_clean_4xx(response, names="nested")


def test_a_lone_surrogate_in_a_filing_is_refused_naming_the_field(platform):
    body = json.dumps(drinking_water(subject="No water \ud800 in Onda"))
    assert "\\ud800" in body
    fields = assert_clean_4xx(platform.request("POST", "/api/v1/grievances", MITA, data=body, headers=JSON))["errors"]
    assert "subject" in fields
    nested = json.dumps(drinking_water(complainant={"name": "Mita \udfff Das", "mobile": "9830012345"}))
    fields = assert_clean_4xx(platform.request("POST", "/api/v1/grievances", MITA, data=nested, headers=JSON))["errors"]
    assert "complainant.name" in fields


def test_bodies_that_are_not_utf8_are_refused(platform):
    response = platform.request("POST", "/api/v1/grievances", MITA, data=b'{"subject": "\xff\xfe"}', headers=JSON)
    assert_clean_4xx(response, names="UTF-8")


@pytest.mark.parametrize("field", ["kind", "subject", "description", "category", "place", "complainant", "channel",
                                   "attachments", "override_filing_limit"])
def test_wrong_json_types_for_each_filing_field_name_it(platform, field):
    for value in ([], {"$gt": ""}, 12, 1.5, True, "x" * 3, [{"$ne": 1}]):
        body = drinking_water(**{field: value})
        response = platform.file(body, MITA)
        if response.status_code in (200, 201):
            continue  # some values are valid for some fields ("xxx" as a subject, True as the override flag)
        if response.status_code == 403:  # the override flag, set by a citizen
            assert_clean_4xx(response, status=403)
        else:
            assert_clean_4xx(response, names=field)


def test_an_action_that_is_not_a_string_is_named(platform, indexed_case):
    for action in ({"$gt": ""}, ["acknowledge"], 7, None):
        response = platform.act(indexed_case, CMO_CELL, action=action)
        assert "action" in assert_clean_4xx(response)["errors"]


@pytest.mark.parametrize("values", [["x", {"a": 1}], [1e400, "x"], ["a", "b", "c"], [[1], "x"], ["x"], [],
                                    [9 ** 40, "WB-2026-00000001"]])
def test_a_tampered_search_cursor_is_named(platform, indexed_case, values):
    for sort in ("relevance", "newest", "sla"):
        response = platform.request("GET", f"/api/v1/search?sort={sort}&q=water&after={cursor(values)}", CMO_CELL)
        assert "after" in assert_clean_4xx(response)["errors"]
    response = platform.request("GET", f"/api/v1/insights/most-supported?after={cursor(values)}", CMO_CELL)
    assert "after" in assert_clean_4xx(response)["errors"]


def test_a_real_cursor_still_pages(platform, indexed_case):
    platform.ok(platform.file(drinking_water(mobile="9830012346", subject="Second tube well broken"),
                              citizen("9830012346")), 201)
    wait_for(lambda: searchable(platform) >= 2, timeout=30, interval=0.2, what="both cases to be searchable")
    for sort in ("relevance", "newest", "oldest", "sla"):
        first = platform.ok(platform.request("GET", f"/api/v1/search?sort={sort}&size=1", CMO_CELL))
        second = platform.ok(platform.request("GET", f"/api/v1/search?sort={sort}&size=1&after={first['next']}",
                                              CMO_CELL))
        assert first["results"][0]["tracking_id"] != second["results"][0]["tracking_id"]


@pytest.mark.parametrize("offset", ["+19:10", "-14:30", "+18:00"])
def test_filing_date_offsets_elasticsearch_refuses_are_named(platform, indexed_case, offset):
    when = f"2026-11-06T06:04:37{offset}".replace("+", "%2B")
    for path in ("/api/v1/search", "/api/v1/insights/backlog", "/api/v1/insights/most-supported"):
        for name in ("filed_from", "filed_to"):
            response = platform.request("GET", f"{path}?{name}={when}", CMO_CELL)
            assert name in assert_clean_4xx(response)["errors"]


def test_the_widest_real_offsets_still_work(platform, indexed_case):
    for when in ("2026-11-06T06:04:37%2B14:00", "2026-11-06T06:04:37-12:00", "2026-11-06T06:04:37%2B05:30"):
        platform.ok(platform.request("GET", f"/api/v1/search?filed_from={when}", CMO_CELL))
        platform.ok(platform.request("GET", f"/api/v1/insights/backlog?filed_to={when}", CMO_CELL))


AUTHORIZE = {"client_id": "sorasori-web", "response_type": "code", "redirect_uri": "http://127.0.0.1/app/callback",
             "code_challenge": "x" * 43, "code_challenge_method": "S256", "scope": "openid", "state": "s"}


def test_an_oversized_host_header_is_named(platform):
    response = requests.get(platform.base + "/oauth/authorize", params=AUTHORIZE, headers={"Host": "h" * 2100},
                            timeout=10)
    assert_clean_4xx(response, names="Host")
    response = requests.get(platform.base + "/api/v1/officer/queue", headers={"Host": "h" * 2100}, timeout=10)
    assert_clean_4xx(response, names="Host")


def test_a_redirect_uri_with_a_quote_is_refused_on_the_sign_in_page(platform):
    bad = {**AUTHORIZE, "redirect_uri": 'https://x/"'}
    response = requests.get(platform.base + "/oauth/authorize", params=bad, timeout=10)
    assert response.status_code == 400, response.text[:300]
    assert "redirect_uri" in response.text and "Error:" not in response.text
    posted = requests.post(platform.base + "/oauth/authorize", timeout=10, allow_redirects=False,
                           data={**bad, "mobile": "9830012345", "code": "123456", "step": "sign_in"})
    assert posted.status_code == 400 and "redirect_uri" in posted.text and "Error:" not in posted.text
    sso = requests.get(platform.base + "/oauth/sso/start", params=bad, timeout=10)
    assert sso.status_code == 400 and "Error:" not in sso.text


def test_unknown_routes_and_wrong_methods_answer_json(platform):
    missing = assert_clean_4xx(requests.get(platform.base + "/no/such/thing", timeout=10), status=404)
    assert missing["error"]
    wrong = requests.delete(platform.base + "/api/v1/search", timeout=10)
    assert_clean_4xx(wrong, status=405)
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    assert "Allow" not in missing


def test_errors_do_not_name_exception_classes_or_empty_details(platform):
    for token in ("abc.def.ghi", "eyJhbGciOiJSUzI1NiIsImtpZCI6Ingi.e30.abc", "x"):
        response = requests.get(platform.base + "/api/v1/officer/queue", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
        assert_clean_4xx(response, status=401)
    assert_clean_4xx(platform.get("WB-2026-12345674", CMO_CELL), status=404)
    assert_clean_4xx(platform.request("GET", "/api/v1/notifications", MITA), status=403)
    assert_clean_4xx(platform.request("GET", "/api/v1/insights/nope", CMO_CELL), status=404)


def test_a_huge_query_string_is_named(platform):
    response = platform.request("GET", "/api/v1/search?q=" + "a" * 20000, CMO_CELL)
    assert_clean_4xx(response, status=414, names="query")
    many = platform.request("GET", "/api/v1/search?" + "&".join(["status=filed"] * 1500), CMO_CELL)
    assert_clean_4xx(many, status=414, names="query")


def raw_request(base, head):
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_a_request_path_that_is_not_utf8_is_404_json(platform):
    answer = raw_request(platform.base, b"GET /api/v1/grievances/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                        b"Authorization: Bearer x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] in (b"401", b"404"), answer[:300]
    assert b"application/problem+json" in head and b"Error:" not in body


def test_numbers_json_does_not_have_are_refused(platform):
    for text in ('{"rating": NaN}', '{"rating": Infinity}', '{"rating": -Infinity}'):
        response = platform.request("POST", "/api/v1/grievances/WB-2026-12345674/feedback", MITA, data=text,
                                    headers=JSON)
        assert "_body" in assert_clean_4xx(response, names="not JSON")["errors"]
    huge = platform.request("POST", "/api/v1/grievances/WB-2026-12345674/feedback", MITA,
                            data='{"rating": ' + "9" * 5000 + "}", headers=JSON)
    assert "set_int_max_str_digits" not in assert_clean_4xx(huge, names="digits")["errors"]["_body"][0]
