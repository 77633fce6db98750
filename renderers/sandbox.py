"""The one way kit templates are compiled: sandboxed, strict, confined to the kit folder."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment


def make_environment(root: Path) -> SandboxedEnvironment:
    """Kit templates are untrusted: the sandbox blocks `__class__`-style escapes at render,
    StrictUndefined turns a misspelt variable into an error instead of an empty string,
    and FileSystemLoader refuses `..` so `{% include %}` cannot leave the kit."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
