"""Configuration as data: config.yaml, overridden key by key from the environment.

`CAMPAIGN_ENGINE_EMAIL__SMTP__PORT=2525` overrides `email.smtp.port`;
`CAMPAIGN_ENGINE_CONFIG` picks another file. Relative paths in a file resolve against that
file's folder, so a config works whatever directory the program is started from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

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
    from_address: str = Field("campaigns@vendor.example", pattern=r"^[^@\s]+@[^@\s]+$")
    smtp: SmtpSettings = SmtpSettings()
    dkim: DkimSettings | None = None
    # Where sending-domain TXT records are looked up ("host" or "host:port"); the system
    # resolver when unset.
    dns_nameserver: str | None = None


class CelerySettings(_Section):
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "campaign-engine"


class WebhookSettings(_Section):
    inbound_secret: str = Field("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", pattern=r"^whsec_")
    outbound_secret: str = Field(
        "whsec_" + "dGVzdC1vdXRib3VuZC1zZWNyZXQtMTIzNDU2", pattern=r"^whsec_"
    )


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
    max_attempts: int = Field(6, ge=1)
    backoff_base_seconds: float = Field(30.0, gt=0)


class ProgrammeSettings(_Section):
    """Programme-wide rules: what happens when a partner has said nothing."""

    consent_default: Literal["auto", "review", "off"] = "auto"
    review_hours: float = Field(48.0, ge=0)  # how long review-mode partners have to decide


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
    secret_key: str = Field("change-me-in-production-please", min_length=16)
    executor: Literal["local", "celery"] = "local"
    celery: CelerySettings = CelerySettings()
    email: EmailSettings = EmailSettings()
    webhooks: WebhookSettings = WebhookSettings()
    connectors: ConnectorSettings = ConnectorSettings()
    dispatch: DispatchSettings = DispatchSettings()
    programme: ProgrammeSettings = ProgrammeSettings()
    runway: RunwaySettings = RunwaySettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
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
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")


# Keys holding filesystem paths, resolved against the config file's folder.
_PATH_KEYS: tuple[tuple[str, ...], ...] = (("storage_dir",), ("email", "outbox_dir"))


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
    return _absolutise_env_paths(settings)


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
