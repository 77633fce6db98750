"""A generic outbound webhook, signed per Standard Webhooks (webhook-id = idempotency key,
so every retry of one delivery carries the same id and the receiver can deduplicate)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import requests
from standardwebhooks.webhooks import Webhook

from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.ports import Endpoint, Message, Receipt
from connectors.netguard import check_public_url


class WebhookConnector:
    name = "webhook"

    def __init__(
        self,
        secret: str,
        *,
        timeout: float,
        allow_private: bool,
        session: requests.Session | None = None,
    ) -> None:
        self.signer = Webhook(secret)
        self.timeout = timeout
        self.allow_private = allow_private
        self.session = session or requests.Session()

    def validate(self, endpoint: Endpoint) -> None:
        if not endpoint.url:
            raise PermanentError("the webhook endpoint has no URL")
        check_public_url(endpoint.url, allow_private=self.allow_private)

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        self.validate(endpoint)
        assert endpoint.url is not None
        body = json.dumps(
            {"type": f"{message.channel}.item", "data": dict(message.payload)},
            separators=(",", ":"),
            default=str,
        )
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": idempotency_key,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.signer.sign(idempotency_key, now, body),
        }
        try:
            response = self.session.post(
                endpoint.url,
                data=body.encode(),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise RetryableError(f"{endpoint.url} did not answer within {self.timeout}s") from None
        except requests.RequestException as exc:
            raise RetryableError(f"{endpoint.url}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(
                provider=self.name,
                reference=idempotency_key,
                accepted_at=now,
                detail=f"HTTP {status}",
            )
        if status == 429 or status >= 500 or status == 408:
            raise RetryableError(
                f"{endpoint.url} answered HTTP {status}", retry_after=_retry_after(response)
            )
        raise PermanentError(f"{endpoint.url} answered HTTP {status}: {response.text[:200]}")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
