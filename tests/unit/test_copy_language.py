"""A partner whose language the kit has no copy for is told so (a review by eye found nine
languages silently falling back to English), and one the kit speaks is not."""

from __future__ import annotations

from dataclasses import replace

from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.sample_partner import sample_brand
from tests.conftest import SAMPLE_KIT


def test_a_language_the_kit_lacks_is_a_warning_naming_both_languages():
    kit, _ = read_kit(SAMPLE_KIT)
    thai = [p for p in check_brand(kit, replace(sample_brand(), locale="th-TH"))]
    (found,) = [p for p in thai if p.code == "copy_language"]
    assert not found.blocks
    assert "Thai" in found.message and "English" in found.message
    for locale in ("de-DE", "fr-FR", "en-US"):
        problems = check_brand(kit, replace(sample_brand(), locale=locale))
        assert "copy_language" not in {p.code for p in problems}, locale
