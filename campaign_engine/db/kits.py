"""Kits, their immutable versions, and the content-addressed artifacts rendered from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign_engine.db.base import Base, utcnow


class Kit(Base):
    __tablename__ = "kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[KitVersion]] = relationship(back_populates="kit", lazy="raise")


class KitVersion(Base):
    """A kit exactly as loaded: its spec and a zip of its files, named by content hash.

    The archive lives in the database so a worker on another machine can render it.
    """

    __tablename__ = "kit_versions"
    __table_args__ = (UniqueConstraint("kit_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id"))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    archive: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    source_path: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kit: Mapped[Kit] = relationship(back_populates="versions", lazy="joined")


class Artifact(Base):
    """A rendered asset; `key` hashes everything that went into it, so equal means reusable."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kit_version_id: Mapped[int] = mapped_column(ForeignKey("kit_versions.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    meta: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
