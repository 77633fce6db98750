"""What a backup folder is: its manifest (engine version, migration head, database kind,
every file with its SHA-256), the files it may hold, and how they are hashed and
walked."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from campaign_engine.errors import CampaignEngineError

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupError(CampaignEngineError):
    """A backup that cannot be taken, or a restore refused before it changed anything."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass
class Manifest:
    engine_version: str
    migration_head: str | None
    database: str  # sqlite | postgresql
    created_at: str
    files: list[FileEntry] = field(default_factory=list)
    format: int = FORMAT
    in_flight: int = 0  # claims still unrecorded when the snapshot was taken

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def engine_version() -> str:
    try:
        return metadata.version("campaign-engine")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def walk_files(folder: Path) -> Iterator[Path]:
    """Regular files under `folder`, sorted; none if it does not exist. Symbolic links
    are not followed: a backup holds what the engine wrote, nothing it points at."""
    if not folder.is_dir():
        return
    for directory, subdirs, names in os.walk(folder):
        subdirs.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path
