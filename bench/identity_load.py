"""Identity under load (issue 17 item 4), in the capacity run: sign-in codes sent and verified, tokens
refreshed and authenticated requests answered per second, closed loop (BENCH_IDENTITY_CONCURRENCY at a
time, BENCH_IDENTITY_COUNT of each), next to the empty pipeline driven the same way; and what verifying an
access token costs the gateway, in-process, with the identity service's RPC count read around the
authenticated requests (verification is local: the count should not move)."""
import os
import re
import time

import eventlet
import requests

from bench import openloop, scrape
from bench.drive import closed_loop
from bench.measure import progress
from services.gateway.tokens import TokenVerifier
from shared.config import database_name
from shared.settings import settings_of

OTP_GRANT = "urn:sorasori:params:oauth:grant-type:mobile-otp"
APP = "sorasori-citizen-app"
VERIFICATIONS = 2000


def run_all(items, concurrency, call):
    """call(item) -> (ok, value) for each item, `concurrency` at a time: the rate, latencies, the values."""
    latencies, values, failures = [], {}, []

    def one(item):
        started = time.perf_counter()
        try:
            ok, value = call(item)
        except requests.RequestException as error:
            ok, value = False, repr(error)
        latencies.append((time.perf_counter() - started) * 1000)
        if ok:
            values[item] = value
        else:
            failures.append(value)

    pool = eventlet.GreenPool(concurrency)
    started = time.perf_counter()
    for item in items:
        pool.spawn_n(one, item)
    pool.waitall()
    elapsed = time.perf_counter() - started
    return {"rate": len(values) / elapsed, "failures": len(failures), "failure_kinds": sorted(set(map(str, failures))),
            **openloop.summary(latencies)}, values


def codes_from_sink(database, mobiles):
    """The newest six-digit code the SMS sink holds for each number."""
    codes = {}
    for document in database.sms_sink.find({"to": {"$in": list(mobiles)}}, {"to": 1, "text": 1, "at": 1}).sort("at", 1):
        found = re.search(r"\b\d{6}\b", document["text"])
        if found:
            codes[document["to"]] = found.group(0)
    return codes


def verification_cost(base_url, issuer, token, count=VERIFICATIONS):
    """Microseconds per `TokenVerifier.actor` (the gateway's check of a bearer token) on a real token, keys
    fetched once from the gateway's JWKS, as the gateway caches them."""
    verifier = TokenVerifier(issuer, lambda: requests.get(f"{base_url}/.well-known/jwks.json", timeout=10).json())
    verifier.actor(token)  # fetches the keys
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        verifier.actor(token)
        samples.append((time.perf_counter() - started) * 1e6)
    return openloop.summary(samples)


def measure_identity(bench):
    """Rows for the identity table, and every figure (for the JSON)."""
    count = int(os.environ.get("BENCH_IDENTITY_COUNT", 200))
    concurrency = int(os.environ.get("BENCH_IDENTITY_CONCURRENCY", 10))
    session, base = bench.session, bench.base_url
    first = 8000000000 + int(time.time()) % 10 ** 6 * 100  # fresh numbers for this run
    mobiles = [str(first + n) for n in range(count)]
    figures = {"count": count, "concurrency": concurrency}

    def send_code(mobile):
        n = int(mobile) - first  # each request from its own address, past the one trusted proxy (TRUSTED_PROXIES)
        response = session.post(f"{base}/oauth/otp", json={"mobile": mobile, "language": "en"}, timeout=60,
                                 headers={"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"})
        return response.status_code == 200, response.status_code

    progress(f"identity: {count} sign-in codes sent, verified, refreshed, then {count * 5} authenticated GETs, "
             f"{concurrency} at a time")
    figures["otp_send"], _ = run_all(mobiles, concurrency, send_code)
    notification = bench.mongo[database_name(bench.config, "notification")]
    deadline = time.monotonic() + 30
    codes = codes_from_sink(notification, mobiles)
    while len(codes) < len(mobiles) and time.monotonic() < deadline:
        eventlet.sleep(0.5)
        codes = codes_from_sink(notification, mobiles)

    def verify(mobile):
        response = session.post(f"{base}/oauth/token", timeout=60, data={
            "grant_type": OTP_GRANT, "client_id": APP, "mobile": mobile, "code": codes[mobile]})
        return response.status_code == 200, response.json() if response.status_code == 200 else response.status_code

    figures["otp_verify"], tokens = run_all([m for m in mobiles if m in codes], concurrency, verify)

    def refresh(mobile):
        response = session.post(f"{base}/oauth/token", timeout=60, data={
            "grant_type": "refresh_token", "client_id": APP, "refresh_token": tokens[mobile]["refresh_token"]})
        return response.status_code == 200, response.json() if response.status_code == 200 else response.status_code

    figures["refresh"], refreshed = run_all(list(tokens), concurrency, refresh)

    def authenticated_get(mobile):
        response = session.get(f"{base}/api/v1/me/grievances", timeout=60, headers={
            "Authorization": f"Bearer {refreshed[mobile]['access_token']}", "Accept-Language": "en"})
        return response.status_code == 200, response.status_code

    holders = list(refreshed) * 5  # each token used five times
    identity_port = bench.metrics_ports["identity"]
    authenticated_get(holders[0])  # the gateway's key cache filled before counting (it fetches once)
    before = scrape.read(identity_port)
    figures["authenticated_get"], _ = run_all(list(enumerate(holders)), concurrency,
                                              lambda item: authenticated_get(item[1]))
    moved = scrape.delta(before, scrape.read(identity_port))
    figures["identity_rpcs_during_gets"] = scrape.by_label(moved, scrape.RPC_HANDLED, "method")
    figures["authenticated_gets"] = len(holders)

    progress("identity: the empty pipeline the same way, then the token check in-process")
    figures["floor_same_concurrency"] = closed_loop(10, concurrency, bench.floor_file)
    token = next(iter(refreshed.values()))["access_token"] if refreshed else None
    issuer = settings_of(bench.config).oidc_issuer
    figures["verification_us"] = verification_cost(base, issuer, token) if token else openloop.summary([])
    figures["rows"] = identity_rows(figures)
    return figures


def identity_rows(figures):
    floor = figures["floor_same_concurrency"]
    concurrency = figures["concurrency"]
    rows = [(f"empty pipeline, closed loop ({concurrency} at a time, 10 s)",
             f"{floor['rate']:.0f}/s, {floor['p50']:.0f} ms p50, {floor['p99']:.0f} ms p99", "1.00")]
    labels = {"otp_send": "POST /oauth/otp (a code by SMS, each from its own address)",
              "otp_verify": "POST /oauth/token, the OTP grant (code -> tokens)",
              "refresh": "POST /oauth/token, refresh_token (rotated)",
              "authenticated_get": "GET /api/v1/me/grievances with an identity-signed token"}
    for key, label in labels.items():
        measured = figures[key]
        if not measured["count"]:
            continue
        rows.append((f"{label} ({measured['count']}, {measured['failures']} failed)",
                     f"{measured['rate']:.0f}/s, {measured['p50']:.0f} ms p50, {measured['p99']:.0f} ms p99",
                     f"{measured['rate'] / floor['rate']:.2f}" if floor["rate"] else ""))
    rpcs = figures["identity_rpcs_during_gets"]
    gets = figures["authenticated_gets"]
    rows.append((f"  identity RPCs during those {gets} requests (local verification: none expected)",
                 ", ".join(f"{m} {v / gets:.2f}/request" for m, v in sorted(rpcs.items())) or "0", ""))
    verified = figures["verification_us"]
    if verified["count"]:
        rows.append((f"the gateway's token check (TokenVerifier.actor, RS256, in-process, {verified['count']}x)",
                     f"{verified['p50']:.0f} µs p50, {verified['p99']:.0f} µs p99", ""))
    return rows
