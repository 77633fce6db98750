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
