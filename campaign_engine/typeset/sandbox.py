"""The one way kit templates are compiled: sandboxed, strict, confined to the kit folder,
and bounded in the memory and time one render may take.

Jinja's SandboxedEnvironment stops escapes (`__class__`, `mro`) and caps `range` at
100,000 items, but `{{ 'x' * 10**8 }}`, `{{ 9**9**9 }}`, `{{ ''|center(10**9) }}` or a
chain of `~` would still take the process's memory or minutes of CPU. So, before anything
is computed: operators (`intercepted_binops`, Jinja's hook for this) and `~` (compiled
through BoundedCodeGenerator) check the size of what they would build; filters and calls
refuse inputs over MAX_FILTER_INPUT and numbers (widths, counts) over MAX_LENGTH; format
strings refuse huge widths. Every filter, call, operator and loop step checks a per-render
deadline, and the output is counted as it streams. Jinja has no budget hook of its own;
this is the smallest set of checks that bounds every operation the sandbox allows."""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, nodes, select_autoescape
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

MAX_LENGTH = 1_000_000  # characters or items in one value: ample for any email or post
MAX_OUTPUT = 5_000_000  # characters one render may produce
MAX_FILTER_INPUT = 100_000  # characters or items one filter or call may be given
MAX_POWER_BITS = 4_096  # how large `a ** b` may get
MAX_RANGE = 10_000  # items in one range(); kits loop over a handful of things
RENDER_SECONDS = 5.0  # one template's render, kit files included
# A %-format or {}-format width or precision of 7 digits or more ('%01500000000d').
PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d{7,}|\d*\.(\*|\d{7,}))")
BRACE_WIDTH = re.compile(r"\{[^{}]*:[^{}]*\d{7,}")

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
                        raise SecurityError(f"the output passed {MAX_OUTPUT:,} characters")
                    pieces.append(piece)
            except Exception:
                self.environment.handle_exception()
            return "".join(pieces)
        finally:
            if token is not None:
                _deadline.reset(token)


class BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b ~ c` into a checked join instead of Jinja's unchecked one."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {markup})")


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})
    template_class = BoundedTemplate
    code_generator_class = BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded(name, f) for name, f in self.filters.items()}
        self.globals["range"] = _bounded_range

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        _check_time()
        if op == "**":
            _check_power(left, right)
        elif op == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif op == "%" and isinstance(left, str):
            _check_widths(PERCENT_WIDTH, left)
        elif op == "+":
            _check_total((left, right))
        return _check_size(self.binop_table[op](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_time()
        # str.format arrives wrapped by the sandbox (functools.update_wrapper)
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str) and getattr(__obj, "__name__", "") in ("format", "format_map"):
            _check_widths(BRACE_WIDTH, owner)
        _check_arguments(args, kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def checked_concat(self, parts: tuple[Any, ...], markup: bool) -> str:
        _check_time()
        _check_total(parts)
        return markup_join(parts) if markup else str_join(parts)


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int | float) and isinstance(exponent, int | float):
        size = abs(exponent) * math.log2(abs(base)) if abs(base) > 1 else 0
        if size > MAX_POWER_BITS:
            raise SecurityError(f"{base} ** {exponent} is too large to compute")


def _check_repeat(sequence: Any, times: Any) -> None:
    repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
    if repeats and len(sequence) * times > MAX_LENGTH:
        raise SecurityError(f"repeating a value {times:,} times is too large")


def _check_total(parts: Any) -> None:
    """What joining or adding these would build, before it is built."""
    total = sum(len(p) if isinstance(p, str | bytes | list | tuple) else 32 for p in parts)
    if total > MAX_LENGTH:
        raise SecurityError(f"a value in the template would grow past {MAX_LENGTH:,} characters")


def _check_widths(pattern: re.Pattern[str], text: str) -> None:
    if pattern.search(text):
        raise SecurityError("a format width or precision that large is refused")


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Inputs a single filter or call could spend seconds or gigabytes on."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_FILTER_INPUT:
            raise SecurityError(f"a value over {MAX_FILTER_INPUT:,} long given to a filter")
        if isinstance(value, int) and abs(value) > MAX_LENGTH:
            raise SecurityError(f"a number over {MAX_LENGTH:,} given to a filter")


def _check_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The filtered value, then widths, counts and patterns: all bounded before the call;
    replace, join and format can grow far beyond their inputs, so they are sized first."""
    plain = [a for a in args if not isinstance(a, Context | EvalContext | SandboxedEnvironment)]
    _check_arguments(tuple(plain), kwargs)
    if name == "format" and plain and isinstance(plain[0], str):
        _check_widths(PERCENT_WIDTH, plain[0])
    elif name == "replace" and len(plain) >= 3 and all(isinstance(a, str) for a in plain[:3]):
        value, old, new = plain[:3]
        grown = len(value) + (value.count(old) if old else len(value) + 1) * len(new)
        if grown > MAX_LENGTH:
            raise SecurityError("replace() would grow the value past the limit")
    elif name == "join" and plain and isinstance(plain[0], list | tuple):
        _check_total([str(x) for x in plain[0]])


def _bounded(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)  # keeps jinja_pass_arg, so context-taking filters still get it
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_time()
        _check_filter(name, args, kwargs)
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
    env = BoundedSandbox(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "mjml"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # `tojson` writes characters as they are: its default \ud83d\ude00 surrogate escapes for
    # an emoji are JSON that YAML refuses, and a YAML template (talking points) failed on a
    # partner named "Acme 😀 Ltd". <, >, & and ' are still escaped by Jinja's htmlsafe dumps.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters["nowidow"] = nowidow
    return env


def nowidow(text: object) -> object:
    """A heading's last two words bound by a no-break space, so a short last word never
    stands alone on a line ("Backups ransomware can't / touch", a review by eye): the
    `nowidow` filter. Markup stays markup; text of fewer than three words is left."""
    if not isinstance(text, str):
        return text
    head, space, last = text.rstrip().rpartition(" ")
    if not space or " " not in head.strip() or len(last) > 12:
        return text
    joined = f"{head}\u00a0{last}"
    return type(text)(joined) if isinstance(text, Markup) else joined
