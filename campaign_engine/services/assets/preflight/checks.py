"""The checks on one partner's rendered assets; cheap enough to run before every send
(no browser: the email's width at 390 px is measured in Chromium when the kit is
validated, for a worst-case partner, and by `kits preflight` for real ones)."""

from __future__ import annotations

from typing import Any

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.checks_brochure import check_brochure
from campaign_engine.services.assets.preflight.checks_email import check_email, check_email_text
from campaign_engine.services.assets.preflight.checks_images import check_bands
from campaign_engine.services.assets.preflight.checks_posts import check_post, check_post_words
from campaign_engine.services.assets.preflight.problems import Problem, Severity


def check_requirements(kit: KitContent, brand: BrandContext) -> list[Problem]:
    """Each asset whose kit-declared required fields the partner lacks, with the reason.
    A channel a launch sends is blocked (its deliveries fail with that reason); the
    brochure, which no launch sends, is only held: previews, runway attachments and the
    library leave it out, and the partner's other assets still go."""
    from campaign_engine.services.assets.requirements import (
        brand_has,
        missing_fields,
        requirement_reason,
    )

    targets = [*kit.spec.channels(), *(["brochure"] if kit.spec.assets.pdf else [])]
    problems = []
    for channel in targets:
        missing = missing_fields(kit.spec, channel, brand_has(brand))
        if not missing:
            continue
        reason = requirement_reason(brand.name, channel, missing)
        if channel == "brochure":
            severity, reason = Severity.WARN, f"the brochure is not made: {reason}"
        else:
            severity = Severity.BLOCK
        problems.append(Problem(channel, "required_field_missing", severity, reason))
    return problems


def check_assets(
    kit: KitContent,
    brand: BrandContext,
    assets: list[RenderedAsset],
    *,
    brochure_layout: Any = None,
) -> list[Problem]:
    """Each asset's checks; `brochure_layout` (WeasyPrint's laid-out document of the
    brochure, see preflight.layout) lets the brochure be measured rather than guessed."""
    problems: list[Problem] = []
    for asset in assets:
        if asset.asset == "email":
            problems += check_email(asset, brand) + check_email_text(asset, brand)
        elif asset.asset == "brochure":
            problems += check_brochure(kit, asset, brochure_layout, brand)
        elif asset.channel == "social":
            problems += check_post(asset) + check_post_words(kit, brand, asset)
            problems += check_bands(asset, brand)
        elif asset.channel == "signature":
            problems += check_bands(asset, brand)
    return problems
