"""The email's checks that need no browser: subject length, Gmail's clipping, the logo's
sharpness on a phone, and the plain-text part's lines."""

from __future__ import annotations

import io
import re
from math import ceil

from PIL import Image

from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.checks_logo import logo_advice
from campaign_engine.services.assets.preflight.problems import Problem, Severity

SUBJECT_LIMIT = 70  # most inboxes show the first 60-70 characters (phones fewer)
SHORT_NAME_GUESS = 12  # letters of a typical short name ("Acme", "Müller IT")


GMAIL_CLIP = 102 * 1024  # Gmail hides an HTML body beyond this behind "View entire message"


def subject_advice(subject: str, brand: BrandContext | None) -> str:
    """Who can shorten it: the partner, when its long name (and no short one) makes the
    subject long; else the kit's copy. Partners with a short name were told to give one."""
    name = brand.name if brand is not None and not brand.short_name else ""
    if name and name in subject and len(subject) - len(name) + SHORT_NAME_GUESS <= SUBJECT_LIMIT:
        return "Give the partner a short name"
    language = brand.language if brand is not None else ""
    return f"The kit's subject{f' ({language})' if language else ''} is long: shorten it"


def check_email_text(asset: RenderedAsset, brand: BrandContext) -> list[Problem]:
    """The plain-text part, which needs no browser: the address's lines kept (or joined
    with ", " on one line), and no separator beside an empty field."""
    from campaign_engine.services.assets.preflight.text import (
        address_kept,
        address_lines,
        clean,
        dangling_separators,
    )

    try:
        text = asset.file("email.txt").content.decode()
    except KeyError:
        return []
    lines = text.splitlines()
    address = address_lines(brand.postal_address)
    problems = []
    joined = ", ".join(address)
    if not address_kept(lines, address) and not any(joined in clean(line) for line in lines):
        problems.append(
            Problem(
                "email",
                "address_lines_lost",
                Severity.BLOCK,
                f"the postal address's {len(address)} lines run together in the email's "
                "plain-text part",
            )
        )
    dangling = dangling_separators(lines)
    if dangling:
        problems.append(
            Problem(
                "email",
                "separator_dangling",
                Severity.BLOCK,
                f"a separator stands beside an empty field in the email's plain-text part: "
                f"{dangling[0]}",
            )
        )
    return problems


def check_email(asset: RenderedAsset, brand: BrandContext | None = None) -> list[Problem]:
    problems = []
    subject = str(asset.meta.get("subject", ""))
    if len(subject) > SUBJECT_LIMIT:
        problems.append(
            Problem(
                "email",
                "subject_long",
                Severity.WARN,
                f"the subject is {len(subject)} characters; inboxes show about the first "
                f"60 to 70. {subject_advice(subject, brand)}",
            )
        )
    html = asset.file("email.html").content
    if len(html) > GMAIL_CLIP:
        problems.append(
            Problem(
                "email",
                "email_clipped",
                Severity.WARN,
                f"the email's HTML is {len(html) // 1024} KB; Gmail clips it after 102 KB",
            )
        )
    shown = _shown_width(html.decode(), "cid:partner-logo")
    logo = next((f for f in asset.files if f.name == "partner-logo"), None)
    if shown and logo is not None:
        with Image.open(io.BytesIO(logo.content)) as image:
            density = image.width / shown
            image_size = image.size
            need = ceil(2 * shown * min(image.size) / image.width)
        if density < 1.9:  # thumbnails round a pixel off
            problems.append(
                Problem(
                    "email",
                    "logo_resolution",
                    Severity.WARN,
                    f"the logo has {density:.1f} pixels per screen pixel in the email (2 are "
                    f"needed for a sharp logo on phones); "
                    + logo_advice(image_size, need, sharper=True),
                )
            )
    return problems


def _shown_width(html: str, src: str) -> int | None:
    tag = re.search(rf'<img [^>]*src="{re.escape(src)}"[^>]*>', html)
    width = re.search(r'width="(\d+)"', tag.group(0)) if tag else None
    return int(width.group(1)) if width else None
