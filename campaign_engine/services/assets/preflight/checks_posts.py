"""A social post's text: within each network's limit, and no label or separator left
beside an empty field."""

from __future__ import annotations

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.problems import Problem, Severity


def check_post_words(kit: KitContent, brand: BrandContext, asset: RenderedAsset) -> list[Problem]:
    """A post's text read line by line: a label left with nothing after it (the kit's
    "More at {website}" for a partner without a website) and separators beside nothing."""
    from campaign_engine.services.assets.preflight.text import clean, dangling_separators

    more_at = str(kit.copy_for(brand.language).get("social", {}).get("more_at", ""))
    label = clean(more_at.split("{website}")[0]) if "{website}" in more_at else ""
    problems = []
    for file in asset.files:
        if file.media_type != "text/plain":
            continue
        lines = file.content.decode().splitlines()
        if label and any(clean(line).endswith(label) for line in lines):
            problems.append(
                Problem(
                    asset.asset,
                    "label_dangling",
                    Severity.BLOCK,
                    f"{file.name} ends a line with “{label}” and nothing after it",
                )
            )
        dangling = dangling_separators(lines)
        if dangling:
            problems.append(
                Problem(
                    asset.asset,
                    "separator_dangling",
                    Severity.BLOCK,
                    f"a separator stands beside an empty field in {file.name}: {dangling[0]}",
                )
            )
    return problems


def check_post(asset: RenderedAsset) -> list[Problem]:
    """Each network's text within its limit (a post over it is refused by the network),
    and a word when the text had to be cut to get there."""
    from campaign_engine.domain.kit import PLATFORM_TEXT_LIMITS
    from campaign_engine.typeset.posts import post_length

    problems = []
    for file in asset.files:
        if file.media_type != "text/plain":
            continue
        platform = file.network or ""
        limit = PLATFORM_TEXT_LIMITS.get(platform)
        length = post_length(file.content.decode(), platform) if limit else 0
        if limit and length > limit:
            problems.append(
                Problem(
                    asset.asset,
                    "post_too_long",
                    Severity.BLOCK,
                    f"the {platform} post is {length} characters; {platform} takes {limit}",
                )
            )
    for platform in filter(None, str(asset.meta.get("shortened", "")).split(",")):
        problems.append(
            Problem(
                asset.asset,
                "post_shortened",
                Severity.WARN,
                f"the {platform} post's text was cut to fit with its link and hashtags; "
                "a shorter text (or short name) keeps it whole",
            )
        )
    return problems
