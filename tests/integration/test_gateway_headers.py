"""Every answer of the gateway says nosniff; every answer that may carry personal data says no-store (the
default: only discovery and the JWKS declare themselves cacheable)."""
import requests

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

MITA = citizen("9830012345")
ADMIN = {"sub": "admin-1", "role": "admin"}
SUPERVISOR = officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor")


def test_nosniff_everywhere_and_no_store_unless_declared_cacheable(platform):
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    me = officer(case["officer_id"], "phe", ["Bankura"])
    wait_for(lambda: platform.request("GET", "/api/v1/search", CMO_CELL).json().get("total"), timeout=30,
             interval=0.2, what="the case to be searchable")
    case_path = f"/api/v1/grievances/{tracking_id}"
    personal = {
        "case view": platform.get(tracking_id, MITA),
        "action": platform.act(tracking_id, me, action="add_note", text="Called the complainant"),
        "support": platform.request("POST", case_path + "/support", citizen("9830012399"), json={}),
        "access log": platform.request("GET", case_path + "/access-log", CMO_CELL),
        "similar": platform.request("GET", case_path + "/similar", CMO_CELL),
        "delivery log": platform.request("GET", case_path + "/notifications", CMO_CELL),
        "reassign": platform.request("POST", case_path + "/assignment", SUPERVISOR, json={
            "officer_id": next(o for o in ("off-phe-bankura-l1-1", "off-phe-bankura-l1-2") if o != me["sub"]),
            "reason": "Balancing the load"}),
        "queue": platform.queue(me),
        "search": platform.request("GET", "/api/v1/search", CMO_CELL),
        "search csv": platform.request("GET", "/api/v1/search?format=csv", CMO_CELL),
        "insight csv": platform.request("GET", "/api/v1/insights/most-supported?format=csv", CMO_CELL),
        "notices": platform.request("GET", "/api/v1/notifications", me),
        "preferences": platform.request("PUT", "/api/v1/notifications/preferences", MITA,
                                        json={"channels": ["sms"], "language": "bn"}),
        "accounts": platform.request("GET", "/api/v1/admin/accounts", ADMIN),
        "account change": platform.request("POST", "/api/v1/admin/accounts", ADMIN, json={
            "sub": "off-phe-bankura-l1-9", "name": "Rina Pal", "mobile": "9830011111", "role": "officer",
            "department": "phe", "districts": ["Bankura"]}),
        "client secret": platform.request("POST", "/api/v1/admin/clients", ADMIN, json={"client_id": "wb-headers"}),
        "audit": platform.request("GET", "/api/v1/admin/audit", ADMIN),
        "otp": platform.request("POST", "/oauth/otp", json={"mobile": "9830012345"}),
        "token error": requests.post(platform.base + "/oauth/token", data={"grant_type": "password"}, timeout=10),
        "sign-in page": requests.get(platform.base + "/oauth/authorize", params={"client_id": "nope"}, timeout=10),
        "health": requests.get(platform.base + "/health", timeout=15),
        "401": platform.request("GET", case_path, None),
        "404": requests.get(platform.base + "/nowhere", timeout=10),
        "405": requests.put(platform.base + "/api/v1/search", timeout=10),
    }
    wrong = []
    for name, response in personal.items():
        assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:200]}"
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            wrong.append(f"{name} ({response.status_code}): X-Content-Type-Options "
                         f"{response.headers.get('X-Content-Type-Options')}")
        if "no-store" not in response.headers.get("Cache-Control", ""):
            wrong.append(f"{name} ({response.status_code}): Cache-Control {response.headers.get('Cache-Control')}")
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json"):
        public = requests.get(platform.base + path, timeout=10)
        if public.headers.get("X-Content-Type-Options") != "nosniff":
            wrong.append(f"{path}: no nosniff")
        if "max-age" not in public.headers.get("Cache-Control", ""):
            wrong.append(f"{path}: not cacheable ({public.headers.get('Cache-Control')})")
    assert not wrong, "\n".join(wrong)
