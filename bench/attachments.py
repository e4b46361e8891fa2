"""The cost of an attachment upload: MB/s through the gateway (multipart, type check, image re-encoding, the
store's put, intake's record) next to a raw boto3 put of the same bytes to the same S3 server, same run.

`python -m bench attachments` (`make bench SECTION=attachments`) runs only this section. It starts intake and
the gateway as their own processes on a RabbitMQ vhost of its own, with a bucket of its own; both are removed
afterwards with its databases. BENCH_ATTACHMENT_UPLOADS sets the uploads per round (default 10)."""
import io
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests
from PIL import Image

from bench.limiter import Vhost, _amqp_uri, _wait_for
from bench.measure import drop_run_databases, free_port, progress
from services.gateway.auth import make_dev_token
from services.gateway.limits import SETTINGS as RATE_LIMITS
from services.launcher import ServiceProcess
from shared.mongo import connect
from shared.object_store import ObjectStore
from shared.settings import load_settings

UPLOADS = int(os.environ.get("BENCH_ATTACHMENT_UPLOADS", "10"))
ROUNDS = 3
PROCESSES = ("intake", "gateway")
CITIZEN = {"sub": "citizen-9830045678", "role": "citizen", "mobile": "9830045678", "name": "Bench"}


def sample_pdf(size):
    return b"%PDF-1.7\n" + os.urandom(size - 20) + b"\n%%EOF\n"


def sample_photo():
    """A 12-megapixel-class photo stands in poorly for noise; 1600x1200 of noise is a worst case for JPEG."""
    image = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _mb_per_s(total_bytes, seconds):
    return total_bytes / seconds / 1e6


def measure_attachments(config):
    """Rows for the table: (name, result, ratio)."""
    run = uuid.uuid4().hex[:8]
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    samples = {"PDF, 4 MB (stored as sent)": ("scan.pdf", sample_pdf(4_000_000), "application/pdf"),
               "JPEG photo (re-encoded without EXIF)": ("photo.jpg", sample_photo(), "image/jpeg")}
    with Vhost(api, f"bench-attach-{run}") as vhost:
        port = free_port()
        gateway = f"http://127.0.0.1:{port}"
        settings = dict(config, AMQP_URI=_amqp_uri(config["AMQP_URI"], vhost.name), MONGO_DB_PREFIX=f"bench_{run}_",
                        WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", METRICS_PORT=0, S3_BUCKET=f"bench-{run}",
                        ATTACHMENTS_PER_CASE=10 ** 6, **{name: "1000000000/60" for name in RATE_LIMITS})
        store = ObjectStore.from_settings(load_settings(settings))
        directory = Path(tempfile.mkdtemp(prefix="sorasori-bench-attach-"))
        processes = [ServiceProcess(name, settings, directory / name) for name in PROCESSES]
        client = connect(config["MONGO_URI"])
        headers = {"Authorization": f"Bearer {make_dev_token(CITIZEN)}"}
        results = {}
        try:
            for process in processes:
                process.start()
            _wait_for(f"{gateway}/api/v1/catalog", {})
            filed = requests.post(f"{gateway}/api/v1/grievances", headers=headers, timeout=20, json={
                "subject": "No drinking water in Onda", "category": "drinking_water", "place": {"district": "Bankura"},
                "complainant": {"name": "Bench", "mobile": CITIZEN["mobile"]}, "channel": "mobile"})
            tracking_id = filed.json()["tracking_id"]
            url = f"{gateway}/api/v1/grievances/{tracking_id}/attachments"

            def via_gateway(name, data, content_type):
                answer = requests.post(url, headers=headers, data={"purpose": "filing"},
                                       files=[("files", (name, data, content_type))], timeout=60)
                assert answer.status_code == 201, answer.text

            def raw(name, data, content_type):
                store.put(f"raw/{uuid.uuid4().hex}", data, content_type)

            for label, (name, data, content_type) in samples.items():
                via_gateway(name, data, content_type), raw(name, data, content_type)  # warm-up, bucket made
                progress(f"attachments: {ROUNDS} rounds of {UPLOADS} uploads of {label}, gateway vs raw put")
                rates = {"gateway": [], "raw": []}
                for _ in range(ROUNDS):
                    for path, upload in (("gateway", via_gateway), ("raw", raw)):
                        started = time.perf_counter()
                        for _ in range(UPLOADS):
                            upload(name, data, content_type)
                        rates[path].append(_mb_per_s(UPLOADS * len(data), time.perf_counter() - started))
                results[label] = (len(data), statistics.median(rates["gateway"]), statistics.median(rates["raw"]))
        finally:
            for process in processes:
                process.stop()
            drop_run_databases(client, run)
            _drop_bucket(store)
    rows = []
    for label, (size, gateway_rate, raw_rate) in results.items():
        rows.append((f"raw boto3 put to S3Proxy, {label.split(' (')[0]} ({size / 1e6:.1f} MB)",
                     f"{raw_rate:.1f} MB/s", "1.00"))
        rows.append((f"  POST .../attachments through the gateway, {label}", f"{gateway_rate:.1f} MB/s",
                     f"{gateway_rate / raw_rate:.2f}"))
    return rows


def _drop_bucket(store):
    try:
        for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket):
            for item in page.get("Contents", []):
                store.client.delete_object(Bucket=store.bucket, Key=item["Key"])
        store.client.delete_bucket(Bucket=store.bucket)
    except Exception as error:  # noqa: BLE001 (a bench's leftover bucket is reported, not fatal)
        progress(f"attachments: could not remove bucket {store.bucket}: {error}")
