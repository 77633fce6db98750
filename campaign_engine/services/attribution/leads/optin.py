"""Double opt-in: a landing-page lead counts only once its visitor confirms by email, when
the kit asks for it (`landing.double_opt_in`) or, when the kit does not say, when the
partner is in the EU.

The partner's country is read from what its profile already says: the region of its
locale ("de-AT" is Austria), else the country of its phone number; a partner with
neither is outside the EU for this purpose, and a kit that must confirm everywhere says
`double_opt_in: true`.

The confirmation link is signed (itsdangerous, its own salt) and expires after
leads.confirm_hours; it names the lead and its external id, so a link cannot be pointed
at another lead.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campaign_engine.db import Partner
from campaign_engine.domain.kit import Landing
from campaign_engine.errors import CampaignEngineError

# The member states (ISO 3166 alpha-2), where a lead's consent is best proven.
EU = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)


def partner_country(partner: Partner) -> str | None:
    """ISO 3166 alpha-2 from the locale's region, else from the phone number; or None."""
    parts = (partner.locale or "").replace("_", "-").split("-")
    if len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].isalpha():
        return parts[-1].upper()
    if partner.phone:
        import phonenumbers

        try:
            number = phonenumbers.parse(partner.phone, None)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.region_code_for_number(number)
    return None


def needs_confirmation(landing: Landing, partner: Partner) -> bool:
    if landing.double_opt_in is not None:
        return landing.double_opt_in
    return partner_country(partner) in EU


class ConfirmLinkError(CampaignEngineError):
    """A confirmation link that was forged or altered (expired False), or is too old."""

    def __init__(self, message: str, *, expired: bool) -> None:
        self.expired = expired
        super().__init__(message)


class ConfirmLinks:
    salt = "lead-confirm"

    def __init__(self, keys: list[str], hours: float) -> None:
        self.serializer = URLSafeTimedSerializer(keys, salt=self.salt)
        self.max_age = int(hours * 3600)

    def make(self, lead_id: int, external_id: str) -> str:
        return str(self.serializer.dumps([lead_id, external_id]))

    def read(self, token: str) -> tuple[int, str]:
        try:
            value: Any = self.serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise ConfirmLinkError("this confirmation link has expired", expired=True) from None
        except (BadSignature, ValueError, TypeError):
            raise ConfirmLinkError("this confirmation link is not valid", expired=False) from None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not isinstance(value[0], int)
            or not isinstance(value[1], str)
        ):
            raise ConfirmLinkError("this confirmation link is not valid", expired=False)
        return value[0], value[1]
