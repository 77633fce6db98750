"""Preflight for a kit and its partners: render each partner's assets as they would go
out (through the artifact cache, as a preview does) and check them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from campaign_engine.db import Partner
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BROCHURE, KitRenderers, RenderedAsset
from campaign_engine.services.assets.preflight.browser import email_layouts, layout_problems
from campaign_engine.services.assets.preflight.checks import check_assets, check_requirements
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.preflight.layout import brochure_layout
from campaign_engine.services.assets.preflight.problems import Problem
from campaign_engine.services.assets.preview import browser_html, preview_partner
from campaign_engine.typeset.slots import PARTNER_LOGO_CID


@dataclass(frozen=True)
class PartnerReport:
    slug: str
    name: str
    problems: list[Problem]
    assets: list[RenderedAsset]

    @property
    def blocked(self) -> bool:
        return any(p.blocks for p in self.problems)


def preflight(
    kit: KitContent,
    renderers: KitRenderers,
    partners: list[Partner],
    *,
    base_url: str,
    storage_dir: Path,
    browser: bool = True,
    customisations: Callable[[Partner], dict[str, object]] | None = None,
) -> list[PartnerReport]:
    """Each partner's assets as it would send them (`customisations` gives its stored
    values; the kit's defaults without it), checked."""
    reports, pages, logos, brands = [], {}, {}, {}
    logo_files: dict[str, bytes] = {}
    for partner in partners:
        values = customisations(partner) if customisations else None
        shown = preview_partner(
            kit,
            renderers,
            partner,
            base_url,
            storage_dir=storage_dir,
            customisations=values,
        )
        layout = brochure_layout(renderers.pdf, shown.brand, shown.links.get(BROCHURE))
        problems = (
            check_requirements(kit, shown.brand)
            + check_brand(kit, shown.brand)
            + check_assets(kit, shown.brand, shown.assets, brochure_layout=layout)
        )
        if shown.email is not None:
            pages[partner.slug] = browser_html(shown.email)
            logo = next((i for i in shown.email.inline_images if i.name == PARTNER_LOGO_CID), None)
            if logo is not None:
                logos[partner.slug] = logo.data_uri()
                logo_files[partner.slug] = logo.content
        brands[partner.slug] = shown.brand
        reports.append(PartnerReport(partner.slug, partner.name, problems, shown.assets))
    if browser and pages:
        layouts = email_layouts(pages, logos)
        for report in reports:
            if report.slug in pages:
                layout = None if layouts is None else layouts[report.slug]
                report.problems.extend(
                    layout_problems(layout, brands[report.slug], logo_files.get(report.slug))
                )
    return reports


def as_json(reports: list[PartnerReport]) -> dict[str, object]:
    return {"partners": {r.slug: {"problems": [p.as_json() for p in r.problems]} for r in reports}}
