"""CRM talking points: a sandboxed YAML template becomes structured JSON and markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from renderers.context import template_context
from renderers.sandbox import make_environment

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
REQUIRED = ("pitch", "why_now", "discovery_questions", "objections", "next_step")


class CrmRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.env = make_environment(kit.root)

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.crm
        assert spec is not None
        template = spec.variants.get(brand.vertical.lower(), spec.template)
        ctx = template_context(self.kit, brand, link, logo_src="", vendor_logo_src="")
        text = self.env.get_template(template).render(ctx)
        points = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 (a safe loader, see above)
        missing = [key for key in REQUIRED if not isinstance(points, dict) or key not in points]
        if missing:
            raise InvalidInput(f"talking points lack {', '.join(missing)}", where=template)
        structured = {"partner": brand.slug, "variant": template, **points}
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
            meta={"variant": template},
        )


def to_markdown(title: str, points: dict[str, Any]) -> str:
    lines = [
        f"# {title}: talking points",
        "",
        "## Pitch",
        points["pitch"],
        "",
        "## Why now",
        points["why_now"],
        "",
        "## Discovery questions",
    ]
    lines += [f"{n}. {q}" for n, q in enumerate(points["discovery_questions"], 1)]
    lines += ["", "## Objections"]
    for item in points["objections"]:
        lines += [f"- **{item['objection']}** {item['answer']}"]
    lines += ["", "## Next step", points["next_step"], ""]
    return "\n".join(lines)
