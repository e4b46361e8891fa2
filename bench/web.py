"""The web console's cost: a citizen's "my grievances" page through the console next to the same list from
the gateway's API with the same access token (requests alternating in rounds, same run).

`python -m bench web` runs only this section. It starts identity, notification, intake, the gateway and
the console as their own processes on a RabbitMQ vhost of its own, signs a citizen in through the console
(the real code flow), files a few cases, then measures. Removed afterwards with its databases."""
import os
import re
import statistics
import tempfile
import uuid
from pathlib import Path

import requests

from bench.limiter import Vhost, _amqp_uri, _wait_for
from bench.measure import drop_run_databases, free_port, latencies_ms, percentile, progress
from services.gateway.limits import SETTINGS as RATE_LIMITS
from services.launcher import ServiceProcess
from shared.mongo import connect
from shared.signed_rpc import SignedClusterRpcProxy

REQUESTS = int(os.environ.get("BENCH_WEB_REQUESTS", "100"))
ROUNDS = 5
MOBILE = "9830045678"
PROCESSES = ("identity", "notification", "intake", "gateway", "web")


def _hidden(html):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def sign_in(browser, web, gateway, config):
    authorize = browser.get(f"{web}/sign-in", allow_redirects=False, timeout=20).headers["Location"]
    fields = _hidden(browser.get(authorize, timeout=20).text)
    browser.post(f"{gateway}/oauth/authorize", data={**fields, "mobile": MOBILE, "step": "send_code"}, timeout=20)
    with SignedClusterRpcProxy(config, issuer="bench") as cluster:
        code = re.search(r"\d{6}", cluster.notification.sms_sent(MOBILE)[0]["text"]).group(0)
    back = browser.post(f"{gateway}/oauth/authorize", allow_redirects=False, timeout=20,
                        data={**fields, "mobile": MOBILE, "code": code, "step": "sign_in"})
    browser.get(back.headers["Location"], allow_redirects=False, timeout=20)


def measure_web(config):
    """Rows for the table: (name, result, ratio)."""
    run = uuid.uuid4().hex[:8]
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    with Vhost(api, f"bench-web-{run}") as vhost:
        gateway_port, web_port = free_port(), free_port()
        gateway, web = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{web_port}"
        settings = dict(config, AMQP_URI=_amqp_uri(config["AMQP_URI"], vhost.name), MONGO_DB_PREFIX=f"bench_{run}_",
                        WEB_SERVER_ADDRESS=f"127.0.0.1:{gateway_port}", OIDC_ISSUER=gateway, WEB_PORT=web_port,
                        WEB_PUBLIC_URL=web, WEB_GATEWAY_URL=gateway, WEB_CLIENT_SECRET=uuid.uuid4().hex * 2,
                        METRICS_PORT=0, **{name: "1000000000/60" for name in RATE_LIMITS})
        directory = Path(tempfile.mkdtemp(prefix="sorasori-bench-web-"))
        processes = [ServiceProcess(name, settings, directory / name) for name in PROCESSES]
        client = connect(config["MONGO_URI"])
        try:
            for process in processes:
                process.start()
            _wait_for(f"{gateway}/api/v1/catalog", {})
            _wait_for(f"{web}/health", {})
            browser = requests.Session()
            sign_in(browser, web, gateway, settings)
            token = client[f"bench_{run}_web"]["sessions"].find_one({"tokens": {"$ne": None}})["tokens"]["access_token"]
            for n in range(5):
                browser_form = browser.get(f"{web}/file?kind=complaint&category=drinking_water&district=Bankura&go=next",
                                           timeout=20).text
                browser.post(f"{web}/file", timeout=20, allow_redirects=False, data={
                    **_hidden(browser_form), "subject": f"পানীয় জল নেই {n}", "description": "নলকূপ খারাপ",
                    "name": "Bench"})
            api_headers = {"Authorization": f"Bearer {token}", "Accept-Language": "bn"}
            listed = requests.get(f"{gateway}/api/v1/me/grievances", headers=api_headers, timeout=20).json()["items"]
            if len(listed) != 5:
                raise SystemExit(f"[bench] the console filed {len(listed)} of 5 cases")

            def via_api(i):
                assert requests.get(f"{gateway}/api/v1/me/grievances", headers=api_headers, timeout=20).ok

            def via_web(i):
                assert browser.get(f"{web}/my/grievances", timeout=20, allow_redirects=False).status_code == 200

            via_api(0), via_web(0)  # warm-up
            progress(f"web console: {ROUNDS} rounds of {REQUESTS} 'my grievances' pages vs the API's list")
            api_samples, web_samples = [], []
            for _ in range(ROUNDS):
                api_samples += latencies_ms(via_api, REQUESTS)
                web_samples += latencies_ms(via_web, REQUESTS)
        finally:
            for process in processes:
                process.stop()
            drop_run_databases(client, run)
    api50, web50 = statistics.median(api_samples), statistics.median(web_samples)
    return [("GET /api/v1/me/grievances (5 cases, the citizen's token)",
             f"{api50:.1f} ms p50, {percentile(api_samples, 99):.1f} ms p99", "1.00"),
            ("  the console's /my/grievances page, same data (session, gateway call, HTML)",
             f"{web50:.1f} ms p50, {percentile(web_samples, 99):.1f} ms p99", f"{web50 / api50:.2f}")]
