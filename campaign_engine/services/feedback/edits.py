"""The edits partners make in review, kept as a difference from the kit's own text.

At save time each changed text is stored beside the kit's text as that partner read it
(its language, its name filled in), so the kit's original stays available whatever the
partner stores later. At report time the two are compared word by word: each run of words
the partner replaced, removed or added is one change ("from" -> "to"), and the vendor
reads the changes most partners made ("most common edits")."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Partner, ReviewEdit
from campaign_engine.domain.kit import POST_TEXT_KEY, KitContent, customisable_field
from campaign_engine.services.workspace.library import post_texts

# Below this share of words in common an edit is a rewrite: one change, whole text.
REWRITE_BELOW = 0.3
TOP = 10  # common edits the report lists
PHRASE = 300  # characters of a phrase the report keeps


def kit_text(kit: KitContent, partner: Partner, key: str) -> str:
    """The kit's own text under a customisable key, as this partner would read it: a
    post's copy on its network, or the copy a template falls back to (`custom.<key> or
    copy.<path>`), else the field's default; "" when the kit has none."""
    match = POST_TEXT_KEY.match(key)
    if match is not None:
        return post_texts(kit, partner, match.group(1), {}).get(match.group(2), "")
    field = customisable_field(kit.spec, key)
    if field is None or field.choices is not None:
        return ""
    path = _fallback_copy(kit, key)
    if path is not None:
        from campaign_engine.typeset.context import (  # the kit's copy, as renderers read it
            localise,
            lookup,
        )

        language = (partner.locale or "en").replace("-", "_").split("_")[0].lower()
        try:
            value = lookup(localise(kit.copy_for(language), partner.name, partner.short_name), path)
        except KeyError:
            value = None
        if isinstance(value, str):
            return value
    return field.default if isinstance(field.default, str) else ""


def _fallback_copy(kit: KitContent, key: str) -> str | None:
    """The copy path a kit template shows when the partner has not changed `key`."""
    pattern = re.compile(rf"custom\.{re.escape(key)}\s+or\s+copy\.([A-Za-z0-9_.]+)")
    templates = kit.root / "templates"
    for path in sorted(templates.rglob("*")) if templates.is_dir() else []:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            continue
        found = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
    return None


def record_edits(
    session: Session,
    partner: Partner,
    campaign: Campaign,
    kit: KitContent,
    channel: str,
    asset: str,
    edits: dict[str, str],
    *,
    actor: str,
    now: datetime,
) -> list[ReviewEdit]:
    """Keep each text edit (not a choice among options) beside the kit's text; an edit
    that gives back the kit's own text is no edit."""
    kept = []
    for key, value in edits.items():
        field = customisable_field(kit.spec, key)
        if field is None or field.choices is not None:
            continue
        original = kit_text(kit, partner, key)
        if value.strip() == original.strip():
            continue
        row = ReviewEdit(
            partner_id=partner.id,
            campaign_id=campaign.id,
            kit_id=campaign.kit_version.kit_id,
            channel=channel,
            asset=asset,
            field=key,
            original=original,
            edited=value.strip(),
            actor=actor,
            at=now,
        )
        session.add(row)
        kept.append(row)
    session.flush()
    return kept


@dataclass(frozen=True)
class Change:
    """One run of words the partner replaced: `before` is "" for words added, `after`
    "" for words removed."""

    before: str
    after: str


def changes(original: str, edited: str) -> list[Change]:
    """The word runs that differ between the kit's text and the partner's."""
    old, new = original.split(), edited.split()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if old and matcher.ratio() < REWRITE_BELOW:
        return [Change(" ".join(old), " ".join(new))]
    return [
        Change(" ".join(old[i1:i2]), " ".join(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def unified_diff(original: str, edited: str) -> str:
    """The edit as a unified diff, a word a line (for reading one edit in full)."""
    return "\n".join(
        difflib.unified_diff(original.split(), edited.split(), "kit", "partner", lineterm="", n=3)
    )


def _anonymous(text: str, name: str) -> str:
    """The partner's own name as the kit's placeholder, so the same change made by two
    partners reads the same."""
    return text.replace(name, "{partner}") if name else text


def latest_edits(rows: Iterable[ReviewEdit]) -> list[ReviewEdit]:
    """Each partner's latest edit of each field in each campaign (rows oldest first)."""
    latest: dict[tuple[int, int, str], ReviewEdit] = {}
    for row in rows:
        latest[(row.partner_id, row.campaign_id, row.field)] = row
    return list(latest.values())


def common_edits(rows: list[ReviewEdit], names: dict[int, str]) -> list[dict[str, Any]]:
    """The changes most partners made, most first: field, from, to, and how many partners
    (a partner counts once per change, however many campaigns it made it in)."""
    partners: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for row in rows:
        name = names.get(row.partner_id, "")
        for change in changes(_anonymous(row.original, name), _anonymous(row.edited, name)):
            partners[(row.field, change.before[:PHRASE], change.after[:PHRASE])].add(row.partner_id)
    ranked = sorted(partners.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        {"field": field, "before": before, "after": after, "partners": len(who)}
        for (field, before, after), who in ranked[:TOP]
    ]
