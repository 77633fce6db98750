"""Hostile values that validate (an attack test of the session's changes): a contact
address with mail fields before its @, a logo carrying a colour profile of arbitrary
bytes, and a strip of a logo one pixel wide whose rows cost gigabytes to decode."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from campaign_engine.domain.tracking import mailto
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.brand.logos import normalise_logo
from campaign_engine.services.partners.directory import PartnerRow
from tests.factories import partner_row

HOSTILE = "sales?bcc=spy%40evil.example&subject=Hi&body=x@partner.example"


def test_an_address_with_fields_before_its_at_links_to_itself_only():
    PartnerRow.model_validate({**partner_row(1), "contact_email": HOSTILE})  # it validates
    link = mailto(HOSTILE)
    assert link.startswith("mailto:") and "?" not in link and "&" not in link
    assert (
        link
        == "mailto:sales%3Fbcc%3Dspy%2540evil.example%26subject%3DHi%26body%3Dx@partner.example"
    )
    assert mailto("") == ""


def test_a_logos_colour_profile_is_not_passed_on():
    image = Image.new("RGB", (300, 100), "#0b3d91")
    out = io.BytesIO()
    image.save(out, format="PNG", icc_profile=b"\x00" * 200_000)
    with Image.open(io.BytesIO(normalise_logo(out.getvalue(), where="logo"))) as logo:
        assert "icc_profile" not in logo.info


@pytest.mark.parametrize("size", [(1, 25_000), (25_000, 1), (4100, 100)])
def test_a_strip_is_refused_before_it_is_decoded(size):
    out = io.BytesIO()
    Image.new("RGBA", size, (11, 61, 145, 255)).save(out, format="PNG")
    with pytest.raises(InvalidInput, match=r"at most 40:1"):
        normalise_logo(out.getvalue(), where="logo")
