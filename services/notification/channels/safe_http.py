"""Outbound HTTP to addresses a third party chose (webhook subscribers), safe against request forgery.

The host is resolved once, every address it resolves to is checked (domain/targets.py), and the
connection goes to the address that was checked: no second resolution a DNS answer could change in
between. HTTPS keeps the host name for SNI and for certificate verification. No redirect is followed
and no answer body is read: only the status code comes back.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3 import exceptions as http_errors

from services.notification.domain import targets


class TargetRefused(Exception):
    """The target is an address webhooks may not reach; nothing was connected."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Unreachable(Exception):
    """The target could not be reached or did not answer; `reason` is ours, short, never its words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int
    address: str  # the address that answered


def system_resolver(host, port):
    """Every address the host name resolves to (A and AAAA)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class SafeHttp:
    def __init__(self, allow_private=False, timeout=10.0, resolver=system_resolver, ca_file=None):
        self.allow_private, self.resolver = allow_private, resolver
        self.timeout = urllib3.Timeout(total=timeout)
        self.ca_file = ca_file or certifi.where()

    def addresses(self, url):
        """The checked addresses to connect to for `url`; TargetRefused when any of them is not allowed."""
        parts = urlsplit(url)
        refusal = targets.url_refusal(url, self.allow_private)
        if refusal:
            raise TargetRefused(f"the URL is refused: {refusal}")
        host = targets.normal_host(parts.hostname)
        literal = targets.literal_address(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(host, self.port(parts))]
            except (OSError, UnicodeError, ValueError):
                raise Unreachable("the host name did not resolve") from None
            if not found:
                raise Unreachable("the host name did not resolve")
        for address in found:  # one internal answer among public ones is enough to refuse the name
            refusal = targets.address_refusal(address, self.allow_private)
            if refusal:
                raise TargetRefused(f"the host resolves to {refusal}")
        return found

    @staticmethod
    def port(parts):
        return parts.port or (443 if parts.scheme == "https" else 80)

    def post(self, url, body, headers):
        parts = urlsplit(url)
        host, port = targets.normal_host(parts.hostname), self.port(parts)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = port == (443 if parts.scheme == "https" else 80)
        shown_host = f"[{host}]" if ":" in host else host
        headers = {**headers, "Host": shown_host if default_port else f"{shown_host}:{port}"}
        last = None
        for address in self.addresses(url):
            pool = self._pool(parts.scheme, host, address, port)
            try:
                response = pool.urlopen("POST", path, body=body, headers=headers, redirect=False, retries=False,
                                        preload_content=False, assert_same_host=False)
                status = response.status
                response.release_conn()
                return Answer(status, str(address))
            except (http_errors.NewConnectionError, http_errors.ConnectTimeoutError) as error:
                last = error  # the next address of the name, if it has one
            except http_errors.HTTPError as error:
                raise Unreachable(_reason(error)) from None
            finally:
                pool.close()
        raise Unreachable(_reason(last))

    def _pool(self, scheme, host, address, port):
        if scheme == "https":
            name = None if targets.literal_address(host) is not None else host
            return urllib3.HTTPSConnectionPool(
                str(address), port, timeout=self.timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
                ca_certs=self.ca_file, server_hostname=name, assert_hostname=name or str(address))
        return urllib3.HTTPConnectionPool(str(address), port, timeout=self.timeout, retries=False, maxsize=1)


def _reason(error):
    if isinstance(error, http_errors.NewConnectionError):  # a subclass of ConnectTimeoutError in urllib3 2
        return "could not connect"
    if isinstance(error, http_errors.ConnectTimeoutError):
        return "timed out connecting"
    if isinstance(error, (http_errors.ReadTimeoutError, http_errors.TimeoutError)):
        return "timed out waiting for the answer"
    if isinstance(error, http_errors.SSLError):
        return "TLS handshake or certificate verification failed"
    if isinstance(error, http_errors.ProtocolError):
        return "the connection broke"
    return "the request failed"
