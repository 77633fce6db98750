"""Regenerate docs/img/contact-sheet.png: every hard partner's assets on one sheet, each
row flagged with what preflight found (tests/fixtures/hard_partners.csv, logos drawn by
tests/hard.py); or, with --generated N, the first N partners the generator draws from
--seed (tests/partners_gen.py): partners nobody wrote, into
docs/img/contact-sheet-generated.png.

    .venv/bin/python docs/contact_sheet.py
    .venv/bin/python docs/contact_sheet.py --generated 30 --seed 11

A row is the partner (name, locale, paper, preflight codes: red blocks, amber warns), its
email at 390 px and at 1,200 px in Chromium, both brochure pages, the LinkedIn and the
Instagram (4:5) image of the launch post, and the signature banner.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from campaign_engine.db import Partner  # noqa: E402
from campaign_engine.services.assets.kits import read_kit  # noqa: E402
from campaign_engine.services.assets.preflight.run import PartnerReport, preflight  # noqa: E402
from campaign_engine.services.assets.preview import browser_html, preview_partner  # noqa: E402
from campaign_engine.typeset.glyphs import font_for  # noqa: E402
from tests.hard import hard_partner_world  # noqa: E402

ROW = 240
OUT = ROOT / "docs" / "img" / "contact-sheet.png"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def fit(image: Image.Image, height: int = ROW - 20) -> Image.Image:
    image = image.convert("RGB")
    return image.resize((max(1, round(image.width * height / image.height)), height))


def screenshots(pages: dict[str, str], width: int) -> dict[str, Image.Image]:
    from playwright.sync_api import sync_playwright

    shots = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        for slug, html in pages.items():
            page.set_content(html, wait_until="load")
            shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
            shots[slug] = shot.crop((0, 0, shot.width, min(shot.height, 1600)))
        browser.close()
    return shots


def held_tile(reason: str) -> Image.Image:
    """Where the brochure would be: why it is held."""
    tile = Image.new("RGB", (300, ROW - 20), "#fff4e5")
    draw = ImageDraw.Draw(tile)
    draw.text((10, 10), "brochure held", font=ImageFont.truetype(FONT, 16), fill="#8a5a00")
    words, line, y = reason.split(), "", 40
    for word in words:
        if len(line) + len(word) > 34:
            draw.text((10, y), line, font=ImageFont.truetype(FONT, 13), fill="#1d2433")
            line, y = "", y + 18
        line += word + " "
    draw.text((10, y), line, font=ImageFont.truetype(FONT, 13), fill="#1d2433")
    return tile


def label(report: PartnerReport, partner: Partner, paper: str) -> Image.Image:
    tile = Image.new("RGB", (300, ROW - 20), "white")
    draw = ImageDraw.Draw(tile)
    name = partner.name if len(partner.name) <= 60 else partner.name[:57] + "..."
    font = ImageFont.truetype(font_for(name, FONT), 15)
    lines, line = [], ""
    for word in name.split():
        if font.getlength(f"{line} {word}") > 280 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    y = 6
    for text in lines[:3]:
        draw.text((8, y), text, font=font, fill="#1d2433")
        y += 20
    small = ImageFont.truetype(FONT, 12)
    draw.text(
        (8, y + 4), f"{partner.slug} · {partner.locale} · {paper}", font=small, fill="#5b6475"
    )
    y += 26
    if not report.problems:
        draw.text((8, y), "preflight: nothing found", font=small, fill="#067647")
    for problem in report.problems[:7]:
        colour = "#b42318" if problem.blocks else "#8a5a00"
        draw.text(
            (8, y), f"{problem.severity}: {problem.asset} {problem.code}", font=small, fill=colour
        )
        y += 17
    return tile


def generated_world(folder: Path, count: int, seed: int):  # noqa: ANN201 - a Runtime
    """A runtime with `count` generated partners imported through the CSV, as a vendor
    would import them."""
    from campaign_engine import bootstrap, migrate
    from campaign_engine.services.partners.directory import import_partners
    from campaign_engine.settings import load_settings
    from tests.conftest import write_config
    from tests.partners_gen import partners, write_partners_csv

    runtime = bootstrap.build_runtime(
        load_settings(write_config(folder, f"sqlite:///{folder}/engine.db"))
    )
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners_csv(folder, partners(seed, count)))
    return runtime


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", type=int, default=0, help="this many generated partners")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="contact-sheet-"))
    if args.generated:
        runtime = generated_world(folder, args.generated, args.seed)
        out = OUT.with_name("contact-sheet-generated.png")
    else:
        runtime = hard_partner_world(folder, f"sqlite:///{folder}/engine.db")
        out = OUT
    kit, _ = read_kit(ROOT / "kits" / "secure-cloud-q3")
    renderers = runtime.renderers(kit)
    storage = runtime.settings.storage_dir
    with runtime.sessions() as session:
        partners = list(session.scalars(select(Partner).order_by(Partner.id)))
        reports = {
            r.slug: r
            for r in preflight(
                kit, renderers, partners, base_url="https://t.example", storage_dir=storage
            )
        }
        previews = {
            p.slug: preview_partner(kit, renderers, p, "https://t.example", storage_dir=storage)
            for p in partners
        }
    pages = {slug: browser_html(shown.email) for slug, shown in previews.items() if shown.email}
    phone, desk = screenshots(pages, 390), screenshots(pages, 1200)
    rows = []
    for partner in partners:
        shown = previews[partner.slug]
        files = {f.name: f for a in shown.assets for f in a.files}
        pdf = files.get("brochure.pdf")
        brochure = pypdfium2.PdfDocument(pdf.content) if pdf else None
        paper = "Letter" if brochure and round(brochure[0].get_size()[1]) == 792 else "A4"
        tiles = [label(reports[partner.slug], partner, paper)]
        tiles += (
            [fit(phone[partner.slug]), fit(desk[partner.slug])] if partner.slug in phone else []
        )
        if brochure is not None:
            tiles += [fit(brochure[i].render(scale=0.6).to_pil()) for i in range(len(brochure))]
            brochure.close()
        else:  # held: the kit requires a field the partner lacks
            tiles.append(held_tile("; ".join(shown.held.values()) or "held"))
        for name in ("launch-linkedin.jpg", "launch-instagram-4x5.jpg", "banner.png"):
            if name in files:
                tiles.append(fit(Image.open(io.BytesIO(files[name].content))))
        rows.append(tiles)
    width = max(sum(t.width + 10 for t in row) for row in rows) + 10
    sheet = Image.new("RGB", (width, len(rows) * ROW + 10), "#d0d5dd")
    for r, row in enumerate(rows):
        x = 10
        for tile in row:
            sheet.paste(tile, (x, 10 + r * ROW))
            x += tile.width + 10
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    runtime.close()
    print(f"wrote {out.relative_to(ROOT)}: {len(rows)} partners, {sheet.width}x{sheet.height}")


if __name__ == "__main__":
    main()
