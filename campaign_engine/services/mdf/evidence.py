"""Invoices and screenshots attached to a claim: PDF, PNG or JPEG, checked like every upload
(size, what the bytes really are, pixel bombs, a PDF that opens) before a byte is stored."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from campaign_engine.domain.mdf import MdfError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_FILES = 10
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Evidence:
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_evidence(filename: str, data: bytes) -> Evidence:
    """The file as stored, or MdfError naming the file. The type comes from the bytes, not
    the name or the browser's word for it."""
    name = SAFE_NAME.sub("_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:120] or "file"
    where = f"file {name}"
    if not data:
        raise MdfError("the file is empty", where=where)
    if len(data) > MAX_BYTES:
        raise MdfError(f"{len(data) // 1024} KB; the limit is 10 MB", where=where)
    if data.startswith(b"%PDF-"):
        _check_pdf(data, where)
        return Evidence(name, "application/pdf", data)
    return Evidence(name, _check_image(data, where), data)


def _check_pdf(data: bytes, where: str) -> None:
    import pypdfium2  # loaded where a claim is filed

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise MdfError(
            "not a PDF that opens (damaged or password-protected)", where=where
        ) from None
    try:
        if len(document) == 0:
            raise MdfError("the PDF has no pages", where=where)
    finally:
        document.close()


def _check_image(data: bytes, where: str) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG"):
                    raise MdfError(
                        f"a {image.format or 'unknown'} file; attach PDF, PNG or JPEG", where=where
                    )
                if image.width * image.height > MAX_PIXELS:
                    raise MdfError(f"{image.width}x{image.height} pixels is too large", where=where)
                kind = "image/png" if image.format == "PNG" else "image/jpeg"
                image.verify()
    except MdfError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MdfError("not a PDF, PNG or JPEG file", where=where) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MdfError(f"a damaged image ({exc})", where=where) from None
    return kind
