"""Renderers are kept per kit version and folder: a second engine in one process (a
test's, a restore's) renders from its own copy of the kit once the first copy is gone."""

from __future__ import annotations

import shutil
from dataclasses import replace

from campaign_engine import bootstrap
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.sample_partner import sample_brand
from tests.conftest import SAMPLE_KIT


def test_a_kit_copy_that_is_gone_does_not_break_another_copy_of_the_same_version(tmp_path):
    copies = []
    for name in ("first", "second"):
        shutil.copytree(SAMPLE_KIT, tmp_path / name)
        kit, problems = read_kit(tmp_path / name)
        assert kit is not None and not problems
        copies.append(replace(kit, content_hash="same-version"))
    bootstrap.renderers_for(copies[0])
    shutil.rmtree(tmp_path / "first")  # the first engine's storage, cleaned up
    email = bootstrap.renderers_for(copies[1]).email
    assert email is not None
    links = {n: f"https://t.example/r/{n}" for n in copies[1].spec.links}
    rendered = email.render(sample_brand(), links.__getitem__)
    assert rendered.file("email.html").content
