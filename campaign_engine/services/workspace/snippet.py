"""The partner's email-signature snippet: a signed, permanent id and the HTML pasted once
into a mail client, whose image and link the banner (signature.py) keeps current."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from campaign_engine.db import Partner
from campaign_engine.services.attribution.links import SignedIds


class SignatureTokens(SignedIds):
    """The partner's signature id: signed, permanent, pasted into every email it sends."""

    salt = "email-signature"
    invalid = "unknown signature"


@dataclass(frozen=True)
class Snippet:
    html: str
    image_url: str
    link_url: str


def snippet(partner: Partner, base_url: str, token: str) -> Snippet:
    """What the partner pastes once into its mail client's signature settings. Built with
    Markup's escaping (the partner's name is profile data: hostile until escaped)."""
    image_url, link_url = f"{base_url}/s/{token}.png", f"{base_url}/s/{token}"
    html = Markup(
        '<a href="{link}"><img src="{image}" width="600" height="100" alt="{alt}" '
        'style="display:block;border:0;width:100%;max-width:600px;height:auto"></a>'
    ).format(link=link_url, image=image_url, alt=partner.name)  # any reader's language
    return Snippet(str(html), image_url, link_url)
