"""Configuration as data: config.yaml, overridden key by key from the environment.

`CAMPAIGN_ENGINE_EMAIL__SMTP__PORT=2525` overrides `email.smtp.port`;
`CAMPAIGN_ENGINE_CONFIG` picks another file. Relative paths in a file resolve against that
file's folder, so a config works whatever directory the program is started from.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.errors import ConfigError

ENV_PREFIX = "CAMPAIGN_ENGINE_"


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
    # Empty: generated on first run into <data_dir>/secrets.json (see _fill_secrets).
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    database_url: str = "sqlite:///var/campaign_engine.db"
    base_url: str = Field("http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+")
    storage_dir: Path = Path("var/storage")
    data_dir: Path = Path("var")  # generated secrets live here (secrets.json, mode 0600)
    # Empty: generated on first run into <data_dir>/secrets.json (see _fill_secrets).
    secret_key: str = Field("", pattern=r"^(.{16,})?$")
    # Earlier secret keys, still accepted (never used to sign): rotation without breaking
    # sent unsubscribe links, pasted embeds, sessions or sealed endpoint tokens.
    secret_key_fallbacks: tuple[str, ...] = ()
    executor: Literal["local", "celery"] = "local"
    # What the long-running processes (serve, scheduler, worker) log to standard error,
    # each line with its time, level, process and logger.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    celery: CelerySettings = CelerySettings()
    email: EmailSettings = EmailSettings()
    webhooks: WebhookSettings = WebhookSettings()
    connectors: ConnectorSettings = ConnectorSettings()
    dispatch: DispatchSettings = DispatchSettings()
    health: HealthSettings = HealthSettings()
    programme: ProgrammeSettings = ProgrammeSettings()
    runway: RunwaySettings = RunwaySettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    mdf: MdfSettings = MdfSettings()
    leads: LeadSettings = LeadSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    retention: RetentionSettings = RetentionSettings()
    web: WebSettings = WebSettings()
    auth: AuthSettings = AuthSettings()
    scheduler_lease_seconds: int = Field(30, ge=5)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment must beat the file.
        return (env_settings, init_settings)

    @property
    def signing_keys(self) -> list[str]:
        """For itsdangerous: every accepted key, the newest (signing) one last."""
        return [*self.secret_key_fallbacks, self.secret_key]

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")


# Keys holding filesystem paths, resolved against the config file's folder.
_PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("storage_dir",),
    ("data_dir",),
    ("email", "outbox_dir"),
    ("programme", "logo"),
)

# Secrets that were once published with the project (config.yaml and earlier defaults).
# Anyone can sign a session cookie, a notice link or a callback with them, so they are
# refused outside loopback (refuse_published_secrets, below).
PUBLISHED_SECRETS = frozenset(
    {
        "demo-secret-key-change-me-in-production",
        "change-me-in-production-please",
        "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_" + "dGVzdC1vdXRib3VuZC1zZWNyZXQtMTIzNDU2",
    }
)
SECRET_KEYS = ("secret_key", "webhooks.inbound_secret", "webhooks.outbound_secret")


def load_settings(config_path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config file (explicit, $CAMPAIGN_ENGINE_CONFIG, ./config.yaml or none)."""
    path = _choose_config_path(config_path)
    data = _read_yaml(path) if path else {}
    base = path.parent if path else Path.cwd()
    _resolve_paths(data, base)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    return _fill_secrets(_absolutise_env_paths(settings))


def secret_values(settings: Settings) -> dict[str, str]:
    return {
        "secret_key": settings.secret_key,
        "webhooks.inbound_secret": settings.webhooks.inbound_secret,
        "webhooks.outbound_secret": settings.webhooks.outbound_secret,
    }


def published_secrets(settings: Settings) -> list[str]:
    """The secret keys still set to (or still accepting) a value published with the project."""
    found = [key for key, value in secret_values(settings).items() if value in PUBLISHED_SECRETS]
    if set(settings.secret_key_fallbacks) & PUBLISHED_SECRETS:
        found.append("secret_key_fallbacks")
    return found


def _fill_secrets(settings: Settings) -> Settings:
    """Secrets the config leaves unset come from <data_dir>/secrets.json, generated with
    random values on first run and readable by the owner only, so the embedded demo needs
    no configuration and publishes nothing. Several machines must share one value: set
    it in their config or environment instead."""
    missing = [key for key, value in secret_values(settings).items() if not value]
    if not missing:
        return settings
    stored = _stored_secrets(settings.data_dir / "secrets.json")
    webhooks = settings.webhooks.model_copy(
        update={
            "inbound_secret": settings.webhooks.inbound_secret or stored["webhooks.inbound_secret"],
            "outbound_secret": settings.webhooks.outbound_secret
            or stored["webhooks.outbound_secret"],
        }
    )
    return settings.model_copy(
        update={"secret_key": settings.secret_key or stored["secret_key"], "webhooks": webhooks}
    )


def _webhook_secret() -> str:
    """Standard Webhooks' format: whsec_ and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _stored_secrets(path: Path) -> dict[str, str]:
    """Read the file, creating it first if absent; O_EXCL so two processes starting at
    once agree on the first one's values."""
    fresh = {
        "secret_key": secrets.token_urlsafe(48),
        "webhooks.inbound_secret": _webhook_secret(),
        "webhooks.outbound_secret": _webhook_secret(),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot create {path} for the generated secrets: {exc}") from None
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(fresh, handle, indent=2)
        return fresh
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}; delete it to generate new secrets") from None
    if not isinstance(stored, dict) or any(not isinstance(stored.get(k), str) for k in fresh):
        raise ConfigError(f"{path} lacks {', '.join(fresh)}; delete it to generate new secrets")
    return {key: stored[key] for key in fresh}


def _choose_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    chosen = explicit or os.environ.get(ENV_PREFIX + "CONFIG")
    if chosen:
        path = Path(chosen).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    default = Path.cwd() / "config.yaml"
    return default.resolve() if default.is_file() else None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config file {path}{line}: {exc.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: expected a mapping of keys at the top level")
    return data


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    for keys in _PATH_KEYS:
        node: Any = data
        for key in keys[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
            node[keys[-1]] = str((base / node[keys[-1]]).resolve())
    url = data.get("database_url")
    if isinstance(url, str):
        data["database_url"] = _resolve_sqlite_url(url, base)


def _resolve_sqlite_url(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def _absolutise_env_paths(settings: Settings) -> Settings:
    """Paths that came from the environment are relative to the working directory."""
    cwd = Path.cwd()
    email = settings.email.model_copy(
        update={"outbox_dir": (cwd / settings.email.outbox_dir).resolve()}
    )
    return settings.model_copy(
        update={
            "storage_dir": (cwd / settings.storage_dir).resolve(),
            "data_dir": (cwd / settings.data_dir).resolve(),
            "email": email,
            "database_url": _resolve_sqlite_url(settings.database_url, cwd),
        }
    )


def _describe(exc: ValidationError, path: Path | None) -> str:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    source = f" in {path}" if path else ""
    env_name = ENV_PREFIX + "__".join(str(p) for p in first["loc"]).upper()
    value = first.get("input")
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    more = f" [and {exc.error_count() - 1} more]" if exc.error_count() > 1 else ""
    return f"config key '{key}'{source} or ${env_name}: {first['msg']}{shown}{more}".rstrip()


def refuse_published_secrets(settings: Settings, listen_host: str | None = None) -> None:
    """Stops `serve`, `scheduler` and `worker` when a published secret would guard a
    public interface: one that listens beyond loopback, or links that point beyond it."""
    exposed = [h for h in (listen_host, urlsplit(settings.base_url).hostname) if h]
    if all(_is_loopback(host) for host in exposed):
        return
    published = published_secrets(settings)
    if published:
        names = ", ".join(
            f"{key} (${ENV_PREFIX}{key.replace('.', '__').upper()})" for key in published
        )
        raise ConfigError(
            f"{names} still has the value published with campaign-engine, and anyone can "
            "forge sessions, links and callbacks with it. Remove it from the config to use "
            "a generated one, or set your own, e.g. CAMPAIGN_ENGINE_SECRET_KEY="
            "$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
