"""The hard partners import, each with what it needs said: a logo too small, a logo
nearly white, a name too long for a subject. Nothing is refused that a partner could
reasonably send."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Partner
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import load_settings
from tests.conftest import write_config
from tests.hard import write_hard_partners


def test_every_hard_partner_imports_with_its_warnings(tmp_path: Path, sqlite_url: str):
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        result = import_partners(session, write_hard_partners(tmp_path))
    assert result.created == 18
    by_row = "\n".join(result.warnings)
    assert "row 4, column logo: The logo is 12x12 pixels" in by_row  # tiny-logo
    assert "row 2, column logo: The logo is nearly white" in by_row  # white-logo
    assert "row 19, column logo: The logo is nearly black" in by_row  # black-logo
    assert "row 3," not in by_row  # its white logo is the one for dark grounds
    with runtime.sessions() as session:
        partners = {p.slug: p for p in session.scalars(select(Partner))}
        snowline = brand_context(partners["logo-on-dark"])
        assert snowline.logo_on_dark_png and snowline.logo_on_dark_png != snowline.logo_png
        assert brand_context(partners["white-logo"]).logo_on_dark_png is None
        german = brand_context(partners["german"])
        assert german.display_name == "Müller Systemhaus"
        assert brand_context(partners["greek"]).display_name == partners["greek"].name
    runtime.close()


def test_a_row_without_a_field_a_loaded_kit_requires_is_warned_at_import(
    tmp_path: Path, sqlite_url: str
):
    """A review by eye: a partner without a postal address would never get an email and
    one without a phone no brochure, and the import said nothing."""
    from campaign_engine.services.assets.kits import load_kit
    from tests.conftest import SAMPLE_KIT
    from tests.factories import partner_row, write_partners

    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    rows = [partner_row(1), partner_row(2, postal_address=""), partner_row(3, phone="")]
    with runtime.sessions.begin() as session:
        load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        result = import_partners(session, write_partners(tmp_path, rows))
    said = "\n".join(result.warnings)
    assert "row 3: no postal_address: kit" in said and "makes no email" in said
    assert "row 4: no phone: kit" in said and "makes no brochure" in said
    assert "row 2:" not in said
    runtime.close()
