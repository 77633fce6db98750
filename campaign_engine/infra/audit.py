"""The audit trail: every change a person or the engine makes, in one table."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def record(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    detail: dict[str, Any] | None = None,
) -> None:
    # Imported here: the services that record (campaigns among them) are also read by
    # `campaigns status`, which should not build the account models it never touches.
    from campaign_engine.db import AuditEntry

    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=detail or {},
        )
    )
