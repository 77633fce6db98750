"""A preflight finding: which asset, a stable code, how bad, and words to act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"  # the partner's deliveries are held until it is fixed
    WARN = "warn"  # reported; the asset still goes out


@dataclass(frozen=True)
class Problem:
    asset: str
    code: str
    severity: Severity
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK

    def as_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.blocks]
