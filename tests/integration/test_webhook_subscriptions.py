"""Webhook subscriptions of other systems on the real servers: a machine client with `events:subscribe`
subscribes to its department and district and receives only those cases' public events (verified with the
`standardwebhooks` package); it manages its own subscriptions and nobody else's; a rotation is one guarded
write, whoever races it."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from services.gateway.auth import make_dev_token
from shared.mongo import database_name
from tests.integration.platform_client import ADMIN, citizen, drinking_water
from tests.integration.receivers import WebhookReceiver
from tests.integration.waiting import wait_for

BANKURA_PHE = {"sub": "bankura-phe-dashboard", "role": "client", "scopes": ["grievances:read", "events:subscribe"]}
PURULIA_PHE = {"sub": "purulia-phe-dashboard", "role": "client", "scopes": ["events:subscribe"]}
NO_SCOPE = {"sub": "reader", "role": "client", "scopes": ["grievances:read"]}
ROUTED = "in.gov.wb.sorasori.grievance.routed.v1"


@pytest.fixture
def platform(platform_config, request):
    platform_config.update(NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0, NOTIFY_SECRET_KEY="k" * 32)
    return request.getfixturevalue("platform")


@pytest.fixture
def receivers():
    started = {}

    def receiver(name):
        started[name] = WebhookReceiver()
        return started[name]

    yield receiver
    for server in started.values():
        server.stop()


def subscribe(platform, actor, receiver, path="/api/v1/webhooks", **body):
    created = platform.ok(platform.request("POST", path, actor, json={"url": receiver.url + "/hook", **body}), 201)
    receiver.secret = created["secret"]
    return created


def power_cut(mobile, district="Bankura"):
    return drinking_water(mobile=mobile, district=district, category="electricity_supply",
                          subject="No electricity in Onda since Monday",
                          description="The transformer burnt out; the whole para has had no power for four days.")


def test_a_subscription_for_phe_in_bankura_receives_only_those_cases_events(platform, receivers):
    bankura, purulia, everything = receivers("bankura"), receivers("purulia"), receivers("everything")
    mine = subscribe(platform, BANKURA_PHE, bankura, id="bankura-phe", departments=["phe"], districts=["Bankura"])
    assert mine["created_by"] == BANKURA_PHE["sub"] and mine["events"] == ["*"]
    subscribe(platform, PURULIA_PHE, purulia, id="purulia-phe", departments=["phe"], districts=["Purulia"],
              events=[ROUTED])
    subscribe(platform, ADMIN, everything, path="/api/v1/admin/webhooks", id="state-dashboard")

    in_scope = platform.ok(platform.file(drinking_water(mobile="9830000001"), citizen("9830000001")), 201)
    other_district = platform.ok(platform.file(drinking_water(mobile="9830000002", district="Purulia"),
                                               citizen("9830000002")), 201)
    other_department = platform.ok(platform.file(power_cut("9830000003"), citizen("9830000003")), 201)

    def routed(receiver, tracking_id):
        return [e for e in receiver.accepted if e["type"] == ROUTED and e["subject"] == tracking_id]

    wait_for(lambda: routed(bankura, in_scope["tracking_id"]), timeout=30, what="Bankura PHE's routed event")
    wait_for(lambda: routed(purulia, other_district["tracking_id"]), timeout=30, what="Purulia PHE's routed event")
    for case in (in_scope, other_district, other_department):  # every case's events went out by now
        wait_for(lambda case=case: routed(everything, case["tracking_id"]), timeout=30, what="the state's events")
    assert {e["subject"] for e in bankura.accepted} == {in_scope["tracking_id"]}
    assert {e["type"] for e in bankura.accepted} >= {"in.gov.wb.sorasori.grievance.filed.v1", ROUTED}
    assert all(e["data"]["department"] == "phe" and e["data"]["district"] == "Bankura" for e in bankura.accepted)
    assert [e["type"] for e in purulia.accepted] == [ROUTED]  # its types only
    assert {e["subject"] for e in everything.accepted} == {c["tracking_id"] for c in
                                                           (in_scope, other_district, other_department)}
    assert not bankura.refused and not purulia.refused and not everything.refused


def test_a_machine_client_manages_its_own_webhooks_and_nobody_elses(platform, receivers):
    mine = subscribe(platform, BANKURA_PHE, receivers("mine"), id="bankura-phe", departments=["phe"],
                     districts=["Bankura"])
    subscribe(platform, PURULIA_PHE, receivers("theirs"), id="purulia-phe", departments=["phe"],
              districts=["Purulia"])

    listed = platform.ok(platform.request("GET", "/api/v1/webhooks", BANKURA_PHE))["subscriptions"]
    assert [s["id"] for s in listed] == ["bankura-phe"] and "secret" not in listed[0]
    everyone = platform.ok(platform.request("GET", "/api/v1/webhooks", ADMIN))["subscriptions"]
    assert {s["id"] for s in everyone} == {"bankura-phe", "purulia-phe"}

    theirs = "/api/v1/webhooks/purulia-phe"
    assert platform.request("PATCH", theirs, BANKURA_PHE, json={"active": False}).status_code == 404
    assert platform.request("POST", theirs + "/rotate-secret", BANKURA_PHE).status_code == 404
    assert platform.request("DELETE", theirs, BANKURA_PHE).status_code == 404
    assert platform.ok(platform.request("GET", "/api/v1/webhooks", PURULIA_PHE))["subscriptions"][0]["active"]

    changed = platform.ok(platform.request("PATCH", "/api/v1/webhooks/bankura-phe", BANKURA_PHE,
                                           json={"districts": ["Bankura", "Purulia"], "events": [ROUTED]}))
    assert changed["districts"] == ["Bankura", "Purulia"] and changed["events"] == [ROUTED]
    bad = platform.request("PATCH", "/api/v1/webhooks/bankura-phe", BANKURA_PHE, json={"districts": ["Gotham"]})
    assert bad.status_code == 400 and "districts" in bad.json()["errors"]
    bad = platform.request("PATCH", "/api/v1/webhooks/bankura-phe", BANKURA_PHE, json={"events": ["grievance.*"]})
    assert bad.status_code == 400 and "events" in bad.json()["errors"]
    rotated = platform.ok(platform.request("POST", "/api/v1/webhooks/bankura-phe/rotate-secret", BANKURA_PHE))
    assert rotated["secret"] != mine["secret"] and rotated["secrets_in_force"] == 2

    for actor in (NO_SCOPE, citizen("9830012345"), {"sub": "cmo-1", "role": "cmo_cell"}):
        assert platform.request("GET", "/api/v1/webhooks", actor).status_code == 403
        refused = platform.request("POST", "/api/v1/webhooks", actor, json={"id": "x-hook", "url": "https://x.org/h"})
        assert refused.status_code == 403
    assert "events:subscribe" in platform.request("GET", "/api/v1/webhooks", NO_SCOPE).text
    # the administrators' path is not for machine clients
    assert platform.request("GET", "/api/v1/admin/webhooks", BANKURA_PHE).status_code == 403

    assert platform.ok(platform.request("DELETE", "/api/v1/webhooks/bankura-phe", BANKURA_PHE)) == \
        {"deleted": "bankura-phe"}
    assert platform.ok(platform.request("GET", "/api/v1/webhooks", BANKURA_PHE))["subscriptions"] == []


def test_racing_rotations_lose_no_secret_they_answered(platform, platform_config, receivers, mongo_client):
    """Each rotation that answers 200 is the one in force until the next: none is overwritten by a rotation
    that read the secrets before it (the losers of a race answer 409)."""
    receiver = receivers("racing")
    subscribe(platform, BANKURA_PHE, receiver, id="bankura-phe", departments=["phe"], districts=["Bankura"])
    url = f"{platform.base}/api/v1/webhooks/bankura-phe/rotate-secret"
    headers = {"Authorization": f"Bearer {make_dev_token(BANKURA_PHE)}"}
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: requests.post(url, headers=headers, timeout=30), range(30)))
    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
    won = [a.json()["secret"] for a in answers if a.status_code == 200]
    lost = [a for a in answers if a.status_code == 409]
    stored = mongo_client[database_name(platform_config, "notification")].subscriptions.find_one({"_id": "bankura-phe"})
    assert stored["secrets_version"] == len(won) and len(won) + len(lost) == 30
    assert lost, "30 rotations at once and none raced: the test proved nothing"

    # the next delivery is signed by the two newest secrets: both among those answered
    receiver.secret = None  # refuse it (401) until the test checks it against each answered secret
    platform.ok(platform.file(drinking_water(mobile="9830000004"), citizen("9830000004")), 201)
    sent = wait_for(lambda: receiver.raw, timeout=30, what="a delivery")[0]
    signing_headers = {k: v for k, v in sent["headers"].items() if k.lower().startswith("webhook-")}
    assert len(signing_headers["Webhook-Signature"].split(" ")) == 2
    verifying = []
    for secret in won:
        receiver.secret, receiver.seen = secret, set()
        if requests.post(receiver.url + "/hook", data=sent["body"], headers=signing_headers, timeout=5).status_code == 204:
            verifying.append(secret)
    assert len(verifying) == min(2, len(won))
