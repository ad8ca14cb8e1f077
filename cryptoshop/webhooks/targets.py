"""Where a webhook may be sent, and sending it there.

An endpoint is an http(s) URL whose host resolves only to public addresses: a seller must
not be able to make the shop POST into its own network (the node's RPC, the database, a
cloud metadata service). The host is resolved when the endpoint is saved and again at each
delivery, and the connection goes to the address that was checked, so a name that later
resolves elsewhere (DNS rebinding) can't slip through. The operator may allow private,
loopback and link-local targets (CRYPTOSHOP_WEBHOOK_ALLOW_PRIVATE; on by default on
regtest, where the receiver is usually on the same machine).

Redirects are not followed: a 3xx counts as a failed attempt."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL = 500


class TargetRefused(ValueError):
    """The URL is malformed, doesn't resolve, or points at a private address."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the resolved and checked IP the connection goes to


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int, str]:
    """Syntax only: (scheme, host, port, path) or TargetRefused."""
    if len(url) > MAX_URL:
        raise TargetRefused(f"At most {MAX_URL} characters.")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("Give an http:// or https:// address.")
    if parts.username or parts.password:
        raise TargetRefused("Put no user name or password in the address; the signature "
                            "proves the request is ours.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("That port isn't valid.") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Check the URL and resolve its host; every address it resolves to must be public
    unless private targets are allowed. Returns the first address to connect to."""
    scheme, host, port, path = check_url(url)
    allow = settings.WEBHOOK_ALLOW_PRIVATE if allow_private is None else allow_private
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"The host {host} doesn't resolve.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"The host {host} doesn't resolve.")
    if not allow and not all(_public(a) for a in addresses):
        raise TargetRefused(f"{host} is a private, loopback or link-local address; this "
                            "shop sends webhooks to public addresses only.")
    return Target(scheme, host, port, path, addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address we dialled.
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One POST; never raises. The response body is read (up to 4 KB) and dropped."""
    started = time.perf_counter()
    conn = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(4096)
        status: int | None = response.status
        error = "" if 200 <= response.status < 300 else f"HTTP {response.status} {response.reason}"
    except (OSError, http.client.HTTPException) as exc:
        status, error = None, (f"{type(exc).__name__}: {exc}" if str(exc)
                               else type(exc).__name__)
    finally:
        conn.close()
    return Outcome(status, error[:300], int((time.perf_counter() - started) * 1000))
