"""Drive the running platform through the gateway, as web clients and officers do."""
import requests

from services.gateway.auth import make_dev_token
from tests.integration.waiting import wait_for


def citizen(mobile, name="Citizen"):
    return {"sub": f"citizen-{mobile}", "role": "citizen", "mobile": mobile, "name": name}


def officer(officer_id, department, districts, role="officer"):
    return {"sub": officer_id, "role": role, "department": department, "districts": list(districts)}


CMO_CELL = {"sub": "cmo-cell-telecaller-7", "role": "cmo_cell"}
ADMIN = {"sub": "admin-1", "role": "admin"}


class Gateway:
    def __init__(self, base_url):
        self.base = base_url

    def request(self, method, path, actor=None, json=None, headers=None, data=None):
        headers = dict(headers or {})
        if actor is not None:
            headers["Authorization"] = f"Bearer {make_dev_token(actor)}"
        return requests.request(method, self.base + path, json=json, data=data, headers=headers, timeout=20)

    def file(self, body, actor):
        return self.request("POST", "/api/v1/grievances", actor, json=body)

    def get(self, tracking_id, actor):
        return self.request("GET", f"/api/v1/grievances/{tracking_id}", actor)

    def act(self, tracking_id, actor, **body):
        return self.request("POST", f"/api/v1/grievances/{tracking_id}/actions", actor, json=body)

    def feedback(self, tracking_id, actor, **body):
        return self.request("POST", f"/api/v1/grievances/{tracking_id}/feedback", actor, json=body)

    def support(self, tracking_id, actor):
        return self.request("POST", f"/api/v1/grievances/{tracking_id}/support", actor, json={})

    def queue(self, actor):
        return self.request("GET", "/api/v1/officer/queue", actor)

    def case(self, tracking_id, actor=CMO_CELL):
        response = self.get(tracking_id, actor)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_case(self, tracking_id, predicate, what, timeout=20):
        return wait_for(lambda: (lambda c: c if predicate(c) else None)(self.case(tracking_id)),
                        timeout=timeout, interval=0.2, what=what)

    def ok(self, response, status=200):
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()


def drinking_water(mobile="9830012345", district="Bankura", **overrides):
    body = {"kind": "complaint", "subject": "No drinking water in Onda for two weeks",
            "description": "The only tube well in our para is broken; forty families walk 2 km for water.",
            "category": "drinking_water", "place": {"district": district, "block": "Onda"},
            "complainant": {"name": "Mita Das", "mobile": mobile, "language": "bn"}, "channel": "mobile"}
    body.update(overrides)
    return body
