"""The bench scripts name the engine's modules and functions directly and run only by
hand, so a move that renames one breaks a bench unseen (bench/launch.py's naive path
called two pipeline functions by their old names after issue #32's move). Every name a
bench imports from the project, and every attribute it reads from a project module it
imported, must exist."""

from __future__ import annotations

import ast
import contextlib
import importlib
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
OURS = ("campaign_engine", "renderers", "connectors")


def _modules(tree: ast.Module) -> tuple[dict[str, ModuleType], list[tuple[str, str, int]]]:
    """Local names bound to project modules, and (module, name, line) of each name a
    `from project.x import name` asks for."""
    bound: dict[str, ModuleType] = {}
    wanted: list[tuple[str, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(OURS):
            for alias in node.names:
                wanted.append((node.module or "", alias.name, node.lineno))
                target = f"{node.module}.{alias.name}"
                with contextlib.suppress(ImportError):  # a function or a class
                    bound[alias.asname or alias.name] = importlib.import_module(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(OURS) and alias.asname:
                    bound[alias.asname] = importlib.import_module(alias.name)
    return bound, wanted


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_engine_name_a_bench_uses_exists(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    bound, wanted = _modules(tree)
    missing = [
        f"line {line}: {module}.{name}"
        for module, name, line in wanted
        if not hasattr(importlib.import_module(module), name)
    ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and not hasattr(bound[node.value.id], node.attr)
        ):
            missing.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not missing, f"{script.name} names what the engine no longer has: {missing}"
