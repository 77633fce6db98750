"""Small builders for test data: partner and contact CSVs with real logo files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image, ImageDraw

PARTNER_COLUMNS = [
    "slug",
    "name",
    "contact_email",
    "website",
    "phone",
    "logo",
    "primary_color",
    "secondary_color",
    "tier",
    "region",
    "vertical",
    "timezone",
    "locale",
    "postal_address",
]
COLOURS = [
    "#c2185b",
    "#1565c0",
    "#2e7d32",
    "#ef6c00",
    "#6a1b9a",
    "#00838f",
    "#ad1457",
    "#283593",
    "#4e342e",
    "#d84315",
    "#00695c",
    "#37474f",
]


def logo_png(color: str, size: tuple[int, int] = (240, 80)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle((4, 4, size[0] - 4, size[1] - 4), 12, fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def partner_row(i: int, **overrides: str) -> dict[str, str]:
    row = {
        "slug": f"partner-{i:02d}",
        "name": f"Partner {i:02d} Systems",
        "contact_email": f"sales@partner{i:02d}.example",
        "website": f"https://partner{i:02d}.example",
        "phone": f"+44 20 7946 0{i:03d}",
        "logo": f"logos/partner-{i:02d}.png",
        "primary_color": COLOURS[i % len(COLOURS)],
        "secondary_color": "#f2b705",
        "tier": "gold" if i % 2 else "silver",
        "region": "emea",
        "vertical": "retail",
        "timezone": "Europe/London",
        "locale": "en-GB",
        "postal_address": f"{i} High Street, London",
    }
    row.update(overrides)
    return row


def write_partners(folder: Path, rows: list[dict[str, str]], name: str = "partners.csv") -> Path:
    (folder / "logos").mkdir(parents=True, exist_ok=True)
    for row in rows:
        if row.get("logo") and not (folder / row["logo"]).exists():
            colour = row["primary_color"] if row["primary_color"].startswith("#") else "#888888"
            (folder / row["logo"]).write_bytes(logo_png(colour))
    path = folder / name
    columns = list(dict.fromkeys(PARTNER_COLUMNS + [k for r in rows for k in r]))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_contacts(
    folder: Path, slugs: list[str], per_partner: int, name: str = "contacts.csv"
) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "email", "first_name", "last_name", "company"])
        for slug in slugs:
            for n in range(per_partner):
                writer.writerow(
                    [
                        slug,
                        f"buyer{n}@{slug}-customer.example",
                        f"Buyer{n}",
                        "Example",
                        f"{slug} customer",
                    ]
                )
    return path


def render_web(kit_dir: Path, template: str) -> str:
    """The kit's web asset rendered with `template` as its template, for a sample partner."""
    from campaign_engine.bootstrap import make_renderers
    from campaign_engine.services.assets.kits import read_kit
    from campaign_engine.services.assets.sample_partner import sample_brand

    (kit_dir / "templates" / "web.html").write_text(template)
    kit, problems = read_kit(kit_dir)
    assert kit is not None and not problems
    asset = make_renderers(kit).web.render(sample_brand(), lambda name: f"https://t.example/{name}")
    return asset.files[0].content.decode()


def email_only_kit(folder: Path) -> Path:
    """The sample kit with its email and nothing else: for tests about sending (crashes,
    pauses, takeovers) that would otherwise spend most of their time rendering every
    partner's brochure, posts and pages they never look at."""
    import shutil

    import yaml

    from tests.conftest import SAMPLE_KIT

    kit_dir = folder / "email-only-kit"
    shutil.copytree(SAMPLE_KIT, kit_dir)
    manifest = yaml.safe_load((kit_dir / "kit.yaml").read_text(encoding="utf-8"))
    manifest["assets"] = {"email": manifest["assets"]["email"]}
    manifest["customisable"].pop("posts", None)
    manifest.pop("sequence", None)
    (kit_dir / "kit.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    return kit_dir
