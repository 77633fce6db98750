"""Brand maths: WCAG contrast, readable text, phone formats, UTM tags."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from campaign_engine.domain.brand import (
    accent_on_white,
    contrast_ratio,
    normalise_hex,
    readable_text_on,
)
from campaign_engine.domain.tracking import with_utm
from campaign_engine.services.assets.brand.context import format_phone


def test_black_on_white_is_21_to_1():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


@pytest.mark.parametrize(
    "background", ["#fff176", "#0b3d91", "#c2185b", "#2e7d32", "#f9a825", "#777777", "#00ffff"]
)
def test_text_on_any_brand_colour_meets_aa(background):
    assert contrast_ratio(background, readable_text_on(background)) >= 4.5


def test_light_yellow_gets_dark_text_and_navy_white():
    assert readable_text_on("#fff176") == "#1d2433"
    assert readable_text_on("#0b3d91") == "#ffffff"


@pytest.mark.parametrize("colour", ["#fff176", "#ffd54f", "#80deea", "#0b3d91"])
def test_accent_colours_are_readable_on_white(colour):
    assert contrast_ratio(accent_on_white(colour), "#ffffff") >= 4.5


def test_short_hex_is_expanded_and_junk_refused():
    assert normalise_hex("#AbC") == "#aabbcc"
    with pytest.raises(ValueError):
        normalise_hex("blue")


@pytest.mark.parametrize(
    "raw, locale, shown",
    [
        ("030 901820", "de-DE", "+49 30 901820"),
        ("+44 20 7946 0018", "en-GB", "+44 20 7946 0018"),
        ("(312) 555-0142", "en-US", "+1 312-555-0142"),
        ("call us", "en-GB", "call us"),
    ],
)
def test_phone_numbers_are_formatted_for_the_partners_country(raw, locale, shown):
    assert format_phone(raw, locale) == shown


def test_utm_tags_are_added_lowercase_and_existing_ones_kept():
    url = with_utm(
        "https://v.example/p?utm_source=keep&x=1",
        source="Acme",
        medium="email",
        campaign="Q3",
        content="Hero",
    )
    query = parse_qs(urlsplit(url).query)
    assert query["utm_source"] == ["keep"] and query["x"] == ["1"]
    assert query["utm_medium"] == ["email"] and query["utm_campaign"] == ["q3"]
    assert query["utm_content"] == ["hero"]


def test_the_brochure_s_fields_do_not_hold_back_the_email():
    """No campaign send carries the brochure, so a partner without a phone or a website
    still gets its email; the brochure keeps its own requirements."""
    from campaign_engine.services.assets.kits import read_kit
    from tests.conftest import SAMPLE_KIT

    kit, problems = read_kit(SAMPLE_KIT)
    assert kit is not None, problems
    assert kit.spec.requirements("email") == ["contact_email", "postal_address"]
    assert kit.spec.requirements("brochure") == ["phone", "website"]


@pytest.mark.parametrize(
    "colour, plate",
    [
        ("#1d3557", None),
        ("#888888", None),
        ("#999999", "dark"),
        ("#f2b705", "dark"),
        ("#ffffff", "dark"),
    ],
)
def test_a_logo_gets_the_plate_that_sets_it_off_at_3_to_1(colour, plate):
    """A mid-grey logo on white used to get a white plate: no help, and held by preflight."""
    from campaign_engine.domain.brand import plate_for_logo, relative_luminance

    assert plate_for_logo(relative_luminance(colour)) == plate


def test_preflight_checks_each_networks_post_length_and_says_when_text_was_cut():
    from campaign_engine.ports import RenderedAsset, RenderedFile
    from campaign_engine.services.assets.preflight.checks_posts import check_post

    def post(x_text: str, shortened: str = "") -> RenderedAsset:
        files = (
            RenderedFile("launch-x.txt", "text/plain", x_text.encode(), "x"),
            RenderedFile("launch-linkedin.txt", "text/plain", b"fine", "linkedin"),
        )
        return RenderedAsset("social", "launch", files, {"shortened": shortened})

    assert check_post(post("a" * 280)) == []
    (too_long,) = check_post(post("a" * 281))
    assert (too_long.code, too_long.blocks) == ("post_too_long", True)
    assert "281 characters; x takes 280" in too_long.message
    (cut,) = check_post(post("short…", shortened="x"))
    assert (cut.code, cut.blocks) == ("post_shortened", False)


def test_the_social_renderer_says_which_networks_text_it_cut():
    from dataclasses import replace

    from campaign_engine.services.assets.kits import read_kit
    from campaign_engine.services.assets.sample_partner import sample_brand
    from renderers.social import SocialRenderer
    from tests.conftest import SAMPLE_KIT

    kit, _ = read_kit(SAMPLE_KIT)
    long_text = {"post:launch:x": "word " * 60}  # the partner's own text, over X's room
    brand = replace(sample_brand(), customisations=long_text)
    links = {name: "https://t.example/r/abcdefghijklmnop" for name in kit.spec.links}
    links |= {f"{n}:{p}": links[n] for n in kit.spec.links for p in ("linkedin", "instagram", "x")}
    (launch, *_) = SocialRenderer(kit).render(brand, links.__getitem__)
    assert launch.meta["shortened"] == "x"


@pytest.mark.parametrize("colour", ["#ffe600", "#fff176", "#e4f2e3", "#0b3d91", "#c2185b"])
def test_a_brand_fill_keeps_the_partners_colour_with_text_that_reads_on_it(colour):
    """A light brand colour was darkened for bands and buttons (#ffe600 printed olive):
    the fill is the colour itself, and the text on it is chosen by contrast."""
    from campaign_engine.domain.brand import brand_fill, delta_e

    fill = brand_fill(colour, "#1d3557")
    assert fill == colour and delta_e(fill, colour) == 0
    assert contrast_ratio(fill, readable_text_on(fill)) >= 4.5
    assert readable_text_on("#ffe600") == "#1d2433"


def test_only_a_fill_near_white_gets_a_darker_edge():
    from campaign_engine.domain.brand import NON_TEXT, fill_edge

    assert fill_edge("#ffe600") == "#ffe600"  # yellow shows on white: no edge to draw
    assert fill_edge("#0b3d91") == "#0b3d91"
    for pale in ("#ffffff", "#f5f5f5", "#eeeeee", "#fff6b3"):  # a pale yellow, 34 from white
        edge = fill_edge(pale)
        assert edge != pale and contrast_ratio(edge, "#ffffff") >= NON_TEXT


def test_links_on_white_take_the_first_readable_brand_colour():
    from campaign_engine.domain.brand import accent_for

    assert accent_for("#0b3d91", "#ffe600") == "#0b3d91"
    assert accent_for("#ffe600", "#0b3d91") == "#0b3d91"  # the navy secondary, not olive
    only_yellow = accent_for("#ffe600", "#fff176")
    assert contrast_ratio(only_yellow, "#ffffff") >= 4.5
    assert only_yellow == "#1d2433", "the dark text beside its yellow fills, not olive"
    # a white brand whose hue is a light blue (its logo's): blue links, not a grey one
    from campaign_engine.domain.brand import lab

    icy = accent_for("#ffffff", "#8ecae6")
    assert contrast_ratio(icy, "#ffffff") >= 4.5
    _, a, b = lab(icy)
    assert b < -10 and (a * a + b * b) ** 0.5 > 12, f"{icy} is blue, not grey"


def test_colour_difference_is_measured_as_the_eye_sees_it():
    from campaign_engine.domain.brand import delta_e, lab

    assert lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert delta_e("#ffffff", "#ffffff") == 0
    assert 2 < delta_e("#f5f5f5", "#ffffff") < 5 and delta_e("#ffe600", "#ffffff") > 80


def test_a_white_brand_fills_with_its_secondary_and_a_light_one_keeps_its_own():
    """A review by eye: a #ffffff brand's header band and button were white on white; a
    light mint (#e4f2e3) is still the partner's colour and keeps it."""
    from campaign_engine.domain.brand import brand_fill

    assert brand_fill("#ffffff", "#ffe600") == "#ffe600"
    assert brand_fill("#ffffff", "#f7f7f7") == "#ffffff"  # no colour to give: its own white
    assert brand_fill("#e4f2e3", "#0a1c11") == "#e4f2e3"
    assert brand_fill("#ffe600", "#1d3557") == "#ffe600"


def test_a_pale_button_gets_an_edge_that_stands_out_from_white():
    """#ffffe0 and #fff8c6 buttons were 1.02:1 and 1.08:1 against the page, with no
    edge; the edge is a shade at 3:1 (what WCAG asks of a control's boundary)."""
    from campaign_engine.domain.brand import contrast_ratio, fill_edge

    for pale in ("#ffffe0", "#fff8c6", "#ffd1dc"):
        assert contrast_ratio(fill_edge(pale), "#ffffff") >= 3.0, pale
    assert fill_edge("#ffe600") == "#ffe600"  # plain to see: no edge


def test_a_phone_number_keeps_its_grouping_unless_it_is_a_valid_one():
    from campaign_engine.services.assets.brand.context import format_phone

    assert format_phone("+971 4 123 4567", "ar-AE") == "+971 4 123 4567"
    assert format_phone("+44 20 7946 0000", "en-GB") == "+44 20 7946 0000"
    assert format_phone("+4930901820", "de-DE") == "+49 30 901820"
    # written international and grouped: kept as the partner writes it
    assert format_phone("+49 89 1234 5678-0", "de-DE") == "+49 89 1234 5678-0"
    assert format_phone("+30 210 555 1234", "el-GR") == "+30 210 555 1234"


def test_nowidow_binds_a_headings_last_two_words():
    from markupsafe import Markup

    from campaign_engine.typeset.sandbox import nowidow

    assert nowidow("Backups ransomware cannot touch") == "Backups ransomware cannot\u00a0touch"
    assert nowidow("Two words") == "Two words"  # nothing to keep a word company
    assert nowidow("Ends in Donaudampfschifffahrtsgesellschaft") == (
        "Ends in Donaudampfschifffahrtsgesellschaft"
    )  # a long last word breaks where it must
    marked = nowidow(Markup("<b>Safe</b> and sound here"))
    assert isinstance(marked, Markup) and marked == Markup("<b>Safe</b> and sound\u00a0here")


def test_a_partner_in_the_us_without_a_region_in_its_locale_prints_on_letter():
    """A partner in America/Chicago with locale "en" printed on A4 (a review by eye)."""
    from renderers.pdf import page_size

    assert page_size("en", "America/Chicago") == "letter"
    assert page_size("en", "Europe/London") == "A4"
    assert page_size("en-GB", "America/Chicago") == "A4"  # the locale's region decides
    assert page_size("es-MX") == "letter"


@pytest.mark.parametrize(
    ("name", "short", "subject", "advice"),
    [
        # the partner's long name makes the subject long, and it has no short name
        (
            "Müller Systemhaus für Informationstechnik GmbH",
            "",
            "Müller Systemhaus für Informationstechnik GmbH + Northwind: Backups sicher",
            "Give the partner a short name",
        ),
        # a short name is already used: the kit's own words are what is long
        (
            "Société Générale d'Informatique",
            "SGI",
            "SGI + Northwind : des sauvegardes que les rançongiciels ne peuvent pas toucher",
            "The kit's subject (fr) is long: shorten it",
        ),
        # no short name, but even a short one would leave the subject over the limit
        (
            "Acme",
            "",
            "Acme + Northwind: " + "backups ransomware cannot touch, restored in minutes " * 2,
            "The kit's subject (fr) is long: shorten it",
        ),
    ],
)
def test_a_long_subject_is_blamed_on_whoever_can_shorten_it(name, short, subject, advice):
    from dataclasses import replace

    from campaign_engine.services.assets.preflight.checks_email import subject_advice
    from campaign_engine.services.assets.sample_partner import sample_brand

    brand = replace(sample_brand(), name=name, short_name=short, locale="fr-FR")
    assert subject_advice(subject, brand) == advice
