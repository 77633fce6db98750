"""Tracked links per (campaign, partner, channel, link) and signed unsubscribe tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Partner, TrackedLink
from campaign_engine.db.bulk import insert_ignoring_conflicts
from campaign_engine.domain.kit import KitSpec, Link
from campaign_engine.domain.tracking import WEBSITE_LINK, new_token, web_link, with_utm
from campaign_engine.errors import NotFound


def ensure_links(
    session: Session, campaign: Campaign, spec: KitSpec, partner_ids: list[int], channels: list[str]
) -> None:
    rows = website_rows(session, campaign, partner_ids, channels) + [
        {
            "token": new_token(),
            "campaign_id": campaign.id,
            "partner_id": partner_id,
            "channel": channel,
            "name": name,
            "target_url": str(link.url),
        }
        for partner_id in partner_ids
        for channel in channels
        for name, link in [*spec.links.items(), *network_links(spec, channel)]
    ]
    for start in range(0, len(rows), 500):
        insert_ignoring_conflicts(session, TrackedLink, rows[start : start + 500])


NETWORK = ":"  # "product:linkedin": the product link as posted on LinkedIn
WEBSITE_CONTENT = "partner-website"  # its utm_content


def website_rows(
    session: Session, campaign: Campaign, partner_ids: list[int], channels: list[str]
) -> list[dict[str, Any]]:
    """A tracked link to each partner's website, per channel, so a click on it counts for
    the partner like any other. It leads to the website the asset shows, the one at
    launch (tokens never change, and the redirect caches them)."""
    websites = session.execute(
        select(Partner.id, Partner.website).where(Partner.id.in_(partner_ids))
    ).all()
    return [
        {
            "token": new_token(),
            "campaign_id": campaign.id,
            "partner_id": partner_id,
            "channel": channel,
            "name": WEBSITE_LINK,
            "target_url": url,
        }
        for partner_id, website in websites
        if (url := web_link(website))
        for channel in channels
    ]


def network_links(spec: KitSpec, channel: str) -> list[tuple[str, Link]]:
    """One tracked link per social network a post goes to, so a click on LinkedIn and one
    on X are told apart (and tagged utm_medium=linkedin / x)."""
    if channel != "social" or spec.assets.social is None:
        return []
    found = {
        f"{post.link}{NETWORK}{platform}": spec.links[post.link]
        for post in spec.assets.social.posts
        for platform in post.platforms
        if post.link in spec.links
    }
    return sorted(found.items())


def declared_link(declared: dict[str, Link], name: str) -> Link | None:
    """The kit's link behind a tracked link's name, a per-network one included."""
    return declared.get(name) or declared.get(name.split(NETWORK)[0])


def link_urls(
    session: Session, campaign_id: int, partner_id: int, channel: str, base_url: str
) -> dict[str, str]:
    rows = session.execute(
        select(TrackedLink.name, TrackedLink.token).where(
            TrackedLink.campaign_id == campaign_id,
            TrackedLink.partner_id == partner_id,
            TrackedLink.channel == channel,
        )
    )
    return {name: f"{base_url}/r/{token}" for name, token in rows}


UNKNOWN_LINK = "this link is not known; it may have been mistyped"


@dataclass(frozen=True)
class CampaignLinks:
    """What every redirect of one campaign adds: the campaign's slug and the links its kit
    declares. Reading it means validating the kit's spec, the dearest part of a redirect,
    so the web layer keeps one per campaign (web/clicks.py)."""

    slug: str
    declared: dict[str, Link]


def campaign_links(session: Session, campaign_id: int) -> CampaignLinks:
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    return CampaignLinks(campaign.slug, dict(spec.links))


def redirect_target(
    session: Session,
    token: str,
    links_of: Callable[[Session, int], CampaignLinks] = campaign_links,
) -> tuple[TrackedLink, str]:
    """The tracked link and the URL to send the visitor to, UTM tags added."""
    found = session.execute(
        select(TrackedLink, Partner.slug)
        .join(Partner, Partner.id == TrackedLink.partner_id)
        .where(TrackedLink.token == token)
    ).first()
    if found is None:
        raise NotFound(UNKNOWN_LINK)
    link, partner_slug = found
    campaign = links_of(session, link.campaign_id)
    declared = declared_link(campaign.declared, link.name)
    if declared is not None and declared.landing:  # the partner's page, on this host
        return link, f"/l/{token}"
    return link, tagged_url(link, partner_slug, campaign)


def tagged_url(link: TrackedLink, partner_slug: str, campaign: CampaignLinks) -> str:
    """The link's own target with the UTM tags that say who sent it, through which channel
    (a landing page's "learn more" link is its target too)."""
    declared = declared_link(campaign.declared, link.name)
    base, _, network = link.name.partition(NETWORK)
    content = declared.utm_content if declared and declared.utm_content else base
    if link.name == WEBSITE_LINK:
        content = WEBSITE_CONTENT
    return with_utm(
        link.target_url,
        source=partner_slug,
        medium=network or link.channel,
        campaign=campaign.slug,
        content=content,
        extra=dict(declared.utm) if declared else None,
    )


class SignedIds:
    """Signed (not encrypted) integer ids for public links: short, nothing to store, and a
    different salt per purpose so one link's token never works as another's."""

    salt = "signed-id"
    invalid = "this link is not valid"

    def __init__(self, secret_key: str | list[str]) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt=self.salt)

    def make(self, value: int) -> str:
        return str(self.serializer.dumps(value))

    def read_quietly(self, token: str) -> int | None:
        try:
            value = self.serializer.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        return value if isinstance(value, int) else None

    def read(self, token: str) -> int:
        value = self.read_quietly(token)
        if value is None:
            raise NotFound(self.invalid)
        return value


class UnsubscribeTokens(SignedIds):
    """Delivery ids for one-click unsubscribe; short, so List-Unsubscribe stays readable."""

    salt = "unsubscribe"
    invalid = "this unsubscribe link is not valid"


class OpenTokens(SignedIds):
    """Delivery ids for the open pixel."""

    salt = "open-pixel"
