"""Signed links in partner notices: preview and one-click opt-out, no password needed."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campaign_engine.domain.words import N_
from campaign_engine.errors import NotFound

MAX_AGE = 60 * 24 * 3600  # a notice link works for 60 days


class PartnerLinks:
    def __init__(self, secret_key: str | list[str]) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="partner-campaign-link")

    def make(self, partner_id: int, campaign_id: int) -> str:
        return str(self.serializer.dumps([partner_id, campaign_id]))

    def read(self, token: str) -> tuple[int, int]:
        try:
            partner_id, campaign_id = self.serializer.loads(token, max_age=MAX_AGE)
        except SignatureExpired:
            raise NotFound(
                N_("this link has expired; ask your channel manager for a new one")
            ) from None
        except (BadSignature, ValueError, TypeError):
            raise NotFound(N_("this link is not valid")) from None
        return int(partner_id), int(campaign_id)
