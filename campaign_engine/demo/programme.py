"""Sample programme for the demo: 150 partners with logos, colours and contacts.

Written as CSV files and imported through the same services a vendor uses, so the demo
exercises the real import path.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from campaign_engine.services.assets.brand.logos import FONT

TIERS = ["platinum", "gold", "silver", "registered"]
REGIONS = [
    ("emea", "en-GB", "Europe/London", "+44 20 7946 {n:04d}"),
    ("dach", "de-DE", "Europe/Berlin", "+49 30 901820{n:02d}"),
    ("france", "fr-FR", "Europe/Paris", "+33 1 44 55 {n:04d}"),
    ("na", "en-US", "America/New_York", "+1 212 555 {n:04d}"),
    ("apac", "en-AU", "Australia/Sydney", "+61 2 5550 {n:04d}"),
]
VERTICALS = ["healthcare", "manufacturing", "retail", "finance", "public-sector", "legal"]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Maria",
    "Lukas",
    "Chloé",
    "Priya",
    "Tom",
    "Aiko",
    "Noah",
    "Emma",
    "Jonas",
    "Léa",
    "Omar",
    "Grace",
    "Felix",
    "Zoe",
    "Mateo",
    "Hannah",
    "Ravi",
]
LAST = [
    "Smith",
    "Müller",
    "Martin",
    "Garcia",
    "Chen",
    "Kowalski",
    "Dubois",
    "Okafor",
    "Schneider",
    "Brown",
    "Nguyen",
    "Rossi",
    "Fischer",
    "Silva",
    "Weber",
    "Taylor",
]
PREFIX = [
    "Bright",
    "Blue",
    "North",
    "Iron",
    "Cedar",
    "Harbor",
    "Summit",
    "Pixel",
    "Atlas",
    "Nova",
    "Granite",
    "Silver",
    "Apex",
    "Orbit",
    "Maple",
    "Vertex",
    "Quantum",
    "Lumen",
]
SUFFIX = [
    "IT",
    "Systems",
    "Networks",
    "Solutions",
    "Tech",
    "Digital",
    "Cloud",
    "Partners",
    "Consulting",
    "Data",
    "Secure",
    "Logic",
]
BUSINESSES = ["Dental", "Logistics", "Bakery", "Law", "Clinic", "Motors"]
PALETTE = [
    "#0a6e4f",
    "#c2185b",
    "#1565c0",
    "#ef6c00",
    "#6a1b9a",
    "#00838f",
    "#2e7d32",
    "#ad1457",
    "#283593",
    "#f9a825",
    "#4e342e",
    "#d84315",
    "#00695c",
    "#37474f",
]


def write_sample_programme(folder: Path, partners: int = 150, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)  # noqa: S311 (repeatable sample data, not a secret)
    (folder / "logos").mkdir(parents=True, exist_ok=True)
    partner_rows, contact_rows = [], []
    for i in range(partners):
        name = f"{rng.choice(PREFIX)} {rng.choice(SUFFIX)}"
        if i % 11 == 0:
            name += " & Managed Services International"
        slug = f"{name.lower().replace(' & ', '-').replace(' ', '-')}-{i:03d}"
        region, locale, tz, phone = REGIONS[i % len(REGIONS)]
        primary, secondary = rng.sample(PALETTE, 2)
        logo = "" if i % 9 == 0 else f"logos/{slug}.png"
        if logo:
            (folder / logo).write_bytes(sample_logo(name, primary, rng))
        domain = slug.replace("-", "") + ".example"
        partner_rows.append(
            {
                "slug": slug,
                "name": name,
                "contact_email": f"sales@{domain}",
                "website": f"https://www.{domain}",
                "phone": phone.format(n=rng.randint(10, 99)),
                "logo": logo,
                "primary_color": primary,
                "secondary_color": secondary,
                "tier": TIERS[min(3, int(rng.random() ** 1.6 * 4))],
                "region": region,
                "vertical": rng.choice(VERTICALS),
                "timezone": tz,
                "locale": locale,
                "postal_address": f"{rng.randint(1, 200)} Market Street, {region.upper()}",
            }
        )
        for _ in range(rng.randint(5, 20)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{rng.choice(PREFIX)} {rng.choice(BUSINESSES)}"
            email = f"{first}.{last}.{rng.randint(1, 9999)}@customer{rng.randint(1, 400)}.example"
            contact_rows.append(
                {
                    "partner": slug,
                    "email": email.lower().encode("ascii", "ignore").decode(),
                    "first_name": first,
                    "last_name": last,
                    "company": company,
                }
            )
    partners_csv, contacts_csv = folder / "partners.csv", folder / "contacts.csv"
    _write_csv(partners_csv, partner_rows)
    _write_csv(contacts_csv, contact_rows)
    return partners_csv, contacts_csv


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def sample_logo(name: str, color: str, rng: random.Random) -> bytes:
    """A plausible logo: a coloured mark and the name, on a transparent background."""
    font = ImageFont.truetype(str(FONT), 40)
    width = int(font.getlength(name)) + 110
    image = Image.new("RGBA", (width, 90), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.5:
        draw.ellipse((8, 13, 72, 77), fill=color)
    else:
        draw.rounded_rectangle((8, 13, 72, 77), 14, fill=color)
    draw.text((26, 20), name[0], font=font, fill="white")
    draw.text((90, 22), name, font=font, fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
