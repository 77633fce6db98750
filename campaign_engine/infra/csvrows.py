"""Reading a CSV as validated rows, with errors that name the file, row and column."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from campaign_engine.errors import InvalidInput

Row = TypeVar("Row", bound=BaseModel)


def read_rows(path: Path, model: type[Row], required: set[str]) -> list[tuple[int, Row]]:
    """Every row validated, or InvalidInput for the first bad one (row 1 is the header)."""
    return list(iter_rows(path, model, required))


def iter_rows(path: Path, model: type[Row], required: set[str]) -> Iterator[tuple[int, Row]]:
    """The rows validated one at a time, as they are read; InvalidInput at the first bad
    one, before the rest of the file is read."""
    for number, raw in _records(path, required):
        try:
            yield number, model.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            column = str(error["loc"][0]) if error["loc"] else "?"
            value = raw.get(column, "")
            shown = f" (got {value!r})" if value else ""
            raise InvalidInput(
                f"{_message(error)}{shown}", where=f"{path.name} row {number}, column {column}"
            ) from None


def _records(path: Path, required: set[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's rows as read, one at a time: a bad row early in a 50 MB file is
    reported at once, without reading the rest (the whole text was read into memory
    first, and a vendor waited half a minute for "row 3")."""
    if not path.is_file():
        raise InvalidInput("file not found", where=str(path))
    # newline="": a quoted field keeps its line breaks (a postal address of four lines);
    # splitting the text into lines first joined them into one
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        index = 1
        try:
            header = [h.strip() for h in reader.fieldnames or []]
            missing = sorted(required - set(header))
            if missing:
                raise InvalidInput(
                    f"missing column(s) {', '.join(missing)}", where=f"{path.name} row 1"
                )
            reader.fieldnames = header
            for index, record in enumerate(reader, start=2):
                if None in record:
                    raise InvalidInput("more values than columns", where=f"{path.name} row {index}")
                if not any((v or "").strip() for v in record.values()):
                    continue
                yield index, {k: (v or "").strip() for k, v in record.items()}
        except UnicodeDecodeError:
            raise InvalidInput(
                f"not UTF-8 text (after row {index})", where=f"{path.name} row {index + 1}"
            ) from None
        except csv.Error as exc:  # a field over the reader's limit: a quote never closed
            raise InvalidInput(
                f"{exc}: is a quote left open?", where=f"{path.name} row {index + 1}"
            ) from None


def _message(error: ErrorDetails) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
