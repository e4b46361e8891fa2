"""Where webhooks may be sent (server-side request forgery): a subscriber's URL must not make the
platform call into its own network. No I/O: addresses come in resolved, the setting comes in as a flag.

Refused always: cloud metadata services (by name and by address). Refused unless private targets are
allowed (development: a receiver on this machine): loopback, private, link-local, unique-local, CGNAT,
multicast, reserved and unspecified addresses, and the IPv6 forms that carry such an IPv4 address.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from shared.settings import settings_of

METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.253", "fd00:ec2::254", "100.100.100.200",
))
LOOPBACK_NAMES = ("localhost",)  # RFC 6761: `localhost` and `*.localhost` are this machine

# Ranges ipaddress's flags miss or name loosely; checked explicitly so the rule reads as the list it is.
_REFUSED_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
)]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")

def allow_private_targets(config):
    """WEBHOOK_ALLOW_PRIVATE_TARGETS when set; otherwise true in development, false in production."""
    settings = settings_of(config)
    if settings.webhook_allow_private_targets is not None:
        return settings.webhook_allow_private_targets
    return settings.sorasori_env != "production"


def embedded_ipv4(address):
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        return ipaddress.IPv4Address(int(address))
    return None


def _category(address):
    """Why an address is internal ('loopback', 'private', ...), or None for a public one."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return _category(inner)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.version == 4:
        if address in ipaddress.ip_network("100.64.0.0/10"):
            return "shared (CGNAT)"
        if any(address in network for network in _REFUSED_V4):
            return "reserved" if address.is_reserved or not address.is_private else "private"
        return None
    if address in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if address in ipaddress.ip_network("fec0::/10"):
        return "site-local"
    if address in _NAT64_LOCAL or address.is_reserved or address.is_private or not address.is_global:
        return "reserved"
    return None


def address_refusal(address, allow_private=False):
    """Why a webhook may not go to this address (a short reason of ours), or None when it may."""
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.scope_id:
        return "an IPv6 address with a zone"
    inner = embedded_ipv4(address) or address
    if address in METADATA_ADDRESSES or inner in METADATA_ADDRESSES:
        return "a cloud metadata address"
    category = _category(address)
    if category is None or allow_private:
        return None
    return f"a {category} address"


def literal_address(host):
    """The address a URL's host names literally, in any form resolvers accept (`127.1`, `0x7f.0.0.1`,
    `2130706433`, `[::1]`), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))  # the legacy shorthand forms
    except (OSError, UnicodeError, ValueError):
        return None


def normal_host(host):
    return (host or "").strip().rstrip(".").lower()


def name_refusal(host, allow_private=False):
    """Why a URL's host may not be used before anything is resolved, or None."""
    host = normal_host(host)
    if not host:
        return "no host"
    if host in METADATA_NAMES:
        return "a cloud metadata name"
    address = literal_address(host)
    if address is not None:
        return address_refusal(address, allow_private)
    if not allow_private and (host in LOOPBACK_NAMES or host.endswith(".localhost")):
        return "a loopback name"
    return None


def url_refusal(url, allow_private=False):
    """Why a subscription URL is refused at registration, or None. Plain http only to a receiver on this
    machine, and only where private targets are allowed (development and tests)."""
    parts = urlsplit(url)
    try:
        if parts.port == 0:
            return "an invalid port"
    except ValueError:
        return "an invalid port"
    if parts.username or parts.password:
        return "credentials in the URL"
    refusal = name_refusal(parts.hostname, allow_private)
    if refusal:
        return f"it names {refusal}"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_private and is_loopback_host(parts.hostname):
        return None
    return "webhooks go over HTTPS"


def is_loopback_host(host):
    host = normal_host(host)
    address = literal_address(host)
    if address is not None:
        return (embedded_ipv4(address) or address).is_loopback
    return host in LOOPBACK_NAMES or host.endswith(".localhost")
