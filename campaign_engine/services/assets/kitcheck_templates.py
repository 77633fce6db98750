"""Jinja syntax and sandbox escapes in a kit's templates, read without rendering them."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateSyntaxError, nodes

from campaign_engine.typeset.sandbox import make_environment


def _const(node: nodes.Node) -> object:
    return node.value if isinstance(node, nodes.Const) else None


def template_problems(root: Path, files: list[str]) -> list[str]:
    """Jinja syntax and sandbox escapes in each file: what validation reports for the
    kit's templates, and, when kit.yaml itself does not validate, for every template in
    the folder (a bad slug must not hide a broken template)."""
    env = make_environment(root)
    problems: list[str] = []
    for rel in files:
        path = root / rel
        if not path.is_file():
            continue
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name=rel, filename=str(path))
        except TemplateSyntaxError as exc:
            problems.append(f"{rel}:{exc.lineno}: template syntax: {exc.message}")
            continue
        except UnicodeDecodeError:
            problems.append(f"{rel}:1: not UTF-8 text")
            continue
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if isinstance(node, nodes.Getattr):
                name: object = node.attr
            elif isinstance(node, nodes.Getitem):
                name = _const(node.arg)
            else:  # find_all yields only the types asked for
                continue
            if isinstance(name, str) and name.startswith("_"):
                problems.append(
                    f"{rel}:{node.lineno}: '{name}' reaches for Python internals; refused"
                )
    return problems


def folder_templates(root: Path) -> list[str]:
    """Every template-like file of a kit folder, for when kit.yaml cannot say which."""
    suffixes = (".html", ".mjml", ".txt", ".css", ".yaml", ".md", ".j2")
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix in suffixes
        and path.name != "kit.yaml"
        and path.relative_to(root).parts[0] != "copy"
    )
