"""Every role against every endpoint, on one routed case: who may see and do what is decided on the
server, whatever the caller sends."""
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer

OWNER_MOBILE = "9830012345"


def test_each_role_on_each_endpoint(platform):
    owner = citizen(OWNER_MOBILE)
    tracking_id = platform.ok(platform.file(drinking_water(mobile=OWNER_MOBILE), owner), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    assigned = officer(case["officer_id"], "phe", ["Bankura"])
    colleague = next(o for o in ("off-phe-bankura-l1-1", "off-phe-bankura-l1-2") if o != case["officer_id"])
    roles = {
        "owner": owner,
        "other_citizen": citizen("9000000005"),
        "assigned_officer": assigned,
        "officer_other_district": officer("off-phe-nadia-l1-1", "phe", ["Nadia"]),
        "officer_other_department": officer("off-power-bankura-l1-1", "power", ["Bankura"]),
        "supervisor_in_scope": officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor"),
        "supervisor_out_of_scope": officer("sup-phe-nadia", "phe", ["Nadia"], role="supervisor"),
        "cmo_cell": CMO_CELL,
        "admin": {"sub": "admin-1", "role": "admin"},
        "system_client": {"sub": "wb-edistrict", "role": "system"},
        # machine clients (their token's scopes and limits; signed ones in test_machine_clients.py)
        "client_in_scope": {"sub": "wb-phe-bankura", "role": "client", "departments": ["phe"],
                            "districts": ["Bankura"], "scopes": ["grievances:read", "grievances:file"]},
        "client_out_of_scope": {"sub": "wb-phe-nadia", "role": "client", "departments": ["phe"],
                                "districts": ["Nadia"], "scopes": ["grievances:read", "grievances:file"]},
        "client_without_read": {"sub": "wb-filer", "role": "client", "departments": ["*"], "districts": ["*"],
                                "scopes": ["grievances:file"]},
    }
    case_path = f"/api/v1/grievances/{tracking_id}"
    endpoints = {
        "read case": ("GET", case_path, None),
        "internal note": ("POST", case_path + "/actions", {"action": "add_note", "text": "checked"}),
        "feedback": ("POST", case_path + "/feedback", {"rating": 5}),
        "me too": ("POST", case_path + "/support", {}),
        "officer queue": ("GET", "/api/v1/officer/queue", None),
        "reassign": ("POST", case_path + "/assignment", {"officer_id": colleague, "reason": "balancing load"}),
        "admin accounts": ("GET", "/api/v1/admin/accounts", None),
        "admin audit": ("GET", "/api/v1/admin/audit", None),
        "access log": ("GET", case_path + "/access-log", None),
        "lookalikes": ("POST", "/api/v1/grievances/lookalikes", {"text": "no drinking water", "district": "Bankura"}),
    }
    expected = {  # role: statuses in the order of `endpoints`
        "owner":                    [200, 409, 409, 409, 403, 403, 403, 403, 403, 200],
        "other_citizen":            [404, 404, 404, 200, 403, 403, 403, 403, 403, 200],
        "assigned_officer":         [200, 200, 403, 403, 200, 403, 403, 403, 403, 403],
        "officer_other_district":   [404, 404, 404, 403, 200, 403, 403, 403, 403, 403],
        "officer_other_department": [404, 404, 404, 403, 200, 403, 403, 403, 403, 403],
        "supervisor_in_scope":      [200, 200, 403, 403, 200, 200, 403, 403, 403, 403],
        "supervisor_out_of_scope":  [404, 404, 404, 403, 200, 404, 403, 403, 403, 403],
        "cmo_cell":                 [200, 200, 403, 403, 200, 200, 403, 403, 200, 200],
        "admin":                    [404, 404, 404, 403, 403, 403, 200, 200, 403, 403],
        "system_client":            [404, 404, 404, 403, 403, 403, 403, 403, 403, 403],
        "client_in_scope":          [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        "client_out_of_scope":      [404, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        "client_without_read":      [403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    }
    wrong = []
    for role, actor in roles.items():
        for (name, (method, path, body)), want in zip(endpoints.items(), expected[role]):
            got = platform.request(method, path, actor, json=body).status_code
            if got != want:
                wrong.append(f"{role} -> {name}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
    reads = platform.ok(platform.request("GET", case_path + "/access-log", CMO_CELL))["reads"]
    readers = {(r["reader"], r["role"]) for r in reads}
    assert (assigned["sub"], "officer") in readers and (CMO_CELL["sub"], "cmo_cell") in readers
    assert not any(r["reader"] == owner["sub"] for r in reads)  # the complainant reading their own case
    assert platform.request("GET", case_path, None).status_code == 401
