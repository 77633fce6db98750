"""The sections of the configuration (email, dispatch, programme, ...): each key's type,
default and limits, and what it is for."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from campaign_engine.domain.consent import ConsentMode, ConsentRules


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmtpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    security: Literal["none", "starttls", "ssl"] = "none"
    timeout: float = Field(30.0, gt=0)
    pool_size: int = Field(4, ge=1, le=64)


class DkimSettings(_Section):
    domain: str
    selector: str
    private_key_path: Path


class EmailSettings(_Section):
    transport: Literal["outbox", "smtp"] = "outbox"
    outbox_dir: Path = Path("var/outbox")
    from_address: str = Field("campaigns@vendor.example", pattern=r"^[^@\s<>]+@[^@\s<>]+$")
    smtp: SmtpSettings = SmtpSettings()
    dkim: DkimSettings | None = None
    # Where sending-domain TXT records are looked up ("host" or "host:port"); the system
    # resolver when unset.
    dns_nameserver: str | None = None


class CelerySettings(_Section):
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "campaign-engine"


class WebhookSettings(_Section):
    # Empty: generated on first run into <data_dir>/secrets.json (see settings._fill_secrets).
    inbound_secret: str = Field("", pattern=r"^(whsec_[A-Za-z0-9+/=]{24,})?$")
    outbound_secret: str = Field("", pattern=r"^(whsec_[A-Za-z0-9+/=]{24,})?$")


class AuthSettings(_Section):
    """How long a signed-in browser stays signed in."""

    idle_minutes: int = Field(120, ge=1)  # no request for this long: signed out
    session_hours: int = Field(12, ge=1)  # signed out this long after signing in


class ConnectorSettings(_Section):
    allow_private_networks: bool = False
    http_timeout: float = Field(10.0, gt=0)
    token_warning_days: int = Field(14, ge=1)  # warn partners this long before expiry


class RunwaySettings(_Section):
    send_time: str = Field("09:00", pattern=r"^\d{2}:\d{2}$")  # local time for sequence steps
    quiet_days: int = Field(21, ge=1)  # no milestone for this long: at risk
    digest_weekday: int = Field(0, ge=0, le=6)  # Monday


class DispatchSettings(_Section):
    """How the embedded dispatcher claims and retries deliveries."""

    batch_size: int = Field(200, ge=1)
    lease_seconds: int = Field(300, ge=5)
    tick_seconds: float = Field(2.0, gt=0)
    workers: int = Field(8, ge=1, le=64)  # sending threads: they mostly wait on I/O
    render_processes: int = Field(2, ge=0, le=64)  # 0: render in the sending threads
    # Retries go by time, as an MTA's queue does: a transient failure (SMTP 4xx, a refused
    # or timed-out connection, a full disk, the database or broker away) is tried again
    # with exponential backoff from backoff_base_seconds, capped at backoff_cap_seconds,
    # until retry_window_hours after the first failure; a permanent one fails at once.
    retry_window_hours: float = Field(72.0, gt=0)
    backoff_base_seconds: float = Field(30.0, gt=0)
    backoff_cap_seconds: float = Field(900.0, gt=0)
    max_attempts: int | None = Field(None, ge=1)  # also stop after this many tries (None: no)
    heartbeat_seconds: float = Field(5.0, gt=0)  # how often a claiming process says "alive"
    process_lapse_seconds: float = Field(30.0, gt=0)  # no heartbeat this long: dead
    # A claim not worked on for this long goes back to the queue although its process
    # lives (a task lost with the broker); the worker's heartbeat renews what it works on.
    progress_seconds: float = Field(30.0, gt=0)
    # A background loop (dispatcher, scheduler lease, heartbeat) that has not completed a
    # round for this long makes its process let go of its leases and exit 75 (restart me).
    give_up_seconds: float = Field(300.0, gt=0)

    @model_validator(mode="after")
    def _lapse_spans_beats(self) -> DispatchSettings:
        if self.process_lapse_seconds < 3 * self.heartbeat_seconds:
            raise ValueError(
                "process_lapse_seconds must be at least 3 x heartbeat_seconds, or live "
                "processes look dead between beats"
            )
        return self

    @model_validator(mode="after")
    def _progress_spans_beats(self) -> DispatchSettings:
        if self.progress_seconds < 3 * self.heartbeat_seconds:
            raise ValueError(
                "progress_seconds must be at least 3 x heartbeat_seconds: the heartbeat "
                "renews the claims being worked on"
            )
        return self


class HealthSettings(_Section):
    """What /readyz and `doctor` check (services/delivery/health)."""

    storage_min_free_mb: int = Field(500, ge=0)  # below this in storage_dir: not ready
    smtp_timeout_seconds: float = Field(3.0, gt=0)  # connect + EHLO
    # /readyz answers from a result this young: anyone may call it, and it must not make
    # the engine hammer its own MTA or database.
    cache_seconds: float = Field(5.0, ge=0)


class ProgrammeSettings(_Section):
    """Programme-wide rules: what happens when a partner has said nothing."""

    consent_default: Literal["auto", "review", "off"] = "auto"
    review_hours: float = Field(48.0, ge=0)  # how long review-mode partners have to decide
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")  # ISO 4217: pipeline and revenue
    locale: str = Field("en", pattern=r"^[a-z]{2}(_[A-Z]{2})?$")  # the console's formats
    # White-label: what partners see instead of the product's name, in the portal's header
    # and as the sender of their sign-in links, notices and digests.
    name: str = Field("Partner programme", min_length=1, max_length=80)
    logo: Path | None = None  # a PNG, JPEG or SVG file
    brand_color: str = Field("#0b3d91", pattern=r"^#[0-9a-fA-F]{6}$")

    def rules(self) -> ConsentRules:
        """What every planner, decision and send applies (domain.consent)."""
        return ConsentRules(ConsentMode(self.consent_default), self.review_hours)


class MdfSettings(_Section):
    """Market development funds (services/mdf): how funds are given, decided and expire."""

    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")  # allocations without --currency
    sla_hours: float = Field(48.0, gt=0)  # a request's decision is due this long after it
    # an approved request's campaign goes out at this local time on its first day (at once
    # if that has passed)
    send_time: str = Field("09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # of a period's unspent funds, the share given again in the next period (0: all expire)
    carry_over: float = Field(0.0, ge=0, le=1)
    # an allocation above this needs an admin (None: any marketer may allocate any amount)
    admin_limit: Decimal | None = Field(Decimal("10000"), gt=0)
    fixed_per_tier: dict[str, Decimal] = {}  # the "fixed" rule: amount per partner tier
    earned_percent: Decimal = Field(Decimal("5"), ge=0, le=100)  # the "earned" rule


class LeadSettings(_Section):
    """Leads after they arrive (services/attribution/leads)."""

    # a new lead not touched (accepted, rejected, contacted...) this long after it arrived:
    # the partner is reminded and its owner alerted, once
    first_touch_hours: float = Field(48.0, gt=0)
    # a double opt-in confirmation link works this long; an unconfirmed lead is then
    # discarded, what the visitor gave with it
    confirm_hours: float = Field(72.0, gt=0)


class WebSettings(_Section):
    """The web processes (campaign_engine/app.py)."""

    # How many proxies in front of the app append to X-Forwarded-For (werkzeug ProxyFix):
    # 0 trusts no such header, so a client cannot choose the address its limits key on.
    trusted_proxies: int = Field(0, ge=0, le=5)


class FeedbackSettings(_Section):
    """The feedback loop (services/feedback)."""

    # no notice link opened, no portal visit and nothing sent for this many days: the
    # partner's owner is alerted, once per silence
    silent_days: int = Field(30, ge=1, le=3650)


class RetentionSettings(_Section):
    """How long personal details are kept (services/stewardship/retention.py, a daily job).
    What expires is the detail; the counts every report reads stay."""

    # Each open's and click's row. At least 3: the partner's 12-week clicks chart reads the
    # rows (by week and by link), which the tallies do not keep.
    engagement_months: int = Field(13, ge=3, le=1200)
    lead_months: int = Field(24, ge=1, le=1200)  # what a lead's visitor gave
    outbox_days: int = Field(30, ge=1, le=36500)  # emails kept in the maildir outbox
    offboard_days: int = Field(30, ge=1, le=36500)  # a leaving partner's zip, for download


class RateLimitSettings(_Section):
    """Token buckets shared by every worker (in the database), applied at the moment of
    sending. None means unlimited."""

    global_per_second: float | None = None
    email_per_second: float | None = None
    webhook_per_second: float | None = None
    partner_per_minute: float | None = None
