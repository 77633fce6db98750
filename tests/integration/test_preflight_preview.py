"""A preview is what goes out, and an asset the kit requires a missing field for is held
everywhere it is made.

The X post a preview shows is the one a launch sends, character for character but the
link's token: the preview used direct links to `.example` targets, which twitter-text
does not count as links (23) but in full, so previews were cut with "…" where the send
was not. A partner without the phone and website the kit's brochure requires gets no
brochure in its preview, and preflight holds it with the reason."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_engine.db import Partner
from campaign_engine.domain.kit import post_text_key
from campaign_engine.ports import BROCHURE
from campaign_engine.services.assets.artifacts import render_assets
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.preflight.run import preflight
from campaign_engine.services.assets.preview import preview_version
from campaign_engine.services.attribution.links import link_urls
from tests.factories import partner_row
from tests.worlds import planned_campaign

LONG = (
    "Ransomware does not wait for office hours, and neither do we: our engineers restore "
    "your files from immutable copies, test every backup each quarter and answer the "
    "phone at three in the morning when it matters most to your business and customers"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    rows = [partner_row(1), partner_row(2, phone="", website="")]
    runtime, campaign_id = planned_campaign(
        folder, f"sqlite:///{folder}/engine.db", partners=2, contacts=1, name="P", rows=rows
    )
    yield runtime, campaign_id
    runtime.close()


def _masked(text: str) -> str:
    return re.sub(r"/r/[A-Za-z0-9_-]{16}", "/r/<token>", text)


def _post(assets, name: str) -> str:
    return next(f for a in assets for f in a.files if f.name == name).content.decode()


def test_the_x_post_a_preview_shows_is_the_one_a_launch_sends(world):
    runtime, campaign_id = world
    edits = {post_text_key("launch", "x"): LONG}
    with runtime.sessions() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        kit, shown = preview_version(
            runtime, session, partner, _version(session, campaign_id), edits
        )
        links = link_urls(
            session, campaign_id, partner.id, "social", runtime.settings.public_base_url
        )
        brand = brand_context(partner, {**shown.brand.customisations})
        _, sent, _ = render_assets(runtime, kit, brand, "social", links)
    previewed, delivered = _post(shown.assets, "launch-x.txt"), _post(sent, "launch-x.txt")
    assert "…" in delivered, "the custom text is long enough to be cut"
    assert _masked(previewed) == _masked(delivered)
    linkedin = _post(shown.assets, "launch-linkedin.txt").rsplit("\n", 1)[-1]
    assert linkedin != previewed.rsplit("\n", 1)[-1], "one link per network, as sent"


def test_a_partner_without_the_brochures_fields_gets_no_brochure_and_is_held(world):
    runtime, campaign_id = world
    with runtime.sessions() as session:
        partners = list(session.scalars(select(Partner).order_by(Partner.slug)))
        version = _version(session, campaign_id)
        kit, complete = preview_version(runtime, session, partners[0], version)
        _, lacking = preview_version(runtime, session, partners[1], version)
        reports = preflight(
            kit,
            runtime.renderers(kit),
            partners,
            base_url=runtime.settings.public_base_url,
            storage_dir=runtime.settings.storage_dir,
            browser=False,
        )
    assert BROCHURE in {a.asset for a in complete.assets} and complete.held == {}
    assert BROCHURE not in {a.asset for a in lacking.assets}
    assert "a phone number, a website (phone, website)" in lacking.held[BROCHURE]
    by_slug = {r.slug: r for r in reports}
    assert not by_slug["partner-01"].blocked
    (held,) = [p for p in by_slug["partner-02"].problems if p.code == "required_field_missing"]
    assert held.asset == BROCHURE and "phone" in held.message
    assert not held.blocks and not by_slug["partner-02"].blocked, "its email and posts still go"


def _version(session, campaign_id):
    from campaign_engine.db import Campaign

    return session.get(Campaign, campaign_id).kit_version
