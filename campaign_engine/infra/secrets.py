"""Endpoint secrets (API tokens, passwords) encrypted at rest with a key derived from
`secret_key` (HKDF-SHA256 into a Fernet key): a database dump alone reveals none of them."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from campaign_engine.errors import ConfigError

SECRET_FIELDS = {"token", "password", "api_key", "client_secret", "secret"}
PREFIX = "enc:"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"campaign-engine", info=b"endpoint-secrets"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(config: dict[str, Any], secret_key: str) -> dict[str, Any]:
    fernet = _fernet(secret_key)
    return {
        k: (
            PREFIX + fernet.encrypt(str(v).encode()).decode()
            if k in SECRET_FIELDS and v and not str(v).startswith(PREFIX)
            else v
        )
        for k, v in config.items()
    }


def unseal(config: dict[str, Any], keys: str | list[str]) -> dict[str, str]:
    """Opens with any accepted key (settings.signing_keys: rotation keeps old seals)."""
    fernet = MultiFernet([_fernet(k) for k in reversed([keys] if isinstance(keys, str) else keys)])
    opened: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, str) and value.startswith(PREFIX):
            try:
                value = fernet.decrypt(value[len(PREFIX) :].encode()).decode()
            except InvalidToken:
                raise ConfigError(
                    f"endpoint secret '{key}' was sealed with another secret_key"
                ) from None
        opened[key] = str(value)
    return opened


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """For display: secrets are never shown back."""
    return {k: ("********" if k in SECRET_FIELDS else v) for k, v in config.items()}
