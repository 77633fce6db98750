"""Rows that coordinate processes: leader leases and shared rate-limit buckets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base


class Lease(Base):
    """Who holds a role (the scheduler) until when; a standby takes it when it lapses."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class EngineProcess(Base):
    """A serving, scheduler or launch process that may hold delivery claims. Its heartbeat
    says it is alive; a claim's lease owner starts with its id, so when it dies (heartbeat
    lapsed, or its pid gone on this host) its claims go back to the queue at once."""

    __tablename__ = "engine_processes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class RateBucket(Base):
    """A token bucket shared by every worker, so the limit holds across processes."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float]
    updated_at: Mapped[datetime]
