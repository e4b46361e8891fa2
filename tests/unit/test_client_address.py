"""The client's address behind trusted proxies (TRUSTED_PROXIES) and a forged X-Forwarded-For."""
import pytest

from services.gateway.clientaddr import client_address, parse_address, trusted_networks

INGRESS = trusted_networks("10.244.0.0/16, 192.168.1.7")


def test_no_trusted_proxies_means_the_peer_whatever_the_header_says():
    assert client_address("203.0.113.9", ["1.2.3.4"], trusted_networks("")) == "203.0.113.9"


def test_an_untrusted_peer_cannot_forge_its_address():
    assert client_address("203.0.113.9", ["1.2.3.4"], INGRESS) == "203.0.113.9"


def test_a_trusted_peer_names_the_client():
    assert client_address("10.244.3.5", ["49.37.1.20"], INGRESS) == "49.37.1.20"


def test_the_chain_is_walked_from_the_right_skipping_trusted_hops():
    # the client forged 1.2.3.4; the ingress saw 49.37.1.20, then an internal proxy forwarded
    header = ["1.2.3.4, 49.37.1.20, 192.168.1.7"]
    assert client_address("10.244.3.5", header, INGRESS) == "49.37.1.20"


def test_several_headers_are_one_chain():
    assert client_address("10.244.3.5", ["1.2.3.4", "49.37.1.20"], INGRESS) == "49.37.1.20"


def test_all_hops_trusted_gives_the_leftmost():
    assert client_address("10.244.3.5", ["10.244.9.9, 192.168.1.7"], INGRESS) == "10.244.9.9"


def test_no_header_from_a_trusted_peer_gives_the_peer():
    assert client_address("10.244.3.5", [], INGRESS) == "10.244.3.5"


def test_garbage_in_the_chain_is_never_a_budget_key():
    assert client_address("10.244.3.5", ["evil-client-chosen"], INGRESS) == "10.244.3.5"
    assert client_address("10.244.3.5", ["x, 49.37.1.20"], INGRESS) == "49.37.1.20"
    assert client_address("10.244.3.5", ["x, 10.244.9.9"], INGRESS) == "10.244.9.9"


@pytest.mark.parametrize("text,expected", [("49.37.1.20:5123", "49.37.1.20"), ("[2001:db8::1]:443", "2001:db8::1"),
                                           (" 2001:db8::1 ", "2001:db8::1"), ("::ffff:49.37.1.20", "49.37.1.20"),
                                           ("unknown", None), ("", None)])
def test_header_entries_with_ports_and_ipv6(text, expected):
    parsed = parse_address(text)
    assert (str(parsed) if parsed else None) == expected


def test_a_bad_trusted_proxies_entry_stops_the_gateway():
    with pytest.raises(ValueError):
        trusted_networks("10.0.0.0/8, ingress-controller")


def test_trusted_proxies_as_a_yaml_list():
    assert client_address("10.1.2.3", ["49.37.1.20"], trusted_networks(["10.0.0.0/8"])) == "49.37.1.20"
