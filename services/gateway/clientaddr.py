"""Who is on the other end: the client's address, also behind the ingress and other reverse proxies.

Behind Kubernetes' ingress every request comes from the ingress controller, so the TCP peer says nothing
about the citizen. `X-Forwarded-For` does, but anyone can send it: it is read only when the direct peer is
a trusted proxy (TRUSTED_PROXIES, comma-separated IPs or CIDRs, empty by default), walking the chain from
the right (the hops the proxies themselves appended) and skipping trusted hops; the first untrusted hop is
the client. Whatever a client wrote to the left of that is never believed.
"""
import ipaddress

from nameko.extensions import DependencyProvider

from shared.settings import settings_of

FORWARDED_FOR = "X-Forwarded-For"


def trusted_networks(setting):
    """TRUSTED_PROXIES as networks. A bad entry raises ValueError, so a typo stops the gateway at start
    instead of silently trusting nobody (or everybody)."""
    if isinstance(setting, (list, tuple)):
        setting = ",".join(map(str, setting))
    entries = [entry.strip() for entry in str(setting or "").split(",")]
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry)


def parse_address(text):
    """An IP address from a header entry (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`), or None."""
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def _trusted(address, networks):
    return address is not None and any(address in network for network in networks)


def client_address(peer, forwarded_for, networks):
    """The client's address: `peer` is the TCP peer, `forwarded_for` the X-Forwarded-For header values in
    the order they came (several headers are one list)."""
    peer_address = parse_address(peer)
    if not _trusted(peer_address, networks):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer_address
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # not something a trusted proxy writes: stop at the last hop a proxy vouched for, never
            # key a budget on text the client chose
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


class ClientAddress(DependencyProvider):
    """Injects `client_address(request) -> str`, honouring TRUSTED_PROXIES."""

    def setup(self):
        self.networks = trusted_networks(settings_of(self.container.config).trusted_proxies)

    def get_dependency(self, worker_ctx):
        return self.of

    def of(self, request):
        return client_address(request.remote_addr, request.headers.getlist(FORWARDED_FOR), self.networks)
