"""Files a marketer uploads in the console, turned into what the services already read: a
partner CSV into a file, a zipped kit folder into a folder. Unpacking refuses paths that
would escape the folder (zip-slip) and archives that expand beyond the kit size limit."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from campaign_engine.errors import InvalidInput
from campaign_engine.services.kits import MAX_KIT_BYTES


def unpack_kit(data: bytes, target: Path, *, filename: str) -> Path:
    """The folder holding kit.yaml inside the unpacked zip."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput(
            "not a zip file; zip the kit folder and upload that", where=filename
        ) from None
    total = 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise InvalidInput(f"'{info.filename}' points outside the kit", where=filename)
        total += info.file_size
        if total > MAX_KIT_BYTES:
            raise InvalidInput("the unpacked kit is larger than 50 MB", where=filename)
    archive.extractall(target)
    found = sorted(target.rglob("kit.yaml"), key=lambda p: len(p.parts))
    if not found:
        raise InvalidInput("no kit.yaml in the zip", where=filename)
    return found[0].parent
