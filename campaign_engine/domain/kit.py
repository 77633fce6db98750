"""The kit.yaml format as typed data, shared by the kit loader and the renderers.

Pure: no I/O here. `campaign_engine.services.kits` reads files and reports problems with
file:line; these models only say what a well-formed kit looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
PLATFORM_SIZES: dict[str, tuple[int, int]] = {
    "linkedin": (1200, 627),
    "instagram": (1080, 1080),
    "x": (1600, 900),
}
PLATFORM_TEXT_LIMITS: dict[str, int] = {"linkedin": 3000, "instagram": 2200, "x": 280}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Vendor(_Strict):
    name: str = Field(min_length=1, max_length=80)
    logo: str
    website: HttpUrl
    postal_address: str = Field(min_length=5)
    brand_color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class Link(_Strict):
    url: HttpUrl
    utm_content: str | None = Field(None, pattern=SLUG)


class Customisable(_Strict):
    """A field the partner may change, and the limits it must stay within."""

    label: str
    max_length: int | None = Field(None, ge=1)
    choices: list[str] | None = None
    multiple: bool = False
    default: str | list[str] | None = None


class EmailAsset(_Strict):
    subject: str
    preheader: str
    html: str
    text: str


class PdfAsset(_Strict):
    template: str
    stylesheet: str
    qr_link: str


class SocialPost(_Strict):
    id: str = Field(pattern=SLUG)
    headline: str
    text: str
    link: str
    background: str
    platforms: list[Literal["linkedin", "instagram", "x"]] = Field(min_length=1)
    hashtags: list[str] = []


class SocialAsset(_Strict):
    cadence_days: list[int] = Field(min_length=1)
    posts: list[SocialPost] = Field(min_length=1)


class CrmAsset(_Strict):
    template: str
    variants: dict[str, str] = {}


class WebAsset(_Strict):
    template: str


class Assets(_Strict):
    email: EmailAsset | None = None
    pdf: PdfAsset | None = None
    social: SocialAsset | None = None
    crm: CrmAsset | None = None
    web: WebAsset | None = None


class KitSpec(_Strict):
    slug: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    version: str = "1"
    vendor: Vendor
    locales: list[str] = Field(min_length=1)
    default_locale: str = "en"
    links: dict[str, Link] = Field(min_length=1)
    customisable: dict[str, Customisable] = {}
    assets: Assets

    def channels(self) -> list[str]:
        """Channels with at least one asset; the `pdf` rides along with email and web."""
        present = self.assets.model_dump(exclude_none=True)
        return [c for c in ("email", "social", "crm", "web") if c in present]


@dataclass(frozen=True)
class KitContent:
    """A loaded kit ready to render: its spec, its files on disk and its copy per locale."""

    spec: KitSpec
    root: Path
    copy: dict[str, dict[str, Any]]
    content_hash: str

    def copy_for(self, language: str) -> dict[str, Any]:
        """The partner's language if the kit has it, else the kit's default (en)."""
        return self.copy.get(language) or self.copy[self.spec.default_locale]

    def language_for(self, language: str) -> str:
        return language if language in self.copy else self.spec.default_locale
