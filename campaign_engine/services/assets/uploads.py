"""Files a marketer uploads in the console, turned into what the services already read: a
partner CSV into a file, a zipped kit folder into a folder. Unpacking refuses paths that
would escape the folder (zip-slip) and archives that expand beyond the kit size limit."""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from io import BytesIO
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from campaign_engine.db import KitVersion
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.kitcheck_render import RendererFactory
from campaign_engine.services.assets.kits import MAX_KIT_BYTES, load_kit
from campaign_engine.services.partners.directory import ImportResult, import_partners

MAX_ENTRIES = 2_000  # a kit is a manifest, copy, templates and images: dozens of files


def unpack_kit(data: bytes, target: Path, *, filename: str) -> Path:
    """The folder holding kit.yaml inside the unpacked zip."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput(
            "not a zip file; zip the kit folder and upload that", where=filename
        ) from None
    if len(archive.infolist()) > MAX_ENTRIES:
        raise InvalidInput(f"the zip holds more than {MAX_ENTRIES:,} files", where=filename)
    total = 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise InvalidInput(f"'{info.filename}' points outside the kit", where=filename)
        total += info.file_size
        if total > MAX_KIT_BYTES:
            raise InvalidInput("the unpacked kit is larger than 50 MB", where=filename)
    for info in archive.infolist():
        try:
            archive.extract(info, target)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            # a damaged member (bad CRC, truncated data) or an unsupported compression
            raise InvalidInput(
                f"'{info.filename}' in the zip cannot be read ({exc}); zip the kit folder again",
                where=filename,
            ) from None
    found = sorted(target.rglob("kit.yaml"), key=lambda p: len(p.parts))
    if not found:
        raise InvalidInput("no kit.yaml in the zip", where=filename)
    return found[0].parent


def import_partner_csv(session: Session, data: bytes, filename: str, *, actor: str) -> ImportResult:
    """An uploaded partner CSV, through the same import as the CLI (all rows or none);
    errors name the uploaded file's name."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "partners.csv")
        path.write_bytes(data)
        return import_partners(session, path, actor=actor, confined=True)


def load_kit_zip(
    session: Session, data: bytes, filename: str, renderers: RendererFactory
) -> KitVersion:
    """An uploaded zip of a kit folder, unpacked, checked completely and stored.
    `renderers` must not cache by content: the unpacked folder is gone afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        root = unpack_kit(data, Path(folder), filename=filename)
        return load_kit(session, root, renderers)
