"""Text in the images, the lockups and the talking points, for partners nobody tested:
every script drawn in a font that has it (no empty boxes), shaped and in reading order,
lines broken where the language breaks them, and right-to-left names isolated."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pyphen
import pytest
from PIL import Image

from campaign_engine.services.assets.brand.lockup import fallback_lockup
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.sample_partner import sample_brand
from campaign_engine.typeset.glyphs import draw_text, missing_glyphs, runs
from campaign_engine.typeset.textbreak import wrap
from renderers.crm import FSI, PDI, CrmRenderer
from renderers.text_fit import fit_text
from tests.conftest import SAMPLE_KIT

KIT_FONT = str(SAMPLE_KIT / "fonts" / "DejaVuSans-Bold.ttf")
# "back up your data, safe from attack, within thirty minutes", word by word
THAI_WORDS = ["สำรอง", "ข้อมูล", "ของ", "คุณ", "ปลอดภัย", "จาก", "การ", "โจมตี", "ภายใน", "สาม", "สิบ"]
NAMES = {
    "thai": "ร้านกาแฟดอยช้าง คลาวด์",
    "devanagari": "क्लाउड सेवाएँ प्राइवेट लिमिटेड",
    "arabic": "شركة النور للتقنية",
    "hebrew": 'חברת הענן בע"מ',
    "korean": "클라우드백업 주식회사",
    "japanese": "株式会社サンプル・クラウド",
    "emoji": "Rocket IT 🚀 Solutions 👩‍💻",
    "vietnamese": "Công ty Điện toán Đám mây",
}


def measure(text: str) -> float:
    """A fixed-width measure (10 per character): line lengths the test can reason about."""
    return len(text) * 10


@pytest.mark.parametrize("script", sorted(NAMES))
def test_every_script_is_drawn_by_a_font_that_has_it(script):
    name = NAMES[script]
    assert missing_glyphs(name, KIT_FONT) == []
    drawn = draw_text(name, 48, KIT_FONT, (20, 20, 20, 255))
    assert drawn.image.getchannel("A").getbbox() is not None


def test_two_names_of_one_script_are_two_pictures_not_the_same_boxes():
    for one, other in (("ร้านกาแฟ", "บริษัทเมฆ"), ("क्लाउड", "सेवाएँ"), ("شركة", "النور")):
        first = draw_text(one, 48, KIT_FONT, (0, 0, 0, 255)).image
        second = draw_text(other, 48, KIT_FONT, (0, 0, 0, 255)).image
        assert first.tobytes() != second.tobytes()


def test_an_emoji_keeps_its_colours():
    drawn = draw_text("🚀", 64, KIT_FONT, (255, 255, 255, 255)).image.convert("RGB")
    colours = {c for _, c in drawn.getcolors(1 << 16)}
    assert any(max(c) - min(c) > 80 for c in colours), "a colour emoji, not a white shape"


def test_arabic_is_joined_and_reads_right_to_left():
    """Shaped, the letters of a word join (narrower than the letters set apart); in an
    English sentence the Arabic name is one run, right to left, in its place."""
    word = "شركة"
    joined = draw_text(word, 60, KIT_FONT).width
    apart = sum(draw_text(letter, 60, KIT_FONT).width for letter in word)
    assert joined < apart * 0.95
    # alef (tall) then beh (low, wide): right to left, the alef is drawn on the right
    image = draw_text("اب", 80, KIT_FONT, (0, 0, 0, 255)).image.getchannel("A")
    top = image.crop((0, 0, image.width, image.height // 3)).getbbox()
    assert top is not None and top[0] > image.width / 2, "the first letter on the right"
    order = runs("Backups with شركة النور today", KIT_FONT)
    assert [r.rtl for r in order] == [False, True, False]
    assert order[1].text.strip() == "شركة النور"


def test_thai_breaks_between_words_not_inside_them():
    text = "".join(THAI_WORDS)
    bounds = {sum(len(w) for w in THAI_WORDS[:i]) for i in range(len(THAI_WORDS) + 1)}
    for width in (80, 120, 200):  # the longest word is 7 characters: each fits a line
        lines = wrap(text, width, measure, "th")
        assert len(lines) > 1 and "".join(lines) == text
        ends = [sum(len(line) for line in lines[: i + 1]) for i in range(len(lines))]
        assert set(ends) <= bounds, f"a Thai line broke inside a word: {lines}"


def test_a_thai_headline_in_a_post_breaks_at_a_word_boundary():
    text = "".join(THAI_WORDS)
    bounds = {sum(len(w) for w in THAI_WORDS[:i]) for i in range(len(THAI_WORDS) + 1)}
    _, lines = fit_text(KIT_FONT, text, 420, 400, "th")
    assert len(lines) > 1
    ends = [sum(len(line) for line in lines[: i + 1]) for i in range(len(lines))]
    assert set(ends) <= bounds, lines


def test_korean_keeps_its_words_whole():
    text = "클라우드 백업으로 랜섬웨어를 막으세요 지금 바로"
    words = text.split()
    lines = wrap(text, 95, measure, "ko")
    assert len(lines) > 2
    assert all(word in words for line in lines for word in line.split())


def test_a_long_german_compound_is_hyphenated_at_a_syllable():
    word = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
    lines = wrap(f"{word} sichert Ihre Daten", 300, measure, "de")
    pieces = lines[: next(i for i, line in enumerate(lines) if " " in line or i == len(lines) - 1)]
    assert len(pieces) >= 2 and all(p.endswith("-") for p in pieces)
    assert all(measure(line) <= 300 for line in lines)
    joined = "".join(p[:-1] for p in pieces) + lines[len(pieces)].split(" ")[0]
    assert joined == word
    # where the German dictionary allows a hyphen, not anywhere ("elektri-zitäten")
    allowed = set(pyphen.Pyphen(lang="de").positions(word))
    cuts = [sum(len(p) - 1 for p in pieces[: i + 1]) for i in range(len(pieces))]
    assert set(cuts) <= allowed, pieces


def test_cjk_may_break_between_characters_and_a_no_break_space_holds():
    assert len(wrap("株式会社サンプル・クラウド", 50, measure, "ja")) > 2
    lines = wrap("Restored in 14\u00a0minutes, not 4\u00a0days.", 150, measure)
    assert not any(line.endswith(("14", " 4")) for line in lines), lines


def test_the_lockup_of_a_90_letter_name_is_a_block_not_a_strip():
    """Set in one line and scaled to 600 px, the name was 5 px tall; two lines at most
    cut the rest of it off."""
    name = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft mbH"
    with Image.open(io.BytesIO(fallback_lockup(name, "#2e7d32"))) as image:
        assert image.width <= 8.5 * image.height, image.size
        assert image.height >= 90, image.size


def test_an_emoji_in_a_name_prints_in_the_lockup_in_colour():
    with Image.open(io.BytesIO(fallback_lockup("Rocket IT 🚀", "#0b3d91"))) as image:
        colours = {c[:3] for _, c in image.convert("RGBA").getcolors(1 << 20) if c[3] > 200}
    flame = [c for c in colours if c[0] > 180 and c[2] < 120]  # the rocket's red and orange
    assert flame, "the rocket drawn in its colours, not an empty box in navy"


@pytest.fixture(scope="module")
def crm():
    kit, _ = read_kit(SAMPLE_KIT)
    return CrmRenderer(kit)


def _points(crm: CrmRenderer, name: str) -> tuple[dict, str]:
    brand = replace(sample_brand(), name=name)
    asset = crm.render(brand, lambda name: f"https://t.example/r/{name}")
    return (
        json.loads(asset.file("talking-points.json").content),
        asset.file("talking-points.md").content.decode(),
    )


@pytest.mark.parametrize("name", ["شركة النور للتقنية", 'חברת הענן בע"מ'])
def test_a_right_to_left_name_is_isolated_in_english_talking_points(crm, name):
    """Without isolation the sentence's first words were pulled into the name's direction
    ("now offers ... شركة" read backwards in a CRM's text field)."""
    points, markdown = _points(crm, name)
    assert points["pitch"].startswith(f"{FSI}{name}{PDI} now offers")
    assert f"{FSI}{name}{PDI}" in markdown
    assert f"{FSI}{FSI}" not in markdown


def test_a_latin_name_in_english_talking_points_is_left_as_it_is(crm):
    points, _ = _points(crm, "Northwind Partner Ltd")
    assert points["pitch"].startswith("Northwind Partner Ltd now offers")
    assert FSI not in json.dumps(points, ensure_ascii=False)


def test_a_right_to_left_name_is_isolated_in_the_post_text_too():
    from renderers.social import SocialRenderer

    kit, _ = read_kit(SAMPLE_KIT)
    brand = replace(sample_brand(), name="شركة النور", short_name="")
    (launch, *_) = SocialRenderer(kit).render(brand, lambda name: "https://t.example/r/x")
    for platform in ("linkedin", "x", "instagram"):
        text = launch.file(f"launch-{platform}.txt").content.decode()
        assert f"from {FSI}شركة النور{PDI}, every copy" in text, text


def test_japanese_and_chinese_names_break_between_phrases_not_inside_a_word():
    """A review by eye: the banner set 「株式会社雲の守りテ / クノロジーズ」, a katakana word cut
    in two; Unicode allows a break between any two CJK letters, BudouX knows the words."""
    from campaign_engine.typeset.textbreak import wrap

    assert wrap("株式会社雲の守りテクノロジーズ", 9, len, "ja") == [
        "株式会社雲の",
        "守りテクノロジーズ",
    ]
    assert wrap("上海云端安全科技有限公司", 5, len, "zh") == ["上海云端", "安全科技", "有限公司"]


def test_a_japanese_name_mostly_in_kanji_is_tagged_japanese():
    """Tagged Chinese, a name of kanji with a little katakana broke as Chinese does (a
    small ォ starting a line at 390 px: a review by eye)."""
    from campaign_engine.typeset.partner_text import text_lang

    assert text_lang("富士山IT株式会社", "en", "en") == "ja"
    assert text_lang("富士山ソフトォ研究所", "fr", "en") == "ja"
    assert text_lang("龙腾云安全科技有限公司", "en", "en") == "zh"
    assert text_lang("台北網路", "zh", "en") == "zh"


def test_no_hyphen_leaves_a_single_letter_between_two_breaks():
    """pyphen's German dictionary offers "ver-a-r-bei": a name broke as "Datenvera-" /
    "rbeitungs" (a review by eye). Every fragment between breaks has two letters or more."""
    from campaign_engine.typeset.partner_text import soft_hyphens

    word = "Datenverarbeitungsdienstleistungen"
    assert pyphen.Pyphen(lang="de").inserted(word).count("-a-r-"), "the dictionary's own"
    parts = soft_hyphens(word, "de").split("\u00ad")
    assert "".join(parts) == word and len(parts) >= 6
    assert min(len(p) for p in parts) >= 2, parts


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("Kostenloser Backup-Check: Sind Ihre Backups sicher vor Ransomware?", 700),
        ("Kostenloser Backup-Check: Sind Ihre Backups sicher vor Ransomware?", 1000),
    ],
)
def test_a_drawn_headline_is_balanced_with_no_word_alone_and_no_compound_split(text, width):
    """Greedy lines left "Ransomware?" alone on the last line, and a balance that broke
    "Backup- / Check" at its own hyphen is no better: lines of even length, words and
    compounds whole."""
    _, lines = fit_text(KIT_FONT, text, width, 140, "de", 96)
    assert len(lines) > 1 and len(lines[-1].split()) > 1, lines
    assert not any(line.endswith("-") for line in lines), lines
    assert " ".join(lines) == text


@pytest.mark.parametrize(
    ("text", "width", "height", "lang", "cut"),
    [
        ("Ransomware-Bereitschaft in 30\u00a0Minuten", 900, 300, "de", "Ransom-"),
        ("Cloud-Backup", 300, 140, "de", "Cloud-B-"),
        ("Free backup check: are your backups ransomware-proof?", 262, 140, "en", "ransom-"),
        ("Zzzzzzzzzzzz-Qqqqqqqqqqqq", 380, 140, "en", "Zzzzzzzzzzzz-Q-"),
    ],
)
def test_balancing_never_cuts_a_word_that_greedy_lines_kept_whole(text, width, height, lang, cut):
    """Holding a compound's own hyphen, a balance cut it inside a word where it no longer
    fit ("Ransom- / ware-Bereitschaft in / 30 Minuten" on the German webinar image): the
    lines then break at the hyphen, as before (an attack by a helper)."""
    size, lines = fit_text(KIT_FONT, text, width, height, lang)
    assert cut not in lines, f"{size} px: {lines}"
