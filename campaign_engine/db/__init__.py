"""Typed SQLAlchemy 2 models.

A model is imported from its module when a caller first names it (PEP 562 `__getattr__`),
so `campaigns status`, which reads three tables, does not build all thirty mapped classes
(a third of its start-up). Whatever writes or serves calls `load_all()` first: the
runtime, the migrations and anyone asking for `Base` get every table registered.
"""

from __future__ import annotations

import importlib
from typing import Any

from campaign_engine.db.base import utcnow

# model name: the module of this package that defines it
MODELS: dict[str, str] = {
    **dict.fromkeys(
        [
            "ApiToken",
            "AuditEntry",
            "EmailConfirmation",
            "MagicLink",
            "Membership",
            "User",
            "UserSession",
        ],
        "accounts",
    ),
    **dict.fromkeys(
        [
            "Campaign",
            "Consent",
            "ConsentEvent",
            "Delivery",
            "DeliveryWait",
            "NotPlanned",
            "PartnerFeedback",
            "ReviewEdit",
        ],
        "campaigns",
    ),
    **dict.fromkeys(["EngineProcess", "Lease", "RateBucket"], "coordination"),
    "FeedbackMail": "feedback",
    **dict.fromkeys(["Artifact", "Kit", "KitVersion"], "kits"),
    **dict.fromkeys(["MdfClaim", "MdfClaimFile", "MdfEntry", "MdfRequest"], "mdf"),
    **dict.fromkeys(
        ["ChannelEndpoint", "Contact", "Customisation", "Partner", "Suppression"], "partners"
    ),
    "ErasedAddress": "privacy",
    **dict.fromkeys(["Enrollment", "MilestoneRecord", "StepDelivery"], "runway"),
    **dict.fromkeys(
        ["DealRecord", "Event", "EventTally", "Lead", "TrackedLink", "UniqueEngagement"],
        "tracking",
    ),
}

__all__ = ["Base", "load_all", "utcnow", *MODELS]


def load_all() -> None:
    """Register every table and mapper (idempotent)."""
    for module in sorted(set(MODELS.values())):
        importlib.import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        from campaign_engine.db.base import Base

        globals()["Base"] = Base
        return Base
    module = MODELS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
