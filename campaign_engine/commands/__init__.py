"""CLI command groups; importing this package registers them on campaign_engine.cli.cli."""

from campaign_engine.commands import (  # noqa: F401
    campaigns,
    consent,
    kits,
    partners,
    reports,
    runway,
    serve,
    users,
)
