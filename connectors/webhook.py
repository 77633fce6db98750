"""A generic outbound webhook, signed per Standard Webhooks (webhook-id = idempotency key,
so every retry of one delivery carries the same id and the receiver can deduplicate)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import requests
from standardwebhooks.webhooks import Webhook

from campaign_engine.errors import PermanentError
from campaign_engine.ports import Endpoint, Message, Receipt
from connectors.httpjson import JsonApi
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
        self.api = JsonApi(timeout=timeout, allow_private=allow_private, session=session)

    def validate(self, endpoint: Endpoint) -> None:
        if not endpoint.url:
            raise PermanentError("the webhook endpoint has no URL")
        check_public_url(endpoint.url, allow_private=self.api.allow_private)

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        self.validate(endpoint)
        assert endpoint.url is not None
        data = dict(message.payload)
        if message.attachments:
            # The receiver posts what it gets: each image goes with its bytes, beside its text;
            # the payload's other files keep their entries.
            inline = {f.name: f for f in message.attachments}
            listed = [f for f in data.get("files", []) if f.get("name") not in inline]
            data["files"] = listed + [
                {
                    "name": f.name,
                    "media_type": f.media_type,
                    "bytes": len(f.content),
                    "content_base64": base64.b64encode(f.content).decode("ascii"),
                }
                for f in message.attachments
            ]
        body = json.dumps(
            {"type": f"{message.channel}.item", "data": data},
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
        response = self.api.call("POST", endpoint.url, data=body.encode(), headers=headers)
        return Receipt(
            provider=self.name,
            reference=idempotency_key,
            accepted_at=now,
            detail=f"HTTP {response.status_code}",
        )
