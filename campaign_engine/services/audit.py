"""The audit trail: every change a person or the engine makes, in one table."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaign_engine.db import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=detail or {},
        )
    )
