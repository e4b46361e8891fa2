"""Where webhooks may go: the address policy (domain/targets.py) and SafeHttp's checks before it
connects, with a resolver injected in place of DNS."""
import pytest

from services.notification.channels.safe_http import SafeHttp, TargetRefused, Unreachable
from services.notification.domain import targets

INTERNAL = {
    "127.0.0.1": "loopback", "127.255.0.9": "loopback", "::1": "loopback",
    "10.0.0.1": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.10.4": "private",
    "169.254.1.1": "link-local", "fe80::1": "link-local",
    "fd00::1": "unique-local", "fc12:3456::1": "unique-local", "fec0::1": "site-local",
    "100.64.0.1": "shared (CGNAT)", "100.127.255.254": "shared (CGNAT)",
    "224.0.0.1": "multicast", "239.255.255.250": "multicast", "ff02::1": "multicast",
    "0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": "private",
    "240.0.0.1": "reserved", "255.255.255.255": "reserved", "192.0.2.1": "private", "198.18.0.1": "private",
    "2001:db8::1": "reserved",
    # IPv6 forms that carry an internal IPv4 address
    "::ffff:127.0.0.1": "loopback", "::ffff:10.1.2.3": "private", "::ffff:100.64.0.1": "shared (CGNAT)",
    "::127.0.0.1": "loopback", "2002:7f00:1::1": "loopback", "2002:a00:1::": "private",
    "64:ff9b::10.0.0.1": "private", "64:ff9b::7f00:1": "loopback",
}
METADATA = ["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "::ffff:169.254.169.254",
            "::ffff:a9fe:a9fe", "64:ff9b::169.254.169.254"]
PUBLIC = ["8.8.8.8", "1.1.1.1", "164.100.94.214", "100.63.255.255", "100.128.0.1", "172.32.0.1",
          "2606:4700:4700::1111", "2404:6800:4009:80b::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"]


@pytest.mark.parametrize("address,category", INTERNAL.items())
def test_internal_addresses_are_refused_unless_private_targets_are_allowed(address, category):
    assert targets.address_refusal(address) == f"a {category} address"
    assert targets.address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", METADATA)
def test_cloud_metadata_addresses_are_refused_even_where_private_targets_are_allowed(address):
    assert targets.address_refusal(address) == "a cloud metadata address"
    assert targets.address_refusal(address, allow_private=True) == "a cloud metadata address"


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert targets.address_refusal(address) is None


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/", "https://127.0.0.1:9200/", "https://10.0.0.1/",
    "https://[fd00::1]/", "https://[::ffff:7f00:1]/", "https://127.1/", "https://0x7f.0.0.1/",
    "https://2130706433/", "https://017700000001/", "https://localhost/", "https://api.localhost/",
    "https://LocalHost./", "https://100.64.1.1/",
])
def test_registration_refuses_urls_that_name_internal_targets_literally(url):
    assert targets.url_refusal(url).startswith("it names a ")


@pytest.mark.parametrize("url", ["https://metadata.google.internal/computeMetadata/v1/",
                                 "https://METADATA.google.internal./", "https://metadata/", "https://instance-data/"])
def test_metadata_names_are_refused_everywhere(url):
    assert targets.url_refusal(url) == "it names a cloud metadata name"
    assert targets.url_refusal(url, allow_private=True) == "it names a cloud metadata name"


def test_http_only_to_this_machine_and_only_where_private_targets_are_allowed():
    assert targets.url_refusal("http://127.0.0.1:9000/hook", allow_private=True) is None
    assert targets.url_refusal("http://localhost:9000/hook", allow_private=True) is None
    assert targets.url_refusal("http://127.0.0.1:9000/hook") == "it names a loopback address"
    assert targets.url_refusal("http://dashboard.example.org/hook", allow_private=True) == "webhooks go over HTTPS"
    assert targets.url_refusal("http://10.0.0.5/hook", allow_private=True) == "webhooks go over HTTPS"
    assert targets.url_refusal("https://user:pw@dashboard.example.org/") == "credentials in the URL"
    assert targets.url_refusal("https://dashboard.example.org/hook") is None


def test_the_setting_defaults_by_environment_and_can_be_set_either_way():
    assert targets.allow_private_targets({"SORASORI_ENV": "development"}) is True
    assert targets.allow_private_targets({"SORASORI_ENV": "production"}) is False
    assert targets.allow_private_targets({"SORASORI_ENV": "production", "WEBHOOK_ALLOW_PRIVATE_TARGETS": None}) is False
    assert targets.allow_private_targets({"SORASORI_ENV": "development", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "false"}) is False
    assert targets.allow_private_targets({"SORASORI_ENV": "production", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}) is True


def resolver(answers):
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return answers[host]
    resolve.calls = calls
    return resolve


def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused():
    dns = resolver({"hooks.example.org": ["10.20.30.40"]})
    with pytest.raises(TargetRefused) as refused:
        SafeHttp(resolver=dns).addresses("https://hooks.example.org/x")
    assert refused.value.reason == "the host resolves to a private address"
    assert dns.calls == [("hooks.example.org", 443)]


@pytest.mark.parametrize("answer,category", [
    (["93.184.215.14", "127.0.0.1"], "loopback"), (["2606:2800::1", "::ffff:169.254.169.254"], "cloud metadata"),
    (["fe80::1%eth0"], "link-local"), (["100.64.3.3"], "shared (CGNAT)")])
def test_one_internal_answer_among_public_ones_refuses_the_name(answer, category):
    with pytest.raises(TargetRefused) as refused:
        SafeHttp(resolver=resolver({"mixed.example.org": answer})).addresses("https://mixed.example.org:8443/")
    assert refused.value.reason == f"the host resolves to a {category} address"


def test_the_checked_addresses_are_the_ones_returned_to_connect_to():
    dns = resolver({"hooks.example.org": ["93.184.215.14", "2606:2800::1"]})
    assert [str(a) for a in SafeHttp(resolver=dns).addresses("https://hooks.example.org/x")] == [
        "93.184.215.14", "2606:2800::1"]
    assert dns.calls == [("hooks.example.org", 443)]  # resolved once


def test_literal_addresses_are_not_resolved_and_loopback_is_allowed_where_private_targets_are():
    dns = resolver({})
    assert [str(a) for a in SafeHttp(allow_private=True, resolver=dns).addresses("http://127.0.0.1:9/h")] == [
        "127.0.0.1"]
    with pytest.raises(TargetRefused):
        SafeHttp(resolver=dns).addresses("https://[::1]/h")
    assert dns.calls == []


def test_a_name_that_does_not_resolve_is_worth_another_try_not_a_refusal():
    def broken(host, port):
        raise OSError("Name or service not known")
    with pytest.raises(Unreachable) as unreachable:
        SafeHttp(resolver=broken).addresses("https://nowhere.example.org/")
    assert unreachable.value.reason == "the host name did not resolve"
