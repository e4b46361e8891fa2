"""The web console (services/web) on top of the in-process platform, and a browser-like client for it:
a `requests.Session` that keeps cookies, as a browser with JavaScript off does."""
import re
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from services.web.service import WebService
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.waiting import wait_for


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hidden_fields(html):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def sign_in_sms(platform_config, mobile):
    """The sign-in SMS the development sink holds for this mobile, newest first. A case's own SMS (its
    filing's, sent asynchronously) can land at any moment: it is left out, or its tracking ID's digits
    would be read as the code."""
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        return [m for m in cluster.notification.sms_sent(mobile) if m["template"] == "otp"]


def sms_count(platform_config, mobile):
    return len(sign_in_sms(platform_config, mobile))


def code_sent_to(platform_config, mobile, after=0):
    """The sign-in code in the newest sign-in SMS to this mobile, once the sink holds more than `after` of
    them (the SMS goes out asynchronously: a second sign-in must not read the first one's code)."""
    def newest():
        sent = sign_in_sms(platform_config, mobile)
        return sent[0]["text"] if len(sent) > after else None
    return re.search(r"\d{6}", wait_for(newest, timeout=10, interval=0.1, what="the sign-in SMS")).group(0)


class Console:
    def __init__(self, base, gateway, platform_config):
        self.base = base
        self.gateway = gateway  # tests.integration.platform_client.Gateway
        self.config = platform_config

    def browser(self, language=None):
        browser = requests.Session()
        if language:
            browser.cookies.set("lang", language, domain="127.0.0.1", path="/")
        return browser

    def get(self, browser, path, **kwargs):
        return browser.get(self.base + path, timeout=20, allow_redirects=kwargs.pop("allow_redirects", False),
                           **kwargs)

    def post(self, browser, path, data, **kwargs):
        return browser.post(self.base + path, data=data, timeout=20,
                            allow_redirects=kwargs.pop("allow_redirects", False), **kwargs)

    def sign_in(self, browser, mobile, start="/sign-in"):
        """Through the gateway's sign-in page (mobile, then the SMS code); answers the console's last answer."""
        answer = self.get(browser, start)
        while answer.status_code in (302, 303) and answer.headers["Location"].startswith("/"):
            answer = self.get(browser, answer.headers["Location"])
        assert answer.status_code == 303, answer.text
        authorize = answer.headers["Location"]
        assert authorize.startswith(self.gateway.base + "/oauth/authorize?")
        fields = hidden_fields(browser.get(authorize, timeout=20).text)
        before = sms_count(self.config, mobile)
        sent = browser.post(self.gateway.base + "/oauth/authorize", timeout=20,
                            data={**fields, "mobile": mobile, "step": "send_code"})
        assert sent.status_code == 200, sent.text
        back = browser.post(self.gateway.base + "/oauth/authorize", allow_redirects=False, timeout=20, data={
            **fields, "mobile": mobile, "code": code_sent_to(self.config, mobile, before), "step": "sign_in"})
        assert back.status_code == 302, back.text
        callback = back.headers["Location"]
        assert callback.startswith(self.base + "/auth/callback?")
        return browser.get(callback, allow_redirects=False, timeout=20)


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def console_with(platform_config, runner_factory):
    """All six services (as `platform_with` starts them) and the web console, in-process; settings on top.
    `console.platform` is the six services' runner (a test may stop one of them), `console.web` the console's."""
    from services.registry import service_classes
    from tests.integration.directory import seed_directory
    from tests.integration.platform_client import Gateway

    def start(**settings):
        web_port = free_port()
        gateway_url = f"http://{platform_config['WEB_SERVER_ADDRESS']}"
        platform_config.update(AUTH_MODE="development", ALLOW_CLOCK_OVERRIDE=True, OIDC_ISSUER=gateway_url,
                               WEB_REDIRECT_URIS="http://127.0.0.1/app/callback", WEB_PORT=web_port,
                               WEB_PUBLIC_URL=f"http://127.0.0.1:{web_port}", WEB_GATEWAY_URL=gateway_url,
                               WEB_CLIENT_SECRET=f"web-secret-{uuid.uuid4().hex}")
        platform_config.update(settings)
        platform = runner_factory(platform_config, *service_classes())
        platform.start()
        seed_directory(platform_config)  # routing's pools come from identity's directory only
        web = runner_factory(platform_config, WebService)
        web.start()
        console = Console(f"http://127.0.0.1:{web_port}", Gateway(gateway_url), platform_config)
        console.platform, console.web = platform, web
        return console
    return start


@pytest.fixture
def console(console_with):
    return console_with()
