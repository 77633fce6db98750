"""A post's text: body, hashtags and link within each network's limit."""

from __future__ import annotations

from collections.abc import Callable

from campaign_engine.domain.kit import PLATFORM_TEXT_LIMITS
from campaign_engine.typeset.posts import post_length


def post_text(body: str, hashtags: list[str], url: str, platform: str, website: str = "") -> str:
    """Body, hashtags and link, the body shortened (never the link) to fit the network:
    X by its weighted length (CJK counts twice, a link 23), Instagram without the link
    (captions are not clickable) and with the partner's website in words instead."""
    tags = " ".join("#" + tag for tag in hashtags)
    if platform == "instagram":
        tail = "\n".join(part for part in (website, tags) if part)
    else:
        tail = "\n".join(part for part in (tags, url) if part)
    limit = PLATFORM_TEXT_LIMITS[platform]
    while post_length(f"{body}\n\n{tail}", platform) > limit and body:
        body = body[: max(0, len(body) - 8)].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
        if len(body) <= 1:
            body = ""
    return f"{body}\n\n{tail}" if body else tail


def network_link(link: Callable[[str], str], name: str, platform: str) -> str:
    """The post's link tracked for this network; the shared one where the caller has no
    per-network links (kit validation's sample links)."""
    try:
        return link(f"{name}:{platform}")
    except KeyError:
        return link(name)


def in_words(website: str) -> str:
    """https://www.example.com/ -> example.com: what a reader types, not a dead link."""
    host = website.split("://", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.")
