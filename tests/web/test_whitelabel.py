"""White-label: partners see the vendor's programme (settings.programme: name, logo,
colour) in the portal and as the sender of their emails, never the product's name."""

from __future__ import annotations

import pytest

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.errors import ConfigError
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import partner_row, write_partners
from tests.worlds import outbox_messages

LOGO = str(SAMPLE_KIT / "assets" / "vendor-logo.png")


def test_the_portal_and_its_emails_carry_the_programmes_name_logo_and_colour(tmp_path):
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path}/w.db",
        programme={"name": "Northwind Partner Network", "logo": LOGO, "brand_color": "#123456"},
    )
    runtime = bootstrap.build_runtime(load_settings(config))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(1)]))
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    page = client.get("/portal/").get_data(as_text=True)
    assert "Northwind Partner Network" in page and "Campaign engine" not in page
    assert 'src="data:image/png;base64,' in page and "--programme-color: #123456" in page
    client.post("/portal/sign-in", data={"email": "sales@partner01.example"})
    (mail,) = outbox_messages(runtime)
    assert mail["From"].addresses[0].display_name == "Northwind Partner Network"
    runtime.close()


def test_a_logo_that_is_not_an_image_is_a_config_error_naming_the_key(tmp_path):
    (tmp_path / "logo.txt").write_text("not an image")
    config = write_config(
        tmp_path, f"sqlite:///{tmp_path}/w.db", programme={"logo": str(tmp_path / "logo.txt")}
    )
    runtime = bootstrap.build_runtime(load_settings(config))
    with pytest.raises(ConfigError, match=r"programme\.logo"):
        create_app(runtime)
    runtime.close()
