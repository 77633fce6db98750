"""YAML with line numbers, so a problem in kit.yaml is reported as kit.yaml:LINE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LocatedYaml:
    """Parsed data plus the node tree that remembers where each key and value was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        self.data: Any = yaml.safe_load(text)

    def line_of(self, loc: tuple[str | int, ...]) -> int:
        """1-based line of the deepest key or item along `loc` that exists."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            line, node = found
        return line


def _child(node: yaml.Node | None, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None
