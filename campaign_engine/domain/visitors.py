"""Who a click or an open came from, for counting each visitor once a day: the network
(an IPv4 /24, an IPv6 /64: one office or one host's share) and the browser, hashed with a
secret so neither is ever stored. Fifty requests from one client count one unique click;
the raw count keeps all fifty beside it."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

KEY_LENGTH = 16  # hex characters: 64 bits, collisions negligible per link and day


def network_of(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    prefix = 64 if ip.version == 6 else 24
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def visitor_key(address: str | None, user_agent: str, salt: bytes) -> str:
    """The same for every request of one browser on one network; says nothing of either."""
    text = f"{network_of(address)}|{user_agent.strip()[:400]}".encode()
    return hmac.new(salt, text, hashlib.sha256).hexdigest()[:KEY_LENGTH]
