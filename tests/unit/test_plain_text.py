"""What a partner may type into a field every asset prints: any script, emoji and the
joiners scripts need; never a character no document can hold or one that rewrites the
text around it."""

from __future__ import annotations

import re

import pytest

from campaign_engine.domain.plain_text import plain_text


@pytest.mark.parametrize(
    "value",
    [
        "Zoë Größe",
        "עברית בע״מ",
        "شركة الخليج",
        "กรุงเทพ",
        "👩‍💻 Dev Shop",
        "Netz\u00adwerk",
        "a\u200db",
    ],
)
def test_any_script_emoji_and_joiners_pass_unchanged(value):
    assert plain_text(value, lines=False) == value


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("North\bwind", "U+0008"),
        ("a\x00b", "U+0000"),
        ("one\u2028two", "LINE SEPARATOR"),
        ("cheap\u202eoffer", "RIGHT-TO-LEFT OVERRIDE"),
        ("x\ufffey", "U+FFFE"),
        ("x\ud800y", "U+D800"),
        ("two\nlines", "a line break"),
    ],
)
def test_what_no_document_can_hold_is_refused_by_name(value, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        plain_text(value, lines=False)


def test_a_paragraph_keeps_its_lines_and_tabs_as_plain_ones():
    assert plain_text("Suite 4\r\n1 Main St\tEast", lines=True) == "Suite 4\n1 Main St\tEast"
    with pytest.raises(ValueError, match="PARAGRAPH SEPARATOR"):
        plain_text("Suite 4\u20291 Main St", lines=True)


def test_a_partners_own_text_in_a_kit_follows_the_same_rule():
    """An attacker's report: review edits and `partners customise` stored NUL, RLO, U+2028,
    U+FFFE and a lone surrogate, and the library then answered 500. A value stored before
    the rule is dropped at render, not sent."""
    from campaign_engine.domain.kit import check_customisation, valid_customisations
    from campaign_engine.services.assets.kits import read_kit
    from tests.conftest import SAMPLE_KIT

    kit, _ = read_kit(SAMPLE_KIT)
    spec = kit.spec
    key = next(k for k, f in spec.customisable.items() if f.choices is None)
    assert check_customisation(spec, key, "Two lines\nof intro") == "Two lines\nof intro"
    for bad in ("Hi \u202eereht", "Nul\x00", "a\u2028b", "x\ufffe", "Caf\udce9"):
        with pytest.raises(ValueError, match="not allowed here"):
            check_customisation(spec, key, bad)
    assert valid_customisations(spec, {key: "Nul\x00"}) == {}


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\u200e\u200f\u061c", "\u3164", "\u0301"])
def test_a_value_of_invisible_characters_shows_nothing(blank):
    from campaign_engine.domain.plain_text import shows_something

    assert not shows_something(blank)


@pytest.mark.parametrize("name", ["Zoë", "กรุงเทพ", "👩\u200d💻", "\u2068شركة\u2069", "하늘", "."])
def test_any_real_name_shows_something(name):
    from campaign_engine.domain.plain_text import shows_something

    assert shows_something(name)


def test_the_partner_import_refuses_an_invisible_name_or_address_naming_the_field():
    """An attacker's report: a name of U+200B sent email "from  via Northwind", and an
    address of U+200B met the email's required postal address."""
    from pydantic import ValidationError

    from campaign_engine.services.partners.directory import PartnerRow
    from tests.factories import partner_row

    for field in ("name", "postal_address", "short_name"):
        with pytest.raises(ValidationError, match="nothing in it shows") as found:
            PartnerRow.model_validate({**partner_row(1), field: "\u200b\u3164"})
        assert found.value.errors()[0]["loc"] == (field,)
