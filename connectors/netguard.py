"""Refuse outbound requests to private, loopback and link-local addresses (SSRF guard)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from campaign_engine.errors import PermanentError


def check_public_url(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"'{url}' is not an http(s) URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise PermanentError(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise PermanentError(
                f"{parts.hostname} resolves to {address}, a private or loopback address; "
                "set connectors.allow_private_networks to allow it"
            )
