"""Attachments on the real servers: files go through the gateway into S3Proxy (the test's own bucket), intake
records them on the case, search records only that the case has some; who may fetch a file is intake's call."""
import io
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from services.gateway.auth import make_dev_token
from services.search.index import alias
from shared.object_store import ObjectStore
from shared.settings import load_settings
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

MITA = citizen("9830012345", "Mita Das")
STRANGER = citizen("9830099999", "Someone Else")
COLLEAGUES = ("off-phe-bankura-l1-1", "off-phe-bankura-l1-2")
GPS_IFD = 0x8825
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def jpeg_with_gps():
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (22.0, 34.0, 12.5), 3: "E", 4: (88.0, 21.0, 3.2)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(colour=(0, 90, 200)):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def upload(platform, tracking_id, actor, purpose, files, key=None, if_match=None):
    headers = {"Authorization": f"Bearer {make_dev_token(actor)}", **({"Idempotency-Key": key} if key else {}),
               **({"If-Match": if_match} if if_match else {})}
    return requests.post(f"{platform.base}/api/v1/grievances/{tracking_id}/attachments", headers=headers,
                         data={"purpose": purpose}, files=[("files", f) for f in files], timeout=30)


def link(platform, tracking_id, ref, actor):
    return platform.request("GET", f"/api/v1/grievances/{tracking_id}/attachments/{ref}", actor)


def stored_keys(config):
    store = ObjectStore.from_settings(load_settings(config))
    try:
        answer = store.client.list_objects_v2(Bucket=store.bucket)
    except store.client.exceptions.NoSuchBucket:
        return []
    return [item["Key"] for item in answer.get("Contents", []) if not item["Key"].endswith("/")]  # S3Proxy lists folders


def routed_case(platform):
    tracking_id = platform.ok(platform.file(drinking_water(mobile=MITA["mobile"]), MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    working = officer(case["officer_id"], "phe", ["Bankura"])
    colleague = officer(next(o for o in COLLEAGUES if o != case["officer_id"]), "phe", ["Bankura"])
    return tracking_id, working, colleague


def test_a_photo_with_its_gps_position_is_stored_without_it_and_search_records_only_that_one_exists(
        platform, platform_config, es):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD), "the sample must carry a GPS position"
    tracking_id, _, _ = routed_case(platform)

    answer = platform.ok(upload(platform, tracking_id, MITA, "filing",
                                [("../../etc/<script>road photo.jpeg", original, "image/jpeg")]), 201)
    [record] = answer["attachments"]
    assert record["kind"] == "image" and record["content_type"] == "image/jpeg" and record["purpose"] == "filing"
    assert record["name"] == "script_road photo.jpg"  # no folders, no markup, the extension its bytes say

    got = platform.ok(link(platform, tracking_id, record["ref"], MITA))
    fetched = requests.get(got["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content[:3] == b"\xff\xd8\xff"
    assert len(fetched.content) == record["size"]
    again = Image.open(io.BytesIO(fetched.content))
    assert not again.getexif().get_ifd(GPS_IFD) and not again.getexif() and "exif" not in again.info
    assert again.size == (64, 48)

    case = platform.case(tracking_id, MITA)
    assert [a["ref"] for a in case["attachments"]] == [record["ref"]]
    assert any(e["kind"] == "attached" and e["refs"] == [record["ref"]] for e in case["timeline"])
    indexed = wait_for(lambda: (lambda d: d if d.get("has_attachments") else None)(
        es.options(ignore_status=404).get(index=alias(platform_config), id=tracking_id).get("_source") or {}),
        timeout=20, interval=0.2, what="has_attachments in the index")
    assert "attachments" not in indexed and "road" not in str({k: v for k, v in indexed.items()
                                                               if k not in ("subject", "description")})


@pytest.mark.parametrize("lie", [b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200,
                                 b"<!DOCTYPE html><html><script>alert(1)</script></html>"], ids=["zip", "html"])
def test_a_file_that_lies_about_its_type_is_refused_naming_it_and_nothing_is_stored(platform, platform_config, lie):
    tracking_id, _, _ = routed_case(platform)
    refused = upload(platform, tracking_id, MITA, "filing",
                     [("ok.png", png(), "image/png"), ("road.jpg", lie, "image/jpeg")])
    assert refused.status_code == 415, refused.text
    assert "road.jpg" in refused.text and "files[1]" in refused.json()["errors"]
    assert not platform.case(tracking_id, MITA).get("attachments")
    assert stored_keys(platform_config) == []


def test_an_oversized_file_and_a_sixth_file_are_refused_naming_them(platform_with, platform_config):
    platform = platform_with(ATTACHMENT_MAX_BYTES=100_000)
    tracking_id, _, _ = routed_case(platform)
    big = PDF[:-7] + b"0" * 150_000 + b"\n%%EOF\n"
    refused = upload(platform, tracking_id, MITA, "filing", [("small.pdf", PDF, "application/pdf"),
                                                            ("scan.pdf", big, "application/pdf")])
    assert refused.status_code == 413, refused.text
    assert "scan.pdf" in refused.text and "files[1]" in refused.json()["errors"]

    # a body longer than 5 files at the limit is refused from its Content-Length, before it is read
    huge = upload(platform, tracking_id, MITA, "filing", [("huge.pdf", b"%PDF-" + b"0" * 700_000, "application/pdf")])
    assert huge.status_code == 413 and "files" in huge.json()["errors"]

    # a body sent without a length (chunked) is refused unread: the WSGI server hands such a body over empty
    offered = []

    def streamed():
        for _ in range(3):
            offered.append(1)
            yield b"0" * 1_000_000

    chunked = requests.post(f"{platform.base}/api/v1/grievances/{tracking_id}/attachments", data=streamed(),
                            headers={"Authorization": f"Bearer {make_dev_token(MITA)}",
                                     "Content-Type": "multipart/form-data; boundary=b0undary"}, timeout=30)
    assert chunked.status_code == 411 and "Content-Length" in chunked.json()["errors"]

    six = upload(platform, tracking_id, MITA, "filing", [(f"p{i}.png", png(), "image/png") for i in range(6)])
    assert six.status_code == 400 and "at most 5" in six.json()["errors"]["files"][0]
    assert not platform.case(tracking_id, MITA).get("attachments") and stored_keys(platform_config) == []


def test_only_the_complainant_the_working_officer_and_the_cell_get_a_link_and_it_expires(platform_with):
    platform = platform_with(ATTACHMENT_URL_TTL_SECONDS=2)
    tracking_id, working, colleague = routed_case(platform)
    [mine] = platform.ok(upload(platform, tracking_id, MITA, "filing",
                                [("Mita Das ration card.pdf", PDF, "application/pdf")]), 201)["attachments"]
    [internal] = platform.ok(upload(platform, tracking_id, working, "note",
                                    [("inspection.png", png(), "image/png")]), 201)["attachments"]
    assert internal["public"] is False

    # a citizen who does not own the case: no such case, and nothing to upload to
    assert link(platform, tracking_id, mine["ref"], STRANGER).status_code == 404
    assert upload(platform, tracking_id, STRANGER, "filing", [("x.png", png(), "image/png")]).status_code == 404
    # an officer of the office who does not work the case: the entry, its name withheld, no link
    as_colleague = platform.case(tracking_id, colleague)
    assert MITA["mobile"] not in str(as_colleague)  # not in who attached either (a citizen's id carries it)
    seen = as_colleague["attachments"]
    assert [a["ref"] for a in seen] == [mine["ref"], internal["ref"]]
    assert all(a["name"] == "(withheld)" for a in seen)
    assert link(platform, tracking_id, mine["ref"], colleague).status_code == 403
    assert upload(platform, tracking_id, colleague, "note", [("x.png", png(), "image/png")]).status_code == 403
    # the complainant does not see what came with an internal note
    assert [a["ref"] for a in platform.case(tracking_id, MITA)["attachments"]] == [mine["ref"]]
    assert link(platform, tracking_id, internal["ref"], MITA).status_code == 404
    # a citizen attaches for the complaint or a request for information, not as an officer
    assert upload(platform, tracking_id, MITA, "resolve", [("x.png", png(), "image/png")]).status_code == 422

    for who in (working, CMO_CELL, MITA):
        url = platform.ok(link(platform, tracking_id, mine["ref"], who))["url"]
        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200 and fetched.content == PDF
        assert 'filename="Mita Das ration card.pdf"' in fetched.headers["Content-Disposition"]
    time.sleep(2.5)
    assert requests.get(url, timeout=10).status_code == 403  # the link has expired


def test_concurrent_uploads_never_pass_the_cases_cap_or_leave_files_behind(platform_with, platform_config):
    platform = platform_with(ATTACHMENTS_PER_CASE=5)
    tracking_id, _, _ = routed_case(platform)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: upload(platform, tracking_id, MITA, "filing",
                                                 [(f"p{i}.png", png((i, i, i)), "image/png")]), range(20)))
    statuses = [a.status_code for a in answers]
    accepted = [a.json()["attachments"][0]["ref"] for a in answers if a.status_code == 201]
    assert set(statuses) <= {201, 409, 422}, statuses
    assert 1 <= len(accepted) <= 5, statuses
    print("20 concurrent uploads, cap 5:", {s: statuses.count(s) for s in set(statuses)})
    case = platform.case(tracking_id, MITA)
    assert sorted(a["ref"] for a in case["attachments"]) == sorted(accepted)
    assert sorted(k.rsplit("/", 1)[1] for k in stored_keys(platform_config)) == sorted(accepted)


def test_an_upload_retried_with_its_idempotency_key_is_stored_once_and_megabytes_go_through(platform,
                                                                                         platform_config):
    tracking_id, _, _ = routed_case(platform)
    # megabytes of binary (line breaks anywhere, as in real scans): beyond what the form parser keeps in memory
    scan = b"%PDF-1.4\n" + random.Random(7).randbytes(3_000_000) + b"\n%%EOF\n"
    files = [("road.png", png(), "image/png"), ("letter.pdf", scan, "application/pdf")]
    first = platform.ok(upload(platform, tracking_id, MITA, "filing", files, key="upload-road-1"), 201)
    again = upload(platform, tracking_id, MITA, "filing", files, key="upload-road-1")
    assert again.status_code == 201 and again.json() == first and again.headers.get("Idempotent-Replayed")
    other = upload(platform, tracking_id, MITA, "filing", files[:1], key="upload-road-1")
    assert other.status_code == 422
    assert len(platform.case(tracking_id, MITA)["attachments"]) == 2 and len(stored_keys(platform_config)) == 2
    assert first["attachments"][1]["size"] == len(scan)


def test_a_filing_cannot_name_files_it_did_not_upload(platform):
    refused = platform.file(drinking_water(attachments=[{"ref": "a" * 32, "name": "x.pdf"}]), MITA)
    assert refused.status_code == 400 and "/attachments" in refused.json()["errors"]["attachments"][0]


def test_files_sent_with_an_action_from_a_stale_copy_are_refused_and_not_kept(platform, platform_config):
    """The officer's evidence goes with an action drawn from one copy of the case (If-Match): a case that changed
    meanwhile refuses the files (412, nothing stored); the answer's ETag is the version the action goes with."""
    tracking_id, working, _ = routed_case(platform)
    seen = platform.request("GET", f"/api/v1/grievances/{tracking_id}", working).headers["ETag"]
    platform.ok(platform.act(tracking_id, working, action="acknowledge"))
    stale = upload(platform, tracking_id, working, "note", [("well.png", png(), "image/png")], if_match=seen)
    assert stale.status_code == 412 and stale.headers["Content-Type"].startswith("application/problem+json")
    assert stored_keys(platform_config) == [] and not platform.case(tracking_id).get("attachments")
    current = platform.request("GET", f"/api/v1/grievances/{tracking_id}", working).headers["ETag"]
    sent = upload(platform, tracking_id, working, "note", [("well.png", png(), "image/png")], if_match=current)
    assert sent.status_code == 201 and sent.headers["ETag"] != current
    now = platform.request("GET", f"/api/v1/grievances/{tracking_id}", working).headers["ETag"]
    assert sent.headers["ETag"].strip('"') == now.strip('"').removesuffix("-gzip")  # the same version
