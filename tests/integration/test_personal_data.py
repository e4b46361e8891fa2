"""Personal data after an officer corrects the complainant's contact details (edit_on_behalf), through the
gateway on the real servers: each audience sees the case in its own projection (shared.projections), and
every answer that carries the complainant's contact details to someone other than the complainant is in
the personal-data access log."""
import eventlet
import pytest

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.receivers import WebhookReceiver
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
OLD = {"mobile": "9830012345", "email": "mita.das@example.org", "address": "12 Rabindra Sarani, Onda"}
NEW = {"mobile": "9831099887", "email": "mita.work@example.in", "address": "45 Netaji Subhas Road, Bishnupur"}
GEO = {"lat": 23.0714, "lon": 87.3241}
DRAFTED = "The tube well near the primary school has been broken since the flood."
MITA = citizen(OLD["mobile"], "Mita Das")
COLLEAGUES = ("off-phe-bankura-l1-1", "off-phe-bankura-l1-2")


def clear_values():
    return [value for values in (OLD, NEW) for value in values.values()]


def leaked(text, values):
    return [value for value in values if value in text]


@pytest.fixture
def edited_case(platform_config, request):
    """A routed PHE Bankura case whose working officer changed the complainant's mobile, email and
    address (and the place's coordinates) with her consent, logged a call to the new number and wrote
    an internal note; a webhook subscriber listens for every public event of PHE in Bankura."""
    platform_config.update(NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    platform = request.getfixturevalue("platform")
    receiver = WebhookReceiver()
    request.addfinalizer(receiver.stop)
    created = platform.ok(platform.request("POST", "/api/v1/admin/webhooks", ADMIN, json={
        "id": "district-dashboard", "url": receiver.url + "/hook", "departments": ["phe"],
        "districts": ["Bankura"]}), 201)
    receiver.secret = created["secret"]

    body = drinking_water(mobile=OLD["mobile"])
    body["complainant"].update(email=OLD["email"], residence={"state": "West Bengal", "district": "Bankura",
                                                              "address": OLD["address"]})
    tracking_id = platform.ok(platform.file(body, MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    working = officer(case["officer_id"], "phe", ["Bankura"])
    colleague = officer(next(o for o in COLLEAGUES if o != case["officer_id"]), "phe", ["Bankura"])

    platform.ok(platform.act(tracking_id, working, action="edit_on_behalf", consent="verbal_on_call", changes={
        "description": DRAFTED,
        "place": {"district": "Bankura", "block": "Onda", "geo": GEO},
        "complainant": {"name": "Mita Das", "mobile": NEW["mobile"], "email": NEW["email"], "language": "bn",
                        "residence": {"state": "West Bengal", "district": "Bankura", "address": NEW["address"]}}}))
    platform.ok(platform.act(tracking_id, working, action="log_contact", outcome="answered",
                             notes=f"Called her new number {NEW['mobile']}; she confirmed {NEW['email']}"))
    platform.ok(platform.act(tracking_id, working, action="add_note", text="Internal: BDO to inspect the well"))
    return platform, tracking_id, working, colleague, receiver


def test_an_in_scope_officer_who_does_not_work_the_case_sees_no_contact_details(edited_case):
    platform, tracking_id, _, colleague, _ = edited_case
    supervisor = officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor")
    for reader in (colleague, supervisor):
        response = platform.get(tracking_id, reader)
        assert response.status_code == 200, response.text
        assert leaked(response.text, clear_values()) == [], reader["sub"]
        case = response.json()
        assert case["complainant"]["mobile"] == "98******87" and case["complainant"]["email"] == "m***@example.in"
        edit = next(e for e in case["timeline"] if e["kind"] == "edit_on_behalf")
        assert edit["changes"]["complainant"]["mobile"] == "98******87"
        assert case["versions"][0]["before"]["complainant"]["mobile"] == "98******45"
        assert case["versions"][0]["before"]["complainant"]["residence"]["address"] == "(withheld)"

    # the answer to the colleague's own action is the same projection, and reading masked data is not logged
    answer = platform.act(tracking_id, colleague, action="add_note", text="Checked the pump house")
    assert answer.status_code == 200, answer.text
    assert leaked(answer.text, clear_values()) == []
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    assert not any(r["reader"] in (colleague["sub"], supervisor["sub"]) for r in reads)


def test_the_working_officer_and_the_cmo_cell_see_the_contact_details(edited_case):
    platform, tracking_id, working, _, _ = edited_case
    for reader in (working, CMO_CELL):
        response = platform.get(tracking_id, reader)
        assert response.status_code == 200, response.text
        assert leaked(response.text, clear_values()) == clear_values(), reader["sub"]
        case = response.json()
        assert case["complainant"]["mobile"] == NEW["mobile"]
        assert case["versions"][0]["before"]["complainant"]["email"] == OLD["email"]
        assert "Internal: BDO" in response.text


def test_the_citizen_sees_her_own_data_but_no_internal_notes(edited_case):
    platform, tracking_id, _, _, _ = edited_case
    response = platform.get(tracking_id, MITA)
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["complainant"]["mobile"] == NEW["mobile"] and case["complainant"]["email"] == NEW["email"]
    assert case["complainant"]["residence"]["address"] == NEW["address"]
    assert "Internal: BDO" not in response.text and "Called her new number" not in response.text
    assert "versions" not in case and "officer_id" not in case
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    assert not any(r["reader"] == MITA["sub"] for r in reads)


def test_a_webhook_subscriber_gets_public_events_without_personal_data_and_never_the_edit(edited_case):
    platform, tracking_id, working, _, receiver = edited_case
    platform.ok(platform.act(tracking_id, working, action="acknowledge"))  # published after the edit and notes
    wait_for(lambda: [e for e in receiver.accepted if e["type"].endswith(".grievance.acknowledged.v1")], timeout=20,
             what="the acknowledged event, after the edit")
    assert {e["subject"] for e in receiver.accepted} == {tracking_id}
    assert not [e for e in receiver.accepted if "edit" in e["type"] or "note" in e["type"]]  # not on the stream
    raw = "".join(r["body"].decode() for r in receiver.raw)
    assert leaked(raw, clear_values() + ["Mita Das", DRAFTED, str(GEO["lat"]), MITA["sub"], "Internal: BDO",
                                         "Called her new number", working["sub"]]) == []
    assert all(e["data"]["district"] == "Bankura" and e["data"]["department"] == "phe" for e in receiver.accepted)


def test_every_answer_with_contact_details_to_staff_is_in_the_access_log(edited_case):
    platform, tracking_id, working, _, _ = edited_case
    telecaller = {"sub": "cmo-cell-telecaller-12", "role": "cmo_cell"}
    answer = platform.act(tracking_id, telecaller, action="add_note", text="Will call her on Monday")
    assert answer.status_code == 200 and NEW["mobile"] in answer.text
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    mine = [r for r in reads if r["reader"] == telecaller["sub"]]
    assert len(mine) == 1 and mine[0]["role"] == "cmo_cell" and mine[0]["tracking_id"] == tracking_id
    assert mine[0]["at"]
    # the working officer's three actions in the fixture answered with her contact details too
    assert len([r for r in reads if r["reader"] == working["sub"]]) >= 3


def test_reading_the_delivery_log_with_addresses_is_in_the_access_log(edited_case):
    platform, tracking_id, _, colleague, _ = edited_case
    path = f"/api/v1/grievances/{tracking_id}/notifications"

    def delivery_log():
        response = platform.request("GET", path, ADMIN)
        return response if response.status_code == 200 else None

    found = wait_for(delivery_log, timeout=20, what="the case's delivery log")
    assert OLD["mobile"] in found.text  # the filing's SMS, to the number of the time
    masked = platform.request("GET", path, colleague)
    assert masked.status_code == 200 and leaked(masked.text, clear_values()) == []
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    mine = [r for r in reads if r["reader"] == ADMIN["sub"]]
    assert mine and mine[0]["role"] == "admin" and mine[0]["what"] == "delivery_log"
    assert not any(r["reader"] == colleague["sub"] for r in reads)
    assert [r["at"] for r in reads] == sorted(r["at"] for r in reads)


def test_concurrent_reads_of_the_delivery_log_are_each_logged(edited_case):
    """The first reads of a case race to create its log document: none may be lost."""
    platform, tracking_id, _, colleague, _ = edited_case
    path = f"/api/v1/grievances/{tracking_id}/notifications"
    readers = [{"sub": f"cmo-cell-telecaller-{n}", "role": "cmo_cell"} for n in range(30)]
    # a colleague's masked read is not logged: the log document does not exist yet
    wait_for(lambda: platform.request("GET", path, colleague).status_code == 200, timeout=20, what="the delivery log")
    statuses = list(eventlet.GreenPool(30).imap(lambda reader: platform.request("GET", path, reader).status_code,
                                                readers))
    assert statuses == [200] * 30
    reads = platform.ok(platform.request("GET", f"/api/v1/grievances/{tracking_id}/access-log", CMO_CELL))["reads"]
    logged = [r["reader"] for r in reads if r["what"] == "delivery_log"]
    assert sorted(logged) == sorted(r["sub"] for r in readers)


def test_the_gateway_access_log_keeps_no_query_string(platform, caplog):
    """A search for a name or a mobile number is in the request line; the access log keeps the path only."""
    caplog.set_level("INFO", logger="nameko.web.server")
    answer = platform.request("GET", "/api/v1/search?q=Mita+Das+9830012345", CMO_CELL)
    assert answer.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "nameko.web.server"]
    assert any("GET /api/v1/search HTTP/1.1" in line for line in lines), lines
    assert leaked("\n".join(lines), ["9830012345", "Mita"]) == []
