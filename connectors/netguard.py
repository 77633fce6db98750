"""Refuse outbound requests to private, loopback and link-local addresses (SSRF guard).

Checking a URL's name and then letting the HTTP client resolve it again is not enough:
a DNS server that answers with a public address first and 127.0.0.1 the second time
(DNS rebinding) walks past the check. So the check happens where the socket is opened:
GuardedAdapter's connections resolve the name once, refuse any private answer, and
connect to the very address they checked (TLS still verifies the certificate against the
name). Written here rather than taken from a library: advocate, the one that did this for
requests, is unmaintained and pins old requests and urllib3 versions."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from campaign_engine.errors import PermanentError


def check_public_url(url: str, *, allow_private: bool) -> None:
    """A clear, early refusal for a URL that cannot be used (also at endpoint setup)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"'{url}' is not an http(s) URL")
    if not allow_private:
        public_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def public_address(host: str, port: int) -> str:
    """The address to connect to: every address the name resolves to must be global."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise PermanentError(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise PermanentError(
                f"{host} resolves to {address}, a private or loopback address; "
                "set connectors.allow_private_networks to allow it"
            )
    return addresses[0]


class _Pinned:
    """Connects to the address public_address() checked, not to a second lookup."""

    _dns_host: str

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        self._dns_host = public_address(name.rstrip("."), self.port)  # type: ignore[attr-defined]
        try:
            return super()._new_conn()  # type: ignore[misc]
        finally:
            self._dns_host = name  # SNI, certificate and Host header keep the name


class _PinnedHTTP(_Pinned, HTTPConnection):
    pass


class _PinnedHTTPS(_Pinned, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTP


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPS


class GuardedAdapter(HTTPAdapter):
    """Mount on a requests Session for http:// and https:// (see guarded_session)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PinnedHTTPPool,
            "https": _PinnedHTTPSPool,
        }


def guard(session: Any) -> Any:
    """The session, with every http(s) connection pinned to a checked public address."""
    adapter = GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
