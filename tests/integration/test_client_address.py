"""The client's address behind a trusted proxy (the ingress): X-Forwarded-For is honoured only from
TRUSTED_PROXIES, so each citizen gets their own sign-in budget and nobody can forge one. Identity allows
10 sign-in codes per address every 15 minutes (and 3 per number, so each request names another number)."""
import requests

from tests.integration.platform_client import Gateway

ADMIN = {"sub": "admin-1", "role": "admin"}
SIGN_IN_PAGE = {"response_type": "code", "client_id": "sorasori-web", "redirect_uri": "http://127.0.0.1/app/callback",
                "scope": "openid grievances", "state": "s1", "code_challenge": "x" * 43,
                "code_challenge_method": "S256"}


def ask_code(gateway: Gateway, mobile, forwarded_for):
    return gateway.request("POST", "/oauth/otp", json={"mobile": mobile},
                           headers={"X-Forwarded-For": forwarded_for})


def addresses_sent_to(gateway):
    entries = gateway.ok(gateway.request("GET", "/api/v1/admin/audit?kind=otp_sent", ADMIN))["entries"]
    return [entry["address"] for entry in entries]


def test_behind_a_trusted_proxy_each_citizen_has_their_own_budget(platform_with):
    gateway = platform_with(TRUSTED_PROXIES="127.0.0.1, 10.244.0.0/16")
    for n in range(12):  # twelve citizens behind the same ingress: past the per-address limit of 10
        # the citizen's own header says 1.2.3.4; the ingress appended the address it saw
        response = ask_code(gateway, f"98300{n:05d}", f"1.2.3.4, 49.37.1.{n}")
        assert response.status_code == 200, f"citizen {n}: {response.status_code} {response.text}"
    assert sorted(set(addresses_sent_to(gateway))) == sorted(f"49.37.1.{n}" for n in range(12))

    for n in range(10):  # one citizen's address still has its own limit
        gateway.ok(ask_code(gateway, f"98310{n:05d}", "49.37.2.1"))
    refused = ask_code(gateway, "9831099999", "49.37.2.1")
    assert refused.status_code == 429 and "address" in refused.json()["error"]
    gateway.ok(ask_code(gateway, "9831099998", "49.37.2.2"))


def test_a_forged_header_from_an_untrusted_peer_is_ignored(platform_with):
    gateway = platform_with(TRUSTED_PROXIES="10.244.0.0/16")  # the test client (127.0.0.1) is not a proxy
    for n in range(10):
        gateway.ok(ask_code(gateway, f"98300{n:05d}", f"49.37.1.{n}"))
    refused = ask_code(gateway, "9830099999", "49.37.1.99")
    assert refused.status_code == 429, refused.text
    assert set(addresses_sent_to(gateway)) == {"127.0.0.1"}


def test_the_sign_in_page_sends_codes_for_the_citizen_behind_the_proxy(platform_with):
    gateway = platform_with(TRUSTED_PROXIES="127.0.0.1")
    for n in range(12):
        sent = requests.post(gateway.base + "/oauth/authorize", timeout=10,
                             data={**SIGN_IN_PAGE, "mobile": f"98320{n:05d}", "step": "send_code"},
                             headers={"X-Forwarded-For": f"49.37.3.{n}"})
        assert sent.status_code == 200 and 'name="code"' in sent.text, f"citizen {n}: {sent.status_code}"
    assert sorted(set(addresses_sent_to(gateway))) == sorted(f"49.37.3.{n}" for n in range(12))
