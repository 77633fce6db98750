"""Kits: validate completely (every problem, with file:line), then store immutably."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Kit, KitVersion
from campaign_engine.domain.kit import KitContent, KitSpec, typeset
from campaign_engine.errors import KitError, NotFound
from campaign_engine.infra.yamlfile import LocatedYaml
from campaign_engine.services.assets.kitcheck import KitChecker
from campaign_engine.services.assets.kitcheck_render import RendererFactory
from campaign_engine.services.assets.kitcheck_templates import folder_templates, template_problems

MAX_KIT_BYTES = 50 * 1024 * 1024
FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster


def read_kit(path: Path) -> tuple[KitContent | None, list[str]]:
    """Parse kit.yaml and the copy files; returns the kit (if it parsed) and problems."""
    path = path.resolve()
    manifest = path / "kit.yaml"
    if not manifest.is_file():
        return None, [f"{manifest}: no kit.yaml in this folder"]
    try:
        located = LocatedYaml(manifest)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return None, [f"kit.yaml:{line}: {exc.problem}"]
    try:
        spec = KitSpec.model_validate(located.data)
    except ValidationError as exc:
        return None, [_describe(error, located) for error in exc.errors()]
    problems: list[str] = []
    copy = {locale: _read_copy(path, locale, problems) for locale in spec.locales}
    if spec.default_locale not in spec.locales:
        problems.append(
            f"kit.yaml:{located.line_of(('default_locale',))}: default_locale "
            f"'{spec.default_locale}' is not one of locales {spec.locales}"
        )
    content = KitContent(spec=spec, root=path, copy=copy, content_hash=content_hash(path))
    return content, problems


def validate_kit(path: Path, renderers: RendererFactory) -> KitContent:
    """The whole kit, checked: raises KitError listing every problem found."""
    content, problems = read_kit(path)
    if content is not None:
        problems += KitChecker(content, LocatedYaml(path.resolve() / "kit.yaml"), renderers).run()
    elif (path / "kit.yaml").is_file():  # the manifest failed: still check every template
        root = path.resolve()
        problems += template_problems(root, folder_templates(root))
    if problems or content is None:
        raise KitError(problems, kit=str(path))
    return content


def load_kit(session: Session, path: Path, renderers: RendererFactory) -> KitVersion:
    """Store a validated kit; loading the same content twice returns the same version."""
    content = validate_kit(path, renderers)
    kit = session.scalar(select(Kit).where(Kit.slug == content.spec.slug))
    if kit is None:
        kit = Kit(slug=content.spec.slug, name=content.spec.name)
        session.add(kit)
        session.flush()
    kit.name = content.spec.name
    version = session.scalar(
        select(KitVersion).where(
            KitVersion.kit_id == kit.id, KitVersion.content_hash == content.content_hash
        )
    )
    if version is None:
        version = KitVersion(
            kit_id=kit.id,
            content_hash=content.content_hash,
            spec=content.spec.model_dump(mode="json"),
            archive=archive(path),
            source_path=str(path.resolve()),
        )
        session.add(version)
        session.flush()
    return version


def latest_version(session: Session, slug: str) -> KitVersion:
    version = session.scalar(
        select(KitVersion).join(Kit).where(Kit.slug == slug).order_by(KitVersion.id.desc())
    )
    if version is None:
        raise NotFound(f"no kit '{slug}' has been loaded (run: campaign-engine kits load PATH)")
    return version


def find_version(session: Session, slug: str, content_hash: str) -> KitVersion | None:
    return session.scalar(
        select(KitVersion)
        .join(Kit)
        .where(Kit.slug == slug, KitVersion.content_hash == content_hash)
    )


_materialised: dict[tuple[str, str], KitContent] = {}
_materialised_lock = threading.Lock()


def materialise(session: Session, version: KitVersion, storage_dir: Path) -> KitContent:
    """The kit's files on local disk (extracted once per content hash), ready to render.
    Kept per process: a version never changes, and parsing it costs tens of milliseconds."""
    cache_key = (str(storage_dir), version.content_hash)
    with _materialised_lock:
        if cache_key in _materialised:
            return _materialised[cache_key]
    content = _extract(version, storage_dir)
    with _materialised_lock:
        _materialised[cache_key] = content
    return content


def _extract(version: KitVersion, storage_dir: Path) -> KitContent:
    target = storage_dir / "kits" / version.content_hash
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent))
        with zipfile.ZipFile(io.BytesIO(version.archive)) as zf:
            zf.extractall(staging)
        try:
            os.rename(staging, target)
        except OSError:  # another worker got there first: theirs is identical
            shutil.rmtree(staging, ignore_errors=True)
    content, problems = read_kit(target)
    if content is None or problems:
        raise KitError(problems, kit=str(target))
    return KitContent(
        spec=content.spec, root=target, copy=content.copy, content_hash=version.content_hash
    )


def kit_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in kit_files(path):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def archive(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in kit_files(path):
            zf.write(file, file.relative_to(path).as_posix())
    data = buffer.getvalue()
    if len(data) > MAX_KIT_BYTES:
        raise KitError(
            [f"the kit is {len(data) // 1_048_576} MB; the limit is 50 MB"], kit=str(path)
        )
    return data


def _read_copy(root: Path, locale: str, problems: list[str]) -> dict[str, Any]:
    file = root / "copy" / f"{locale}.yaml"
    if not file.is_file():
        problems.append(f"copy/{locale}.yaml: missing (the kit lists locale '{locale}')")
        return {}
    try:
        # FastLoader is CSafeLoader or SafeLoader: no Python objects from a kit file
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=FastLoader)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        problems.append(f"copy/{locale}.yaml:{line}: {exc.problem}")
        return {}
    if not isinstance(data, dict):
        problems.append(f"copy/{locale}.yaml:1: expected a mapping of copy keys")
        return {}
    return {key: typeset(value) for key, value in data.items()}  # typeset of the mapping


def _describe(error: Any, located: LocatedYaml) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p[:1].isupper()))
    key = ".".join(str(p) for p in loc) or "(top level)"
    return f"kit.yaml:{located.line_of(loc)}: {key}: {error['msg']}"
