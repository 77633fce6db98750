"""The one way kit templates are compiled: sandboxed, strict, confined to the kit folder,
and bounded in the memory and time one render may take.

Jinja's SandboxedEnvironment stops escapes (`__class__`, `mro`) and caps `range` at
100,000 items, but `{{ 'x' * 10**8 }}`, `{{ 9**9**9 }}` or `{{ ''|center(10**9) }}` would
still take the process's memory or minutes of CPU. Operators are intercepted
(`intercepted_binops`, Jinja's hook for this) and checked before they compute; every
filter, call and loop step checks a per-render deadline; no single value may grow past
MAX_LENGTH."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_LENGTH = 1_000_000  # characters or items in one value: ample for any email or post
MAX_OUTPUT = 5_000_000  # characters one render may produce
MAX_POWER_BITS = 4_096  # how large `a ** b` may get
MAX_RANGE = 10_000  # items in one range(); kits loop over a handful of things
RENDER_SECONDS = 5.0  # one template's render, kit files included

_deadline: ContextVar[float | None] = ContextVar("template_deadline", default=None)


def _check_time() -> None:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise SecurityError(f"the template took longer than {RENDER_SECONDS:g} s to render")


def _check_size(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_LENGTH:
        raise SecurityError(f"a value in the template grew past {MAX_LENGTH:,} characters")
    return value


class BoundedTemplate(Template):
    """Starts the render's deadline (nested renders share the outer one) and counts the
    output as it streams, as Template.render would join it."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        outer = _deadline.get() is None
        token = _deadline.set(time.monotonic() + RENDER_SECONDS) if outer else None
        try:
            context = self.new_context(dict(*args, **kwargs))
            pieces, length = [], 0
            try:
                for piece in self.root_render_func(context):
                    length += len(piece)
                    if length > MAX_OUTPUT:
                        raise SecurityError(
                            f"the template's output passed {MAX_OUTPUT:,} characters"
                        )
                    pieces.append(piece)
            except Exception:
                self.environment.handle_exception()
            return "".join(pieces)
        finally:
            if token is not None:
                _deadline.reset(token)


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})
    template_class = BoundedTemplate

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded(f) for name, f in self.filters.items()}
        self.globals["range"] = _bounded_range

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        _check_time()
        if op == "**":
            _check_power(left, right)
        elif op == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        return _check_size(self.binop_table[op](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_time()
        return _check_size(super().call(__context, __obj, *args, **kwargs))


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int | float) and isinstance(exponent, int | float):
        size = abs(exponent) * math.log2(abs(base)) if abs(base) > 1 else 0
        if size > MAX_POWER_BITS:
            raise SecurityError(f"{base} ** {exponent} is too large to compute")


def _check_repeat(sequence: Any, times: Any) -> None:
    repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
    if repeats and len(sequence) * times > MAX_LENGTH:
        raise SecurityError(f"repeating a value {times:,} times is too large")


def _bounded(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)  # keeps jinja_pass_arg, so context-taking filters still get it
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_time()
        return _check_size(f(*args, **kwargs))

    return wrapper


def _bounded_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE:,} items")
    for number in numbers:
        _check_time()
        yield number


def make_environment(root: Path) -> SandboxedEnvironment:
    """Kit templates are untrusted: the sandbox blocks `__class__`-style escapes at render,
    StrictUndefined turns a misspelt variable into an error instead of an empty string,
    FileSystemLoader refuses `..` so `{% include %}` cannot leave the kit, and
    BoundedSandbox caps what one render may cost."""
    return BoundedSandbox(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
