"""CRM talking points: a sandboxed YAML template becomes structured JSON and markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import template_context
from campaign_engine.typeset.sandbox import make_environment
from campaign_engine.typeset.textbreak import FSI as FSI
from campaign_engine.typeset.textbreak import PDI as PDI
from campaign_engine.typeset.textbreak import isolate_names

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
REQUIRED = ("pitch", "why_now", "discovery_questions", "objections", "next_step")


class CrmRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.crm
        assert spec is not None
        variant = brand.vertical.lower() if brand.vertical.lower() in spec.variants else "default"
        template = spec.variants.get(variant, spec.template)
        ctx = template_context(self.kit, brand, link, logo_src="", vendor_logo_src="")
        text = self.env.get_template(template).render(ctx)
        points = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 (a safe loader, see above)
        points = isolate_names(points, (brand.name, brand.display_name), ctx["lang"])
        missing = [key for key in REQUIRED if not isinstance(points, dict) or key not in points]
        if missing:
            raise InvalidInput(f"talking points lack {', '.join(missing)}", where=template)
        # the variant's name, never the kit's file path: the JSON goes to the partner's CRM
        content = {k: v for k, v in points.items() if k != "labels"}
        structured = {"partner": brand.slug, "variant": variant, **content}
        return RenderedAsset(
            channel="crm",
            asset="talking-points",
            files=(
                RenderedFile(
                    "talking-points.json",
                    "application/json",
                    json.dumps(structured, indent=2, ensure_ascii=False).encode(),
                ),
                RenderedFile(
                    "talking-points.md",
                    "text/markdown",
                    to_markdown(self.kit.spec.name, points).encode(),
                ),
            ),
            meta={"variant": variant},
        )


LABELS = {
    "pitch": "Pitch",
    "why_now": "Why now",
    "questions": "Discovery questions",
    "objections": "Objections",
    "next_step": "Next step",
}
URL = re.compile(r"(https?://[^\s<>\[\]()\"'`]+)")
# CommonMark's ASCII punctuation that can start markup anywhere in a line.
SPECIAL = re.compile(r"([\\`*_\[\]{}<>()#+!|~])")


def escaped(text: object) -> str:
    """Text as Markdown that shows exactly that text: a partner called "*Best* [IT](x)"
    is not bold and not a link. URLs are left whole (escaping would break them) and
    become autolinks."""
    parts = URL.split(" ".join(str(text).split()))  # no line breaks: no lists, no headings
    return "".join(
        f"<{part}>" if i % 2 else SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts)
    )


def to_markdown(title: str, points: dict[str, Any]) -> str:
    """The points in the partner's language: headings from the kit's crm.labels copy
    (English where a kit has none), every value escaped."""
    labels = {**LABELS, "title": f"{title}: talking points", **(points.get("labels") or {})}
    lines = [f"# {escaped(labels['title'])}", "", f"## {escaped(labels['pitch'])}"]
    lines += [escaped(points["pitch"]), "", f"## {escaped(labels['why_now'])}"]
    lines += [escaped(points["why_now"]), "", f"## {escaped(labels['questions'])}"]
    lines += [f"{n}. {escaped(q)}" for n, q in enumerate(points["discovery_questions"], 1)]
    lines += ["", f"## {escaped(labels['objections'])}"]
    for item in points["objections"]:
        lines += [f"- **{escaped(item['objection'])}** {escaped(item['answer'])}"]
    step = escaped(points["next_step"])
    if points.get("link"):
        step += f" <{points['link']}>"
    lines += ["", f"## {escaped(labels['next_step'])}", step, ""]
    return "\n".join(lines)
