"""A partner's own sending address: proven by a DNS TXT record before any mail uses it.

Sending From a partner's domain without proof would let anyone with a partner login
impersonate any domain through the vendor's mail servers, so the engine asks for a TXT
record only the domain's owner can publish, derived from the secret key (nothing to store).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import dns.exception
import dns.resolver
from sqlalchemy.orm import Session

from campaign_engine.db import Partner
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record

TxtLookup = Callable[[str], list[str]]


@dataclass(frozen=True)
class DnsRecord:
    name: str
    value: str

    def __str__(self) -> str:
        return f'{self.name}. IN TXT "{self.value}"'


def verification_record(partner_slug: str, address: str, secret_key: str) -> DnsRecord:
    """Per partner and domain: one partner's published record proves nothing for another
    partner claiming the same domain."""
    domain = _domain(address)
    message = f"sender:{partner_slug}:{domain}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256)
    return DnsRecord(
        f"_campaign-engine.{domain}", f"campaign-engine-verify={digest.hexdigest()[:32]}"
    )


def set_sender(
    session: Session, partner: Partner, address: str | None, *, secret_key: str, actor: str
) -> DnsRecord | None:
    """Record the address (unverified: mail keeps going out From the vendor until the
    record is found); None goes back to the vendor's address."""
    if address is not None:
        address = address.strip().lower()
        _domain(address)
    if address != partner.sender_address:
        partner.sender_address, partner.sender_verified_at = address, None
        record(session, actor, "sender.set", "partner", partner.slug, {"address": address})
    return verification_record(partner.slug, address, secret_key) if address else None


def verify_sender(
    session: Session,
    partner: Partner,
    *,
    secret_key: str,
    lookup: TxtLookup,
    now: datetime,
    actor: str,
) -> bool:
    if not partner.sender_address:
        raise InvalidInput(f"partner '{partner.slug}' has no sending address", where="address")
    expected = verification_record(partner.slug, partner.sender_address, secret_key)
    found = expected.value in lookup(expected.name)
    if found and partner.sender_verified_at is None:
        partner.sender_verified_at = now
        record(
            session,
            actor,
            "sender.verified",
            "partner",
            partner.slug,
            {"address": partner.sender_address},
        )
    return found


def verified_sender(partner: Partner) -> str | None:
    return partner.sender_address if partner.sender_verified_at else None


def dns_txt_lookup(nameserver: str | None, timeout: float = 5.0) -> TxtLookup:
    """TXT strings at a name through dnspython; none when the name does not exist."""
    resolver = dns.resolver.Resolver(configure=nameserver is None)
    if nameserver is not None:
        host, _, port = nameserver.partition(":")
        resolver.nameservers, resolver.port = [host], int(port or 53)
    resolver.lifetime = timeout

    def lookup(name: str) -> list[str]:
        try:
            answer = resolver.resolve(name, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise InvalidInput(f"DNS lookup of {name} failed: {exc}", where="dns") from None
        return [b"".join(r.strings).decode() for r in answer]

    return lookup


def _domain(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise InvalidInput(f"'{address}' is not an email address", where="address")
    return domain
