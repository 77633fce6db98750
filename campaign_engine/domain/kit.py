"""The kit.yaml format as typed data, shared by the kit loader and the renderers.

Pure: no I/O here. `campaign_engine.services.assets.kits` reads files and reports problems with
file:line; these models only say what a well-formed kit looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from campaign_engine.domain.plain_text import plain_text
from campaign_engine.domain.runway import Milestone

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


PartnerField = Literal["phone", "postal_address", "website", "logo", "contact_email"]


class Link(_Strict):
    url: HttpUrl
    utm_content: str | None = Field(None, pattern=SLUG)
    utm: dict[str, str] = {}  # further default tags, e.g. {utm_term: backup}
    # True: a click goes to the partner's co-branded landing page (the kit's `landing:`)
    # instead of `url`, which stays the page's own "learn more" link.
    landing: bool = False


LandingField = Literal["name", "email", "company", "phone", "message"]


class Landing(_Strict):
    """The co-branded landing page every partner gets: copy keys, and the form's fields
    (email always; the page adds consent text and a honeypot of its own)."""

    headline: str
    body: str
    consent: str
    cta: str
    fields: list[LandingField] = ["name", "email", "company"]
    # The kit's own part of the page (an .html template, like the web snippet): shown
    # above the form in a sandboxed frame that runs no script.
    template: str | None = None
    # A lead counts once its visitor confirms by email. Unset: on for partners in the
    # EU (services/attribution/leads/optin.py), off elsewhere; true or false decides for
    # every partner.
    double_opt_in: bool | None = None


class Fonts(_Strict):
    """Bundled fonts; they must cover every character the kit's copy uses."""

    regular: str
    bold: str


class Customisable(_Strict):
    """A field the partner may change, and the limits it must stay within."""

    label: str
    max_length: int | None = Field(None, ge=1)
    choices: list[str] | None = None
    multiple: bool = False
    default: str | list[str] | None = None


class EmailAsset(_Strict):
    requires: list[PartnerField] = []
    subject: str
    preheader: str
    html: str
    text: str


class PdfAsset(_Strict):
    requires: list[PartnerField] = []
    template: str
    stylesheet: str
    qr_link: str
    # The page count it is designed for: preflight holds a brochure that comes out longer.
    pages: int | None = Field(None, ge=1, le=40)


class SocialPost(_Strict):
    id: str = Field(pattern=SLUG)
    headline: str
    text: str
    link: str
    background: str
    platforms: list[Literal["linkedin", "instagram", "x"]] = Field(min_length=1)
    hashtags: list[str] = []


class SocialAsset(_Strict):
    requires: list[PartnerField] = []
    cadence_days: list[int] = Field(min_length=1)
    posts: list[SocialPost] = Field(min_length=1)


class CrmAsset(_Strict):
    requires: list[PartnerField] = []
    template: str
    variants: dict[str, str] = {}


class WebAsset(_Strict):
    requires: list[PartnerField] = []
    template: str


class SignatureAsset(_Strict):
    """The email-signature banner (about 600x100): the kit's headline beside the partner's
    and the vendor's logos; a click goes to `link` with utm_medium=signature."""

    requires: list[PartnerField] = []
    headline: str  # a key of the kit's copy, like the social headlines
    link: str
    background: str | None = None


AssetSpec = EmailAsset | PdfAsset | SocialAsset | CrmAsset | WebAsset | SignatureAsset


class Assets(_Strict):
    email: EmailAsset | None = None
    pdf: PdfAsset | None = None
    social: SocialAsset | None = None
    crm: CrmAsset | None = None
    web: WebAsset | None = None
    signature: SignatureAsset | None = None


class SequenceStep(_Strict):
    """One step of an always-on sequence: an email to the partner itself, `day` days after
    it entered the audience (or once `wait_for` is reached), skipped when `skip_if` is."""

    id: str = Field(pattern=SLUG)
    day: int = Field(ge=0, le=365)
    subject: str = Field(min_length=1, max_length=200)  # a template string
    # Per language ("de": ...); the body's per language is <name>.<lang>.txt beside it.
    subjects: dict[str, str] = {}
    body: str  # a text template file
    attach: list[Literal["brochure"]] = []
    wait_for: Milestone | None = None
    skip_if: Milestone | None = None


def step_body(step: SequenceStep, language: str, exists: Callable[[str], bool]) -> str:
    """The step's body for a language: "templates/runway/welcome.de.txt" when the kit has
    it, else the step's own."""
    stem, dot, suffix = step.body.rpartition(".")
    localised = f"{stem}.{language}.{suffix}" if dot else f"{step.body}.{language}"
    return localised if exists(localised) else step.body


class KitSpec(_Strict):
    slug: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    # What partners read about the campaign (the portal, notices): a campaign may say more.
    description: str = Field("", max_length=1000)
    version: str = "1"
    vendor: Vendor
    locales: list[str] = Field(min_length=1)
    default_locale: str = "en"
    fonts: Fonts
    links: dict[str, Link] = Field(min_length=1)
    customisable: dict[str, Customisable] = {}
    assets: Assets
    sequence: list[SequenceStep] = []  # used by always-on campaigns
    landing: Landing | None = None

    @field_validator("links")
    @classmethod
    def _link_names(cls, links: dict[str, Link]) -> dict[str, Link]:
        """Link names are slugs: "product:linkedin" is the engine's own name for the product
        link as posted on LinkedIn, and a kit must not declare one of those itself."""
        bad = [name for name in links if not re.match(SLUG, name)]
        if bad:
            raise ValueError(f"link names are lowercase letters, digits and dashes: {bad}")
        return links

    @model_validator(mode="after")
    def _landing_links(self) -> KitSpec:
        if self.landing is None and any(link.landing for link in self.links.values()):
            raise ValueError("a link has landing: true but the kit declares no landing page")
        return self

    @model_validator(mode="after")
    def _unique_steps(self) -> KitSpec:
        ids = [step.id for step in self.sequence]
        if len(ids) != len(set(ids)):
            raise ValueError("sequence step ids must be unique")
        return self

    def requirements(self, channel: str) -> list[str]:
        """Partner fields a channel's assets need; "brochure" for the PDF, which no
        campaign send carries (a preview or a runway attachment renders it)."""
        a = self.assets
        parts: dict[str, list[AssetSpec | None]] = {
            "email": [a.email],
            "brochure": [a.pdf],
            "social": [a.social],
            "crm": [a.crm],
            "web": [a.web],
            "signature": [a.signature],
        }
        return sorted({f for part in parts[channel] if part is not None for f in part.requires})

    def channels(self) -> list[str]:
        """Channels with at least one asset; the `pdf` is no channel's (see requirements)."""
        present = self.assets.model_dump(exclude_none=True)
        return [c for c in ("email", "social", "crm", "web", "signature") if c in present]


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


APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
NUMBER_AND_WORD = re.compile(r"(?<![\w.,])(\d[\d.,]*) (?=[^\W\d_])")


def typeset(value: Any) -> Any:
    """Kit copy as typeset: the typewriter ' between two letters ("can't", "d'atteinte")
    becomes the apostrophe U+2019, and a number is bound to the word after it by a no-break
    space ("30 minutes" never breaks after "30"), in every value of the copy tree (its keys
    are left alone). Quotation marks are the renderers' to localise; a partner's own name
    is never changed."""
    if isinstance(value, str):
        return NUMBER_AND_WORD.sub("\\1\u00a0", APOSTROPHE.sub("\u2019", value))
    if isinstance(value, dict):
        return {k: typeset(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typeset(v) for v in value]
    return value


# A partner's own text for one social post on one network: "post:<post id>:<network>".
# Every post's text is the partner's to change, within what the network's limit leaves
# once the engine adds the tracked link and the hashtags.
POST_TEXT_KEY = re.compile(r"^post:([a-z0-9][a-z0-9-]{0,62}):(linkedin|instagram|x)$")
LINK_ALLOWANCE = 60  # a tracked link, https://<host>/r/<16 characters>, with room to spare
X_LINK_LENGTH = 23  # X counts every link as 23 characters


def post_text_key(post_id: str, platform: str) -> str:
    return f"post:{post_id}:{platform}"


def customisable_field(spec: KitSpec, key: str) -> Customisable | None:
    """What the kit lets a partner change under `key`: a declared field, or the text of
    one of its social posts on one of that post's networks."""
    if key in spec.customisable:
        return spec.customisable[key]
    match = POST_TEXT_KEY.match(key)
    social = spec.assets.social
    if match is None or social is None:
        return None
    post = next((p for p in social.posts if p.id == match.group(1)), None)
    platform = match.group(2)
    if post is None or platform not in post.platforms:
        return None
    tags = len(" ".join("#" + tag for tag in post.hashtags))
    link = X_LINK_LENGTH if platform == "x" else LINK_ALLOWANCE
    room = PLATFORM_TEXT_LIMITS[platform] - link - tags - 4
    label = {"linkedin": "LinkedIn", "instagram": "Instagram", "x": "X"}[platform]
    return Customisable(label=f"{label} post text", max_length=max(1, room))


def check_customisation(spec: KitSpec, key: str, value: str | list[str]) -> str | list[str]:
    """The value, normalised, if it is within the kit's limits; ValueError saying why not."""
    field = customisable_field(spec, key)
    if field is None:
        allowed = ", ".join(sorted(spec.customisable)) or "nothing"
        raise ValueError(f"the kit does not let partners customise '{key}' (allowed: {allowed})")
    if field.choices is not None:
        values = value if isinstance(value, list) else [v.strip() for v in value.split(",")]
        values = [v for v in values if v]
        wrong = [v for v in values if v not in field.choices]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} not among {', '.join(field.choices)}")
        if not field.multiple and len(values) != 1:
            raise ValueError("choose exactly one")
        return values if field.multiple else values[0]
    text = " ".join(value) if isinstance(value, list) else value.strip()
    # what the partner types goes into every asset, as its profile does: the same rule
    # (and at render, a value stored before it is dropped, not sent: valid_customisations)
    text = plain_text(text, lines=True)
    if field.max_length is not None and len(text) > field.max_length:
        raise ValueError(f"{len(text)} characters; the limit is {field.max_length}")
    return text


def valid_customisations(spec: KitSpec, values: dict[str, object]) -> dict[str, object]:
    """Only the values still within the kit's limits (a newer kit version may be stricter)."""
    kept: dict[str, object] = {}
    for key, value in values.items():
        if not isinstance(value, str | list):
            continue  # stored JSON that is neither text nor a list of choices
        try:
            kept[key] = check_customisation(spec, key, value)
        except (ValueError, TypeError):
            continue
    return kept


def kit_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) for kit.yaml, for editors and for docs/kit.schema.json."""
    schema = KitSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "campaign-engine kit.yaml"
    return schema
