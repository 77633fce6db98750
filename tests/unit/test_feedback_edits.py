"""Issue 30: the edits partners make in review, as the vendor reads them: the kit's own
text found for each field, the words each partner changed, and the changes most partners
made (the same change by two partners, each with its own name in the text, counts two)."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign_engine.db import Partner, ReviewEdit
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.feedback.edits import (
    Change,
    changes,
    common_edits,
    kit_text,
    latest_edits,
    unified_diff,
)
from tests.conftest import SAMPLE_KIT

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _partner(name: str, locale: str = "en-GB") -> Partner:
    return Partner(id=hash(name) % 1000, name=name, locale=locale)


def test_the_kits_own_text_is_what_the_partner_read_before_editing():
    kit, problems = read_kit(SAMPLE_KIT)
    assert kit is not None and not problems
    acme = _partner("Acme Ltd")
    post = kit_text(kit, acme, "post:launch:linkedin")
    assert post.startswith("Ransomware goes after your backups first. With Secure Cloud Backup")
    assert "from Acme Ltd," in post  # the partner's name, as the partner read it
    # a declared field: the copy its template falls back to, in the partner's language
    assert kit_text(kit, acme, "intro").startswith("Ransomware crews now go after the backups")
    assert kit_text(kit, _partner("Acme GmbH", "de-DE"), "intro") != kit_text(kit, acme, "intro")
    assert kit_text(kit, acme, "cta_text") == "Book a free backup check"
    assert kit_text(kit, acme, "posts") == ""  # a choice among posts is not a text


def test_changes_are_the_runs_of_words_replaced_added_or_removed():
    kit = "Book a free backup check today"
    assert changes(kit, "Book a free backup review today") == [Change("check", "review")]
    assert changes(kit, "Book a backup check today") == [Change("free", "")]
    assert changes(kit, "Book a free backup check today, on us") == [
        Change("today", "today, on us")
    ]
    # rewritten from scratch: one change, the whole text
    assert changes(kit, "Call us") == [Change(kit, "Call us")]
    assert changes(kit, kit) == []
    diff = unified_diff(kit, "Book a free backup review today")
    assert "-check" in diff and "+review" in diff


def _edit(partner: Partner, original: str, edited: str, campaign: int = 1, at=NOW) -> ReviewEdit:
    return ReviewEdit(
        partner_id=partner.id,
        campaign_id=campaign,
        kit_id=1,
        channel="email",
        asset="email",
        field="intro",
        original=original,
        edited=edited,
        actor="t",
        at=at,
    )


def test_the_most_common_edit_counts_partners_not_campaigns():
    a, b, c = _partner("Acme Ltd"), _partner("Bolt plc"), _partner("Core AG")
    kit = "Backups by {p} that ransomware cannot touch"
    rows = [
        _edit(a, kit.replace("{p}", a.name), f"Backups by {a.name} that attackers cannot touch"),
        _edit(a, kit.replace("{p}", a.name), f"Backups by {a.name} that attackers cannot touch", 2),
        _edit(b, kit.replace("{p}", b.name), f"Backups by {b.name} that attackers cannot touch"),
        _edit(c, kit.replace("{p}", c.name), f"Backups by {c.name} that ransomware never touches"),
    ]
    names = {p.id: p.name for p in (a, b, c)}
    top = common_edits(rows, names)
    assert top[0] == {"field": "intro", "before": "ransomware", "after": "attackers", "partners": 2}
    assert top[1:] == [
        {"field": "intro", "before": "cannot touch", "after": "never touches", "partners": 1}
    ]


def test_a_partners_later_edit_of_the_same_field_replaces_its_earlier_one():
    a = _partner("Acme Ltd")
    first = _edit(a, "the kit", "first try")
    second = _edit(a, "the kit", "second try")
    assert latest_edits([first, second]) == [second]
