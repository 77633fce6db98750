"""A throwaway workspace (SQLite in a temporary folder) where generated partners are
imported as a vendor imports them, and each partner's assets are made as they would be
sent: through the app's public entry points (partner import, kit validation, preview and
preflight), never by calling a renderer directly."""

from __future__ import annotations

import csv
import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_engine import bootstrap
from campaign_engine import migrate as schema
from campaign_engine.errors import InvalidInput
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets import kits
from campaign_engine.services.assets.preview import browser_html, preview_partner
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.judge.judge import PartnerOutput

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KIT = ROOT / "kits" / "secure-cloud-q3"
ROW = re.compile(r"row (\d+)")


@dataclass
class Imported:
    rows: dict[str, dict[str, str]]  # slug -> the CSV row, for every partner imported
    refused: dict[str, str]  # slug -> why the import refused its row
    folder: Path  # the CSV's folder, where its logo paths lead


class Workspace:
    """An engine on SQLite in `folder` with the sample kit read."""

    def __init__(self, folder: Path, kit_dir: Path = SAMPLE_KIT, *, migrate: bool = True) -> None:
        """`migrate=False`: open a workspace another process made (a bench worker)."""
        from tests.conftest import write_config

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "config.yaml"
        if migrate or not config.exists():
            config = write_config(folder, f"sqlite:///{folder / 'engine.db'}")
        self.runtime: Runtime = bootstrap.build_runtime(load_settings(config))
        if migrate:
            schema.upgrade(self.runtime.engine)
        # read, not validated: the full check renders every asset in every locale (12 s);
        # a kit that renders for no partner shows in the figures anyway
        kit, problems = kits.read_kit(kit_dir)
        if kit is None or problems:
            raise ValueError(f"{kit_dir}: {problems}")
        self.kit = kit
        self.renderers = bootstrap.renderers_for(self.kit)

    def import_csv(self, path: Path) -> Imported:
        """The CSV imported as `campaign-engine partners import` does (all or nothing):
        a row the import refuses is recorded with the reason, left out, and the rest
        imported again, so one refused partner does not hide the others."""
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        refused: dict[str, str] = {}
        while rows:
            attempt = path.with_name(f"{path.stem}-attempt.csv")
            _write(attempt, rows)
            try:
                with self.runtime.sessions.begin() as session:
                    import_partners(session, attempt)
                break
            except InvalidInput as exc:
                found = ROW.search(exc.where or "")
                if found is None:
                    raise
                bad = rows.pop(int(found.group(1)) - 2)
                refused[bad["slug"]] = exc.detail
        return Imported({r["slug"]: r for r in rows}, refused, path.parent)

    def output(self, slug: str, row: dict[str, str], folder: Path | None = None) -> PartnerOutput:
        """The partner's assets as they would be sent (links shaped as a send's); `folder`
        is the CSV's, for the logo file the vendor uploaded."""
        with self.runtime.sessions() as session:
            partner = get_partner(session, slug)
            kwargs: dict[str, Any] = {"storage_dir": self.runtime.settings.storage_dir}
            if "as_sent" in inspect.signature(preview_partner).parameters:
                kwargs["as_sent"] = True
            shown = preview_partner(
                self.kit, self.renderers, partner, self.runtime.settings.public_base_url, **kwargs
            )
        logos = tuple(x for x in (shown.brand.logo_png, shown.brand.logo_on_dark_png) if x)
        return PartnerOutput(
            slug=slug,
            row=row,
            assets=shown.assets,
            email_html=browser_html(shown.email) if shown.email is not None else None,
            email_text=shown.email.body_text if shown.email is not None else None,
            logo_pngs=logos,
            held=dict(getattr(shown, "held", {}) or {}),
            uploaded_logo=(folder / row["logo"]).read_bytes()
            if folder and row.get("logo")
            else None,
        )

    def preflight(self, slugs: Sequence[str], *, browser: bool = True) -> dict[str, Any]:
        """The engine's own preflight (as `kits preflight` runs it) per slug."""
        from campaign_engine.services.assets.preflight.run import preflight

        with self.runtime.sessions() as session:
            partners = [get_partner(session, s) for s in slugs]
            reports = preflight(
                self.kit,
                self.renderers,
                partners,
                base_url=self.runtime.settings.public_base_url,
                storage_dir=self.runtime.settings.storage_dir,
                browser=browser,
            )
        return {r.slug: r for r in reports}

    def close(self) -> None:
        self.runtime.engine.dispose()


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
