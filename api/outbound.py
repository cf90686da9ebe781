"""Where webhooks may be sent: only to the public internet, never into our own network.

A webhook URL is typed by a shop's manager, and our worker sends to it from inside the
installation, so without a check it could reach what only the installation can: the database,
Redis, a cloud provider's metadata address (169.254.169.254), a neighbour's admin page. So:

- **When the URL is saved** (`check_url`), it must be http(s) (https only where
  WEBHOOKS_HTTPS_ONLY), its host must resolve, and every address it resolves to must be a global
  one: not loopback, private, link-local, shared, reserved or multicast.
- **When a delivery is sent** (`opener`), the name is resolved again and the connection is made
  to an address checked there and then, so a name that pointed outside when it was saved and
  inside now (DNS rebinding) is refused with the reason in the delivery log. Redirects are not
  followed (a 3xx is the receiver's answer, and counts as a failed attempt), and no proxy from
  the environment is used.

WEBHOOKS_PRIVATE_ADDRESSES turns the address check off, for a receiver on the same machine or
network (the tests' fake receivers on 127.0.0.1; a shop's system on a private network): then a
URL is saved without looking its name up.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


class NotPublic(OSError):
    """The host is not on the public internet (or cannot be found): nothing is sent."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone names a local link
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, port: int) -> list[tuple]:
    """Every address `host` resolves to (as getaddrinfo gives them), when all are public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as failure:
        raise NotPublic(f"{host} cannot be found ({failure})") from failure
    if settings.WEBHOOKS_PRIVATE_ADDRESSES:
        return found
    inside = sorted({info[4][0] for info in found if not _is_public(info[4][0])})
    if inside or not found:
        raise NotPublic(f"{host} is not on the public internet ({', '.join(inside)})")
    return found


def check_url(url: str) -> None:
    """Refuse, at the URL field, an address a webhook must not be sent to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError({"url": "Use an https:// address."})
    if settings.WEBHOOKS_HTTPS_ONLY and parts.scheme != "https":
        raise ValidationError({"url": "Use an https:// address: payloads name customers."})
    if settings.WEBHOOKS_PRIVATE_ADDRESSES:
        return  # anything goes; a name is looked up when sending
    try:
        public_addresses(parts.hostname or "", parts.port or 443)
    except NotPublic as refused:
        raise ValidationError(
            {"url": f"Webhooks go to the public internet only: {refused}."}
        ) from refused
    except ValueError as refused:  # a port out of range
        raise ValidationError({"url": "This address has an impossible port."}) from refused


def _connect(host: str, port: int, timeout, source_address) -> socket.socket:
    """A socket to the first public address of `host` that answers (as
    socket.create_connection, but only to addresses checked now)."""
    last_error: OSError | None = None
    for family, kind, protocol, _, address in public_addresses(host, port):
        sock = socket.socket(family, kind, protocol)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as failure:
            sock.close()
            last_error = failure
    raise last_error or NotPublic(f"{host} has no address to connect to")


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout, self.source_address)


class _HTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _connect(self.host, self.port, self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError with the 3xx: a failed attempt


def opener() -> urllib.request.OpenerDirector:
    """What deliveries are sent with: public addresses only, no redirects, no proxy."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _HTTPHandler, _HTTPSHandler, _NoRedirects
    )
