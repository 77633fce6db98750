"""A post's text: body, hashtags and link within each network's limit."""

from __future__ import annotations

import re
from collections.abc import Callable

from campaign_engine.domain.kit import PLATFORM_TEXT_LIMITS
from campaign_engine.typeset.posts import post_length

# After a sentence's closing mark (Latin, Arabic, Devanagari, CJK; Greek's question mark,
# which is typed as ";", only after a Greek letter), before the next sentence
SENTENCE_END = re.compile(
    r"(?<=[.!?\u037e\u061f\u0964\u3002\uff01\uff1f])\s*(?<=\s|[\u3002\uff01\uff1f])"
    r"|(?<=[\u0370-\u03ff\u1f00-\u1fff];)\s+"
)


def post_text(body: str, hashtags: list[str], url: str, platform: str, website: str = "") -> str:
    """Body, hashtags and link, the body shortened (never the link) to fit the network:
    X by its weighted length (CJK counts twice, a link 23), Instagram without the link
    (captions are not clickable) and with the partner's website in words instead. Whole
    sentences go first, from the end: a post cut mid-sentence ("… a free…") reads as a
    mistake; only a first sentence too long alone is cut at a word, with an ellipsis."""
    tags = " ".join("#" + tag for tag in hashtags)
    if platform == "instagram":
        tail = "\n".join(part for part in (website, tags) if part)
    else:
        tail = "\n".join(part for part in (tags, url) if part)
    limit = PLATFORM_TEXT_LIMITS[platform]

    def fits(text: str) -> bool:
        return post_length(f"{text}\n\n{tail}", platform) <= limit

    body = body.strip()
    ends = [m.start() for m in SENTENCE_END.finditer(body) if 0 < m.start() < len(body)]
    while ends and not fits(body):
        body = body[: ends.pop()].rstrip()
    while not fits(body) and body:
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
