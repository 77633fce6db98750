"""One exception hierarchy for the whole engine.

Services raise these; the CLI turns them into one line and a non-zero exit, the web layer
into an error page or an RFC 9457 problem document. Nothing else should need a traceback.
"""

from __future__ import annotations


class CampaignEngineError(Exception):
    """Base of every error the engine reports to a user."""

    exit_code = 1


class ConfigError(CampaignEngineError):
    """The configuration file or an environment override is wrong."""

    exit_code = 2


class NotFound(CampaignEngineError):
    """A partner, campaign, kit or token that does not exist."""


class InvalidTransition(CampaignEngineError):
    """A status change the lifecycle does not allow (e.g. launching a cancelled campaign)."""


class InvalidInput(CampaignEngineError):
    """Bad input, located precisely so the user can fix it.

    `where` is a file, a row ("row 4") or a field; it leads the message so that
    "people.csv row 4, column primary_color: not a colour" reads as one line.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}" if where else message)


class KitError(InvalidInput):
    """A kit that does not validate; carries every problem, not just the first."""

    def __init__(self, problems: list[str], *, kit: str) -> None:
        self.problems = problems
        summary = f"{len(problems)} problem(s)"
        super().__init__(summary + ":\n  " + "\n  ".join(problems), where=kit)


class DeliveryError(CampaignEngineError):
    """A connector could not deliver. Subclasses say whether trying again can help."""


class RetryableError(DeliveryError):
    """Temporary: the service is down, rate limited or answered 4xx SMTP / 5xx HTTP."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PermanentError(DeliveryError):
    """Trying again will not help: bad address, rejected content, revoked credentials."""


class MissingField(PermanentError):
    """The partner's profile lacks a field the kit's assets for the channel need."""


class HeldByPreflight(PermanentError):
    """Preflight found a problem in the partner's rendered assets that must not go out in
    its name (boxes for its name, a logo lost on its plate, a brochure a page too long)."""


class RecipientRejected(PermanentError):
    """A hard bounce: the receiving server refused this address (5xx at RCPT). The address
    goes on the partner's suppression list."""
