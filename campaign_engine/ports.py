"""The seams between the core and its adapters.

Renderers and connectors import only this module (plus domain and errors): plain,
frozen value objects in, bytes or a Receipt out. That keeps them testable alone and lets
bootstrap.py swap a maildir outbox for SMTP without the pipeline noticing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from campaign_engine.domain.channels import CHANNELS as CHANNELS  # adapters import it here

# Not a channel: the render target of the kit's PDF (KitRenderers.for_channel).
BROCHURE = "brochure"


@dataclass(frozen=True)
class BrandContext:
    """Everything a renderer may know about one partner."""

    slug: str
    name: str
    primary_color: str
    secondary_color: str
    text_on_primary: str
    text_on_secondary: str
    logo_png: bytes | None
    logo_on_plate: str | None  # "white" | "dark" | "mid" | None: the plate behind the logo
    contact_email: str
    phone: str
    phone_display: str
    website: str
    postal_address: str
    locale: str
    timezone: str
    vertical: str
    customisations: Mapping[str, object] = field(default_factory=dict)
    short_name: str = ""  # for subjects and From names; the name when empty
    logo_on_dark_png: bytes | None = None  # the partner's own logo for dark grounds
    logo_luminance: float = 0.0  # mean of its visible pixels: plates for other grounds
    # "own": the partner's logo; "mark": its favicon-sized logo set beside its name;
    # "name": no logo, its name set in its colour. The last two spell the name.
    logo_kind: str = "own"

    @property
    def logo_with_name(self) -> bool:
        """A tiny logo the assets set beside the name (preflight says so)."""
        return self.logo_kind == "mark"

    @property
    def logo_shows_name(self) -> bool:
        """The logo spells the name: nothing need set the name beside it again."""
        return self.logo_kind != "own"

    @property
    def display_name(self) -> str:
        """The name where space is short (subjects, From headers, social captions)."""
        return self.short_name or self.name

    @property
    def language(self) -> str:
        return self.locale.replace("-", "_").split("_")[0].lower()


@dataclass(frozen=True)
class Recipient:
    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""


@dataclass(frozen=True)
class RenderedFile:
    """One output file of a renderer: name, media type and bytes, and the social network
    it is for (a post's image and text per network; None for every other file)."""

    name: str
    media_type: str
    content: bytes
    network: str | None = None

    def data_uri(self) -> str:
        """The file inline, for a browser that cannot resolve cid: (a preview, a check)."""
        import base64

        return f"data:{self.media_type};base64,{base64.b64encode(self.content).decode()}"


def with_inline_images(html: str, images: tuple[RenderedFile, ...]) -> str:
    """An email's HTML with each cid:<name> reference replaced by the image itself."""
    for image in images:
        html = html.replace(f"cid:{image.name}", image.data_uri())
    return html


@dataclass(frozen=True)
class RenderedAsset:
    """What a renderer produced for one asset of one partner."""

    channel: str
    asset: str
    files: tuple[RenderedFile, ...]
    meta: Mapping[str, str] = field(default_factory=dict)

    def file(self, name: str) -> RenderedFile:
        for item in self.files:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True)
class Message:
    """A rendered item addressed to one destination, ready for a connector."""

    channel: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[RenderedFile, ...] = ()
    inline_images: tuple[RenderedFile, ...] = ()  # referenced from the HTML as cid:<name>
    sender_name: str | None = None
    reply_to: str | None = None
    from_address: str | None = None  # the partner's verified sending address, if any
    payload: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """Where a partner wants a channel delivered; `kind` picks the connector."""

    kind: str
    url: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """Proof that the service accepted a message; stored on the delivery row."""

    provider: str
    reference: str
    accepted_at: datetime
    detail: str = ""


@dataclass(frozen=True)
class ProviderStatus:
    """What a service says now about an item it accepted earlier."""

    state: str  # "live" | "pending" | "removed"
    detail: str = ""


class StatusLookup(Protocol):
    """Connectors whose service can say whether an accepted item is still there."""

    def fetch_status(self, reference: str, endpoint: Endpoint) -> ProviderStatus: ...


@runtime_checkable
class LeadSink(Protocol):
    """CRM connectors that can create a lead the partner's landing page captured (a
    contact in HubSpot, a Lead in Salesforce); the key makes a retry create nothing new."""

    def push_lead(self, lead: Mapping[str, str], endpoint: Endpoint, key: str) -> Receipt: ...


class Connector(Protocol):
    """Delivers messages; raises RetryableError or PermanentError, never returns failure."""

    name: str

    def validate(self, endpoint: Endpoint) -> None: ...

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt: ...


class AssetRenderer(Protocol):
    """Renders one kit asset for one partner; `link` maps a kit link name to its URL."""

    def render(
        self, brand: BrandContext, link: Callable[[str], str]
    ) -> RenderedAsset | list[RenderedAsset]: ...


class SingleAssetRenderer(AssetRenderer, Protocol):
    """Renders exactly one asset per partner: every channel's renderer but social's, which
    renders one per post."""

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset: ...


@dataclass
class KitRenderers:
    """The renderers of one kit, kept alive between renders (fonts, compiled templates)."""

    email: SingleAssetRenderer | None = None
    pdf: SingleAssetRenderer | None = None
    social: AssetRenderer | None = None
    crm: SingleAssetRenderer | None = None
    web: SingleAssetRenderer | None = None
    signature: SingleAssetRenderer | None = None

    def for_channel(self, channel: str) -> list[AssetRenderer]:
        """What one channel sends, or the brochure (BROCHURE). The brochure goes out with no
        campaign send, so a launch does not render it: a preview, a runway attachment or a
        download renders it on first use, and the artifact cache keeps it."""
        chosen: dict[str, list[AssetRenderer | None]] = {
            "email": [self.email],
            BROCHURE: [self.pdf],
            "social": [self.social],
            "crm": [self.crm],
            "web": [self.web],
            "signature": [self.signature],
        }
        return [r for r in chosen[channel] if r is not None]
