"""Identity owns the officer directory: members with an office, contacts and a status, set through the admin
API; every change is published as `staff.changed` (the whole record, `seq` counting each member's changes);
bad input is a 400 naming the field; concurrent changes of one member each get their own seq."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests

from tests.integration.directory import StaffEvents, member, put_member, set_status
from tests.integration.platform_client import ADMIN, officer
from tests.integration.waiting import wait_for

LEAVE = {"state": "on_leave", "leave_from": "2026-12-01T00:00:00+05:30", "leave_until": "2026-12-15T00:00:00+05:30"}


@pytest.fixture
def platform(platform_with):
    """The platform with an empty directory: these tests make their own members."""
    return platform_with(directory=())


@pytest.fixture
def staff_events(platform_config):
    events = StaffEvents(platform_config["AMQP_URI"])
    yield events
    events.close()


def test_each_change_is_published_as_the_whole_record(platform, staff_events):
    put_member(platform, member("off-dir-a", "phe", "Bankura", 1, email="a@example.org"))
    put_member(platform, member("off-dir-b", "phe", "Bankura", 1))
    shown = set_status(platform, "off-dir-a", **LEAVE, delegate="off-dir-b")
    assert shown["status"]["delegate"] == "off-dir-b" and shown["seq"] == 2

    changes = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(staff_events.of("off-dir-a")),
                       what="two staff.changed of off-dir-a")
    created, on_leave = changes
    assert created["seq"] == 1 and created["status"] == {"state": "active"}
    assert created["office"] == {"department": "phe", "district": "Bankura", "level": 1}
    assert created["contacts"]["email"] == "a@example.org" and len(created["contacts"]["mobile"]) == 10
    assert on_leave["seq"] == 2 and on_leave["status"]["state"] == "on_leave"
    assert on_leave["status"]["delegate"] == "off-dir-b"
    assert datetime.fromisoformat(on_leave["status"]["leave_until"]) == datetime.fromisoformat(LEAVE["leave_until"])

    set_status(platform, "off-dir-a", state="transferred", office={"department": "phe", "district": "Nadia",
                                                                    "level": 1})
    moved = wait_for(lambda: (lambda found: found[-1] if len(found) == 3 else None)(staff_events.of("off-dir-a")),
                     what="the transfer's staff.changed")
    assert moved["office"]["district"] == "Nadia" and moved["previous_office"]["district"] == "Bankura"
    listed = platform.ok(platform.request("GET", "/api/v1/admin/staff?department=phe&district=Nadia", ADMIN))
    assert [m["sub"] for m in listed["staff"]] == ["off-dir-a"]
    assert "*" in listed["staff"][0]["contacts"]["mobile"]  # masked in the list


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/admin/staff", {**member("off-bad", "phe", "Bankura", 1), "office": {
        "department": "no_such_department", "district": "Bankura", "level": 1}}, "office"),
    ("/api/v1/admin/staff", member("off-bad", "phe", "Atlantis", 1), "office"),
    ("/api/v1/admin/staff", member("off-bad", "phe", "Bankura", 3), "office.district"),
    ("/api/v1/admin/staff", member("off-bad", "phe", "Bankura", 4), "office"),
    ("/api/v1/admin/staff/off-dir-c/status", {**LEAVE, "leave_until": "2026-11-30T00:00:00+05:30"}, "leave_until"),
    ("/api/v1/admin/staff/off-dir-c/status", {**LEAVE, "delegate": "off-dir-nadia"}, "delegate"),
    ("/api/v1/admin/staff/off-dir-c/status", {**LEAVE, "delegate": "off-nobody"}, "delegate"),
    ("/api/v1/admin/staff/off-dir-c/status", {"state": "transferred"}, "office"),
    ("/api/v1/admin/staff/off-dir-c/status", {"state": "asleep"}, "state"),
])
def test_bad_input_is_a_400_naming_the_field(platform, path, body, field):
    put_member(platform, member("off-dir-c", "phe", "Bankura", 1))
    put_member(platform, member("off-dir-nadia", "phe", "Nadia", 1))
    response = platform.request("POST", path, ADMIN, json=body)
    assert response.status_code == 400, response.text
    assert field in str(response.json()), response.text


def test_a_retired_member_stays_retired_and_only_administrators_change_the_directory(platform):
    put_member(platform, member("off-dir-d", "phe", "Bankura", 2))
    set_status(platform, "off-dir-d", state="retired")
    response = platform.request("POST", "/api/v1/admin/staff/off-dir-d/status", ADMIN, json={"state": "active"})
    assert response.status_code == 409, response.text
    as_officer = platform.request("POST", "/api/v1/admin/staff", officer("off-x", "phe", ["Bankura"]),
                                  json=member("off-dir-e", "phe", "Bankura", 1))
    assert as_officer.status_code == 403
    assert platform.request("GET", "/api/v1/admin/staff/off-unknown", ADMIN).status_code == 404


def test_concurrent_changes_of_one_member_each_get_their_own_seq(platform, staff_events):
    put_member(platform, member("off-dir-f", "phe", "Bankura", 1))
    changes = 30

    def change(n):
        state = {"state": "active"} if n % 2 else LEAVE
        return platform.request("POST", "/api/v1/admin/staff/off-dir-f/status", ADMIN, json=state)

    with ThreadPoolExecutor(max_workers=changes) as pool:
        answers = list(pool.map(change, range(changes)))
    done = [a.json()["seq"] for a in answers if a.status_code == 200]
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers if a.status_code >= 400]
    assert len(done) == len(set(done)) and len(done) >= changes // 2  # a lost race answers 409, never a reused seq
    wanted = set(range(1, len(done) + 2))  # the member's creation, then each change that answered 200
    published = wait_for(lambda: (lambda found: found if {e["seq"] for e in found} >= wanted else None)(
        staff_events.of("off-dir-f")), what="one staff.changed per change")
    assert {e["seq"] for e in published} == wanted  # no seq without an answered change
    by_seq = {}
    for event in published:  # delivery is at least once: a repeat (an outbox sweep under load) is the same record
        assert by_seq.setdefault(event["seq"], event) == event


def test_the_cli_adds_members_and_sets_their_status(platform, platform_config, tmp_path, staff_events):
    import os
    import subprocess
    import sys

    import yaml

    config_file = tmp_path / "sorasori.yaml"
    config_file.write_text(yaml.safe_dump(platform_config))

    def cli(*args):
        run = subprocess.run([sys.executable, "-m", "services.identity.cli", *args], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "SORASORI_CONFIG": str(config_file)})
        assert run.returncode == 0, run.stderr
        return run.stdout

    cli("put-member", "--sub", "off-cli-1", "--name", "Rupa Sen", "--role", "officer", "--department", "power",
        "--district", "Howrah", "--level", "2", "--mobile", "7012345678", "--email", "rupa@example.org")
    cli("set-status", "--sub", "off-cli-1", "--state", "transferred", "--to-department", "power",
        "--to-district", "Hooghly", "--to-level", "2")
    listed = cli("directory", "--department", "power", "--district", "Hooghly")
    assert '"off-cli-1"' in listed and "7012345678" not in listed  # masked
    changes = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(staff_events.of("off-cli-1")),
                       what="the CLI's two staff.changed")
    assert changes[1]["office"]["district"] == "Hooghly" and changes[1]["status"]["state"] == "transferred"


def test_a_retired_member_can_neither_sign_in_nor_refresh(platform, platform_config):
    """Retirement closes the account: the refresh token a member holds stops working, a new sign-in with
    their mobile is refused (and they are not turned into a citizen either)."""
    from tests.integration.test_identity import APP, OTP_GRANT, last_code, sign_in

    put_member(platform, member("off-dir-r", "phe", "Bankura", 1, mobile="7000000019"))
    tokens = sign_in(platform, platform_config, "7000000019")
    set_status(platform, "off-dir-r", state="retired")
    refreshed = requests.post(platform.base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": tokens["refresh_token"]}, timeout=10)
    assert refreshed.status_code == 400 and "access_token" not in refreshed.text, refreshed.text
    platform.ok(platform.request("POST", "/oauth/otp", json={"mobile": "7000000019", "language": "en"}))
    again = requests.post(platform.base + "/oauth/token", data={
        "grant_type": OTP_GRANT, "client_id": APP, "mobile": "7000000019",
        "code": last_code(platform_config, "7000000019")}, timeout=10)
    assert again.status_code in (400, 401) and "access_token" not in again.text, again.text


def test_a_directory_member_is_not_changed_through_the_plain_accounts_route(platform):
    """The accounts route would change a member's mobile or role without a staff.changed: refused (409)."""
    put_member(platform, member("off-dir-m", "phe", "Bankura", 1, mobile="7000000029"))
    plain = {"sub": "off-dir-m", "name": "Off Dir M", "mobile": "7000000030", "role": "officer",
             "department": "phe", "districts": ["Bankura"]}
    refused = platform.request("POST", "/api/v1/admin/accounts", ADMIN, json=plain)
    assert refused.status_code == 409 and "/api/v1/admin/staff" in refused.text, refused.text
    record = platform.ok(platform.request("GET", "/api/v1/admin/staff/off-dir-m", ADMIN))
    assert record["contacts"]["mobile"] == "7000000029"  # unchanged
    new = {**plain, "sub": "admin-plain", "role": "admin", "mobile": "7000000031", "department": None,
           "districts": []}
    assert platform.request("POST", "/api/v1/admin/accounts", ADMIN, json=new).status_code in (200, 201)
