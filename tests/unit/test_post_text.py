"""A post's text within its network's limit: whole sentences dropped from the end before
any word is cut, the link never cut, and the full text when it fits."""

from __future__ import annotations

from campaign_engine.typeset.posts import post_length
from renderers.social_text import post_text

URL = "https://partners.vendor.example/r/abcdefgh"
LONG_NAME = "Acme Systemhaus Gesellschaft für Datenverarbeitung und Informationstechnik mbH"


def test_a_post_that_fits_goes_out_whole():
    text = post_text("Backups ransomware can't touch. Book a check.", ["backup"], URL, "x")
    assert text == f"Backups ransomware can't touch. Book a check.\n\n#backup\n{URL}"


def test_a_long_post_loses_whole_sentences_from_the_end_not_half_of_one():
    body = (
        f"Ransomware goes after your backups first. With Secure Cloud Backup from {LONG_NAME}, "
        "every copy is immutable and off site. How fast could you restore your most "
        "important server after an attack on a Friday night? Book a free check today."
    )
    text = post_text(body, ["backup", "ransomware"], URL, "x")
    kept = text.split("\n\n")[0]
    assert post_length(text, "x") <= 280 and text.endswith(URL)
    assert body.startswith(kept) and kept.endswith("immutable and off site.")
    assert "…" not in text


def test_one_sentence_too_long_alone_is_cut_at_a_word_with_an_ellipsis():
    body = "One sentence that goes on " + "and on " * 60 + "to the end."
    text = post_text(body, [], URL, "x")
    kept = text.split("\n\n")[0]
    assert post_length(text, "x") <= 280 and kept.endswith("on…")
    assert body.startswith(kept[:-1]) and text.endswith(URL)


def test_greek_and_japanese_sentences_end_where_their_scripts_end_them():
    greek = "Πόσο γρήγορα θα επαναφέρατε τον διακομιστή σας; " + "Λέξη " * 60 + "τέλος."
    assert post_text(greek, [], URL, "x").startswith(
        "Πόσο γρήγορα θα επαναφέρατε τον διακομιστή σας;\n\n"
    )
    japanese = "バックアップを守ります。" + "長い文章" * 80 + "。"
    assert post_text(japanese, [], URL, "x").startswith("バックアップを守ります。\n\n")


def test_japanese_sentences_stay_joined_as_written_when_they_fit():
    body = "バックアップを守ります。無料で確認します。" + "長い文章" * 80 + "。"
    kept = post_text(body, [], URL, "x").split("\n\n")[0]
    assert kept == "バックアップを守ります。無料で確認します。"
