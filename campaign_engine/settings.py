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
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from campaign_engine.errors import ConfigError
from campaign_engine.settings_sections import (
    AuthSettings,
    CelerySettings,
    ConnectorSettings,
    DispatchSettings,
    EmailSettings,
    FeedbackSettings,
    HealthSettings,
    LeadSettings,
    MdfSettings,
    ProgrammeSettings,
    RateLimitSettings,
    RetentionSettings,
    RunwaySettings,
    WebhookSettings,
    WebSettings,
)

ENV_PREFIX = "CAMPAIGN_ENGINE_"


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
