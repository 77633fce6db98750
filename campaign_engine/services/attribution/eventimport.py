"""CRM deals from CSV, for vendors without webhooks: the same rules as callbacks, all rows
or none, and each row deduplicated by its external id and type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import model_validator
from sqlalchemy.orm import Session

from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.infra.csvrows import read_rows
from campaign_engine.services.attribution.callbacks import InboundEvent, record_event, resolve

REQUIRED = {"type", "external_id", "occurred_at"}


@dataclass(frozen=True)
class EventImportResult:
    recorded: int
    repeated: int


def import_events(session: Session, path: Path, *, actor: str = "cli") -> EventImportResult:
    rows = read_rows(path, CsvEvent, REQUIRED)
    for number, row in rows:  # check every row resolves before writing any
        try:
            resolve(session, row)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, where=f"{path.name} row {number}") from None
    recorded = repeated = 0
    for _, row in rows:
        key = f"csv:{row.type}:{row.external_id}"
        if record_event(session, row, dedupe_key=key, source=f"csv:{path.name}"):
            recorded += 1
        else:
            repeated += 1
    record(
        session,
        actor,
        "events.import",
        "file",
        path.name,
        {"recorded": recorded, "repeated": repeated},
    )
    return EventImportResult(recorded, repeated)


class CsvEvent(InboundEvent):
    """Empty CSV cells mean "not given"."""

    @model_validator(mode="before")
    @classmethod
    def _given(cls, data: object) -> object:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None)}
        return data
