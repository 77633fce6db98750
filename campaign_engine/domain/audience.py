"""Whether a campaign's audience filter takes in one partner (the planner asks the
database the same question for all partners at once: services/campaigns/audience.audience_query)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

AUDIENCE_KEYS = ("tier", "region", "vertical", "tag", "partner", "exclude")


def includes(
    audience: Mapping[str, list[str]],
    *,
    slug: str,
    tier: str | None,
    region: str | None,
    vertical: str | None,
    tags: Iterable[str],
) -> bool:
    """Every key narrows; values of one key widen; `exclude` removes by slug."""
    for key, value in (("tier", tier), ("region", region), ("vertical", vertical)):
        if audience.get(key) and value not in audience[key]:
            return False
    if audience.get("partner") and slug not in audience["partner"]:
        return False
    if slug in audience.get("exclude", []):
        return False
    return not audience.get("tag") or bool(set(audience["tag"]) & set(tags))
