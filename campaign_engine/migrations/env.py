"""Alembic environment: the connection comes from campaign_engine.migrate, never from an ini."""

from __future__ import annotations

from alembic import context

from campaign_engine.db import Base

connection = context.config.attributes["connection"]


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """APScheduler owns its job table; migrations leave it alone."""
    return not (type_ == "table" and name == "apscheduler_jobs")


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
