"""LinkedIn: a post with an image through the Posts and Images APIs, on the partner's
organisation page. Platform limits are checked before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from campaign_engine.errors import PermanentError
from campaign_engine.ports import Endpoint, Message, ProviderStatus, Receipt
from connectors.httpjson import JsonApi

VERSION = "202410"
MAX_COMMENTARY = 3000
MAX_IMAGE_BYTES = 36 * 1024 * 1024
HEADERS = {"LinkedIn-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0"}
POSTS_PER_DAY = 150  # per account, reset at midnight UTC


class LinkedInConnector:
    name = "linkedin"
    daily_limit = POSTS_PER_DAY  # the pipeline counts the ledger against it before sending

    def __init__(self, api: JsonApi) -> None:
        self.api = api

    def validate(self, endpoint: Endpoint) -> None:
        config = endpoint.config
        if not config.get("token") or not config.get("organization"):
            raise PermanentError("the LinkedIn endpoint needs a token and an organization id")
        expires = config.get("token_expires_at")
        if expires and datetime.fromisoformat(expires) <= datetime.now(UTC):
            raise PermanentError("the LinkedIn token has expired; the partner must reconnect")

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        self.validate(endpoint)
        text, image = _post_parts(message)
        base = _base(endpoint)
        owner = f"urn:li:organization:{endpoint.config['organization']}"
        headers = HEADERS
        token = endpoint.config["token"]
        started = self.api.call(
            "POST",
            f"{base}/rest/images?action=initializeUpload",
            token=token,
            headers=headers,
            json={"initializeUploadRequest": {"owner": owner}},
        ).json()
        upload, image_urn = started["value"]["uploadUrl"], started["value"]["image"]
        self.api.call(
            "PUT",
            upload,
            token=token,
            data=image,
            headers={"Content-Type": "application/octet-stream"},
        )
        post = {
            "author": owner,
            "commentary": text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "content": {"media": {"id": image_urn}},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        response = self.api.call(
            "POST", f"{base}/rest/posts", token=token, headers=headers, json=post
        )
        return Receipt(
            provider=self.name,
            reference=response.headers.get("x-restli-id", ""),
            accepted_at=datetime.now(UTC),
            detail=f"ref {idempotency_key}",
        )

    def fetch_status(self, reference: str, endpoint: Endpoint) -> ProviderStatus:
        """A post the page admin deleted answers 404; one still processing is not live yet."""
        self.validate(endpoint)
        response = self.api.call(
            "GET",
            f"{_base(endpoint)}/rest/posts/{quote(reference, safe='')}",
            token=endpoint.config["token"],
            headers=HEADERS,
            missing_ok=True,
        )
        if response.status_code != 200:
            return ProviderStatus("removed", "the post was deleted from the page")
        state = str(response.json().get("lifecycleState", ""))
        if state == "PUBLISHED":
            return ProviderStatus("live", "published on the page")
        return ProviderStatus("pending", f"LinkedIn reports {state or 'no state'}")


def _base(endpoint: Endpoint) -> str:
    return (endpoint.url or "https://api.linkedin.com").rstrip("/")


def _post_parts(message: Message) -> tuple[str, bytes]:
    texts = message.payload.get("text", {})
    text = (
        next((v for k, v in texts.items() if "linkedin" in k), None)
        if isinstance(texts, dict)
        else None
    )
    image = next((f.content for f in message.attachments if f.network == "linkedin"), None)
    if text is None or image is None:
        raise PermanentError("this post has no LinkedIn version in the kit")
    if len(text) > MAX_COMMENTARY:
        raise PermanentError(f"the post is {len(text)} characters; LinkedIn allows 3,000")
    if len(image) > MAX_IMAGE_BYTES:
        raise PermanentError("the image is larger than LinkedIn's 36 MB")
    return text, image
