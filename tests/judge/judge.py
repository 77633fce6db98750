"""The judge: every invariant of issue #28 over one partner's assets as they would be sent.

It reads the output only (PDF bytes, email HTML in Chromium, image files, post texts) and
the partner as the vendor entered it (the CSV row); it computes nothing the engine
computes and imports nothing from renderers/ or the preflight. The kit is read for what
the kit itself promises: which assets need which fields, the designed page count, the
copy of the title and the call to action (to find the band and the button), and the label
that stands before the partner's website in a post.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import RenderedAsset
from tests.judge.browser import Browser, check_email
from tests.judge.colour import RGB, as_hex, distance, hex_rgb
from tests.judge.findings import Finding
from tests.judge.images import check_banner, check_post_text, check_social_image
from tests.judge.pdf import check_brochure
from tests.judge.text import (
    address_kept_in_text,
    address_lines,
    clean,
    clean_lines,
    separator_problems,
)

MAX_DELTA_E = 10.0
WHITE = (255, 255, 255)
# kit.yaml asset sections -> how their rendered assets are told apart
ASSET_OF = {
    "email": lambda a: a.asset == "email",
    "pdf": lambda a: a.asset == "brochure",
    "social": lambda a: a.channel == "social",
    "crm": lambda a: a.channel == "crm",
    "web": lambda a: a.channel == "web",
    "signature": lambda a: a.channel == "signature",
}
HELD_NAME = {"pdf": "brochure"}


@dataclass(frozen=True)
class PartnerOutput:
    """One partner's assets as they would be sent, and the partner as it was entered."""

    slug: str
    row: Mapping[str, str]  # the CSV row the vendor imported
    assets: Sequence[RenderedAsset]
    email_html: str | None  # as a customer gets it, inline images as data: URIs
    email_text: str | None = None  # its plain-text part, as a customer gets it
    logo_pngs: tuple[bytes, ...] = ()  # the logo images made for it (to find them in a PDF)
    held: Mapping[str, str] = field(default_factory=dict)  # assets not made, and why
    uploaded_logo: bytes | None = None  # the logo file the vendor imported


def fill_judge(
    primary: str, secondary: str, logo: bytes | None = None
) -> Callable[[RGB], str | None]:
    """None when a sampled fill is the partner's colour (ΔE00 <= 10), else what it is.
    A primary that is itself within ΔE00 10 of white (#ffffff, #f5f5f5, #edf2ec) may be
    replaced by the partner's secondary colour: on a white asset "keep the colour" would
    be an invisible band, and a white band passes the same tolerance anyway. With no
    secondary but white, by a colour that covers a twentieth of its uploaded logo (its
    own identity's colour, as a designer would pick it)."""
    wanted = hex_rgb(primary)
    alternatives = [wanted]
    white = distance(wanted, WHITE) <= MAX_DELTA_E
    if white and secondary:
        alternatives.append(hex_rgb(secondary))
    if white and logo and (not secondary or distance(hex_rgb(secondary), WHITE) <= MAX_DELTA_E):
        alternatives += logo_colours(logo)

    def judge(colour: RGB) -> str | None:
        best = min(distance(colour, a) for a in alternatives)
        if best <= MAX_DELTA_E:
            return None
        return f"{as_hex(colour)} is ΔE00 {best:.0f} from the partner's {primary.lower()}"

    return judge


def logo_colours(logo: bytes, least: float = 0.05) -> list[RGB]:
    """The colours of the logo's opaque pixels that cover at least `least` of them, by
    Pillow's median-cut quantiser (the engine counts colours its own way)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(logo)) as source:
        image = source.convert("RGBA")
    image.thumbnail((96, 96))
    pixels = [p[:3] for p in image.get_flattened_data() if p[3] > 128]
    if not pixels:
        return []
    flat = Image.new("RGB", (len(pixels), 1))
    flat.putdata(pixels)
    quantised = flat.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    palette = quantised.getpalette() or []
    counts = quantised.getcolors() or []
    return [
        (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
        for count, i in counts
        if count >= least * len(pixels)
    ]


class Judge:
    """Judges partners of one kit; `browser` (one Chromium for the run) lays emails out."""

    def __init__(self, kit: KitContent, browser: Browser) -> None:
        self.kit = kit
        self.browser = browser

    def judge(self, out: PartnerOutput) -> list[Finding]:
        row = out.row
        slug = out.slug
        copy = self.kit.copy_for(_language(row.get("locale", "en")))
        address = address_lines(row.get("postal_address", ""))
        fields = [
            row.get(k, "") for k in ("name", "short_name", "phone", "contact_email", "website")
        ] + address
        fill_ok = fill_judge(
            row["primary_color"], row.get("secondary_color", ""), out.uploaded_logo
        )
        found = self._requirements(out)
        for asset in out.assets:
            found += self._asset(slug, asset, out, copy, address, fields, fill_ok)
        return found

    def must_hold(self, out: PartnerOutput) -> list[str]:
        """The channels a launch sends that must not go for this partner: the kit requires
        a field its row lacks. A preflight holds the partner for these though nothing
        broken is made (the brochure, which no launch sends, is only left out)."""
        return [
            section
            for section in ASSET_OF
            if section not in HELD_NAME
            and (spec := getattr(self.kit.spec.assets, section, None)) is not None
            and any(not clean(str(out.row.get(f, ""))) for f in spec.requires)
        ]

    def _requirements(self, out: PartnerOutput) -> list[Finding]:
        found = []
        for section, is_asset in ASSET_OF.items():
            spec = getattr(self.kit.spec.assets, section, None)
            if spec is None or not spec.requires:
                continue
            lacking = [f for f in spec.requires if not clean(str(out.row.get(f, "")))]
            made = [a for a in out.assets if is_asset(a)]
            if lacking and made and HELD_NAME.get(section, section) not in out.held:
                found.append(
                    Finding(
                        out.slug,
                        made[0].asset,
                        "required_field_missing",
                        f"made although the kit requires {', '.join(lacking)} for it",
                    )
                )
        return found

    def _asset(
        self,
        slug: str,
        asset: RenderedAsset,
        out: PartnerOutput,
        copy: Mapping[str, object],
        address: list[str],
        fields: list[str],
        fill_ok: Callable[[RGB], str | None],
    ) -> list[Finding]:
        if asset.asset == "email" and out.email_html is not None:
            logo = next(
                (
                    f
                    for f in asset.files
                    if f.media_type.startswith("image/") and "partner" in f.name
                ),
                None,
            )
            facts = self.browser.email(
                out.email_html,
                logo_uri=logo.data_uri() if logo else None,
                cta=_copy(copy, "email.cta"),
            )
            found = check_email(
                slug,
                facts,
                logo_png=logo.content if logo else None,
                uploaded_logo=out.uploaded_logo,
                address=address,
                fields=fields,
                fill_ok=fill_ok,
            )
            return found + _text_part(slug, out.email_text, address, fields)
        if asset.asset == "brochure":
            spec = self.kit.spec.assets.pdf
            return check_brochure(
                slug,
                asset.files[0].content,
                pages=spec.pages if spec else None,
                title=_copy(copy, "pdf.title") or "",
                fill_ok=fill_ok,
                address=address,
                fields=fields,
                logos=out.logo_pngs,
                uploaded_logo=out.uploaded_logo,
            )
        if asset.channel == "social":
            return self._social(slug, asset, out, copy, fields, fill_ok)
        if asset.channel == "signature":
            banner = next((f for f in asset.files if f.media_type == "image/png"), None)
            return check_banner(slug, banner.content, fill_ok) if banner else []
        return []

    def _social(
        self,
        slug: str,
        asset: RenderedAsset,
        out: PartnerOutput,
        copy: Mapping[str, object],
        fields: list[str],
        fill_ok: Callable[[RGB], str | None],
    ) -> list[Finding]:
        found = []
        more_at = _copy(copy, "social.more_at") or ""
        label = more_at.split("{website}")[0] if "{website}" in more_at else ""
        labels = [label] if label.strip() and not clean(out.row.get("website", "")) else []
        for f in asset.files:
            if f.media_type == "image/jpeg":
                found += check_social_image(slug, asset.asset, f.name, f.content, fill_ok)
            elif f.media_type == "text/plain":
                found += check_post_text(
                    slug, asset.asset, f.name, f.content.decode(), fields=fields, labels=labels
                )
        return found


def _text_part(slug: str, text: str | None, address: list[str], fields: list[str]) -> list[Finding]:
    """The email's plain-text part: its address lines kept (or joined with ", "), and no
    separator beside an empty field."""
    if text is None:
        return []
    lines = clean_lines(text)
    found = [
        Finding(slug, "email", "separator_dangling", f"text part: {p}")
        for p in separator_problems(lines, fields, address=address)
    ]
    if not address_kept_in_text(lines, address):
        found.append(
            Finding(
                slug,
                "email",
                "address_lines_lost",
                f"text part: {len(address)} address lines neither kept nor joined with ', '",
            )
        )
    return found


def _language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0].lower()


def _copy(copy: Mapping[str, object], dotted: str) -> str | None:
    node: object = copy
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None
