"""The console's contact sheet: a page of partners, each with thumbnails of the assets a
campaign sends in its name and the flags preflight raises on them, so a marketer can look
down a column of brochures instead of opening a thousand files.

Each partner is previewed as it would send (its stored customisations included, through
the artifact cache) and checked with the send-time checks; the email's width on a phone
needs a browser, which the console's own sandboxed frame is: it shows the email at 390 px.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.ledger import Reason
from campaign_engine.ports import RenderedAsset, RenderedFile
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.preflight.checks import check_assets, check_requirements
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.preflight.problems import Problem, Severity
from campaign_engine.services.assets.preview import preview_version

log = logging.getLogger(__name__)
THUMB_WIDTH = 220  # CSS px a thumbnail is shown at; the image carries twice that


@dataclass(frozen=True)
class SheetRow:
    partner: Partner
    problems: list[Problem]
    thumbnails: list[RenderedFile]  # small PNG and JPEG pictures of the visual files
    has_email: bool
    held: int  # this campaign's deliveries preflight held for the partner

    @property
    def blocked(self) -> bool:
        return any(p.blocks for p in self.problems)


def held_by_partner(session: Session, campaign_id: int) -> dict[int, int]:
    """Partner id -> deliveries of the campaign that preflight held at send time."""
    rows = session.execute(
        select(Delivery.partner_id, func.count())
        .where(Delivery.campaign_id == campaign_id, Delivery.reason == Reason.HELD_BY_PREFLIGHT)
        .group_by(Delivery.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


def held_partners(
    session: Session, held: dict[int, int], *, limit: int, offset: int
) -> tuple[list[Partner], int]:
    """One page of the partners with held deliveries (`held_by_partner`), and how many."""
    ids = list(held)
    wanted = select(Partner).where(Partner.id.in_(ids)).order_by(Partner.name, Partner.id)
    return list(session.scalars(wanted.limit(limit).offset(offset))), len(ids)


def sheet_rows(
    runtime: Runtime,
    session: Session,
    campaign: Campaign,
    partners: list[Partner],
    held: dict[int, int],
) -> list[SheetRow]:
    """Each partner's row; `held` is the campaign's `held_by_partner`."""
    rows = []
    for partner in partners:
        try:
            kit, shown = preview_version(runtime, session, partner, campaign.kit_version)
        except Exception as exc:  # one partner's profile must not cost the page its others
            log.warning("contact sheet: %s did not render", partner.slug, exc_info=True)
            problem = Problem(
                "all", "render_failed", Severity.BLOCK, f"its assets do not render: {exc}"[:300]
            )
            rows.append(SheetRow(partner, [problem], [], False, held.get(partner.id, 0)))
            continue
        # The brochure is checked from its PDF here: laying it out again for its layout
        # tree would double the page's time (`kits preflight` measures it there).
        problems = (
            check_requirements(kit, shown.brand)
            + check_brand(kit, shown.brand)
            + check_assets(kit, shown.brand, shown.assets)
        )
        rows.append(
            SheetRow(
                partner,
                problems,
                [t for asset in shown.assets for t in thumbnails(asset)],
                shown.email is not None,
                held.get(partner.id, 0),
            )
        )
    return rows


def thumbnails(asset: RenderedAsset) -> list[RenderedFile]:
    """Every page of a PDF and every image, small; the email's own images are left out
    (the sheet shows the whole email in a frame)."""
    if asset.asset == "email":
        return []
    found = []
    for f in asset.files:
        if f.media_type == "application/pdf":
            found += [
                RenderedFile(f"{f.name}, page {n}", "image/png", png)
                for n, png in enumerate(pdf_pages(f.content), 1)
            ]
        elif f.media_type.startswith("image/"):
            found.append(RenderedFile(f.name, "image/jpeg", small_image(f.content)))
    return found


def pdf_pages(pdf: bytes, width: int = 2 * THUMB_WIDTH) -> list[bytes]:
    import pypdfium2  # loaded where a PDF is drawn

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=width / page.get_width()).to_pil()
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG", optimize=True)
            pages.append(out.getvalue())
        return pages
    finally:
        document.close()


def small_image(content: bytes, width: int = 2 * THUMB_WIDTH) -> bytes:
    with Image.open(io.BytesIO(content)) as source:
        image = source.convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=82)
        return out.getvalue()
