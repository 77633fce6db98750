"""Alembic environment: the connection comes from campaign_engine.migrate, never from an ini."""

from __future__ import annotations

from alembic import context

from campaign_engine.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
