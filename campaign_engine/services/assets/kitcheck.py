"""The deep checks of a kit: files, templates, sandbox escapes, a dry render, images, fit.

Every check appends to one list so `kits validate` can report all problems at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image

from campaign_engine.domain.kit import PLATFORM_SIZES, KitContent, step_body
from campaign_engine.infra.yamlfile import LocatedYaml
from campaign_engine.ports import KitRenderers
from campaign_engine.services.assets.activecontent import active_content
from campaign_engine.services.assets.kitcheck_render import WHY_NOT, RenderChecks, RendererFactory
from campaign_engine.services.assets.kitcheck_templates import template_problems
from campaign_engine.services.assets.sample_partner import sample_brand
from campaign_engine.typeset.context import localise


class KitChecker(RenderChecks):
    """Every check of one kit (run), each appending to `problems`; the checks that render
    the kit are RenderChecks' (kitcheck_render)."""

    def __init__(self, kit: KitContent, located: LocatedYaml, renderers: RendererFactory) -> None:
        self.kit = kit
        self.spec = kit.spec
        self.located = located
        self.renderers = renderers
        self.problems: list[str] = []
        self._built: KitRenderers | None = None

    def run(self) -> list[str]:
        self.check_files()
        self.check_copy_keys()
        self.check_links()
        self.check_customisations()
        self.check_fonts()
        templates_ok = self.check_templates()
        self.check_active_content()
        self.check_images()
        if (self.kit.root / self.spec.fonts.bold).is_file():
            self.check_headline_fit()
        if templates_ok and not self.problems:
            self.dry_render()
        if templates_ok and not self.problems:
            self.check_email_width()
        return self.problems

    def at(self, *loc: str | int) -> str:
        return f"kit.yaml:{self.located.line_of(loc)}"

    def referenced_files(self) -> list[tuple[tuple[str | int, ...], str]]:
        a = self.spec.assets
        refs: list[tuple[tuple[str | int, ...], str]] = [
            (("vendor", "logo"), self.spec.vendor.logo),
            (("fonts", "regular"), self.spec.fonts.regular),
            (("fonts", "bold"), self.spec.fonts.bold),
        ]
        if a.email:
            refs += [
                (("assets", "email", "html"), a.email.html),
                (("assets", "email", "text"), a.email.text),
            ]
        if a.pdf:
            refs += [
                (("assets", "pdf", "template"), a.pdf.template),
                (("assets", "pdf", "stylesheet"), a.pdf.stylesheet),
            ]
        if a.social:
            refs += [
                (("assets", "social", "posts", i, "background"), p.background)
                for i, p in enumerate(a.social.posts)
            ]
        if a.crm:
            refs.append((("assets", "crm", "template"), a.crm.template))
            refs += [(("assets", "crm", "variants", k), v) for k, v in a.crm.variants.items()]
        if a.web:
            refs.append((("assets", "web", "template"), a.web.template))
        if self.spec.landing and self.spec.landing.template:
            refs.append((("landing", "template"), self.spec.landing.template))
        if a.signature and a.signature.background:
            refs.append((("assets", "signature", "background"), a.signature.background))
        refs += [(("sequence", i, "body"), step.body) for i, step in enumerate(self.spec.sequence)]
        for i, step in enumerate(self.spec.sequence):  # its bodies per language, if any
            for locale in self.spec.locales:
                body = step_body(step, locale, lambda path: (self.kit.root / path).is_file())
                if body != step.body:
                    refs.append((("sequence", i, "body", locale), body))
        return refs

    def check_files(self) -> None:
        root = self.kit.root.resolve()
        for loc, rel in self.referenced_files():
            target = (root / rel).resolve()
            if not target.is_relative_to(root):
                self.problems.append(f"{self.at(*loc)}: '{rel}' points outside the kit")
            elif not target.is_file():
                self.problems.append(f"{self.at(*loc)}: file '{rel}' does not exist")

    def copy_keys(self) -> list[tuple[tuple[str | int, ...], str]]:
        a = self.spec.assets
        keys: list[tuple[tuple[str | int, ...], str]] = []
        if a.email:
            keys += [
                (("assets", "email", "subject"), a.email.subject),
                (("assets", "email", "preheader"), a.email.preheader),
            ]
        if a.social:
            for i, post in enumerate(a.social.posts):
                keys += [
                    (("assets", "social", "posts", i, "headline"), post.headline),
                    (("assets", "social", "posts", i, "text"), post.text),
                ]
        if a.signature:
            keys.append((("assets", "signature", "headline"), a.signature.headline))
        if self.spec.landing:
            page = self.spec.landing
            keys += [
                (("landing", name), getattr(page, name))
                for name in ("headline", "body", "consent", "cta")
            ]
        return keys

    def check_copy_keys(self) -> None:
        for locale, copy in self.kit.copy.items():
            for loc, dotted in self.copy_keys():
                node: object = copy
                for part in dotted.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if not isinstance(node, str):
                    self.problems.append(
                        f"{self.at(*loc)}: copy key '{dotted}' is missing from copy/{locale}.yaml"
                    )

    def check_links(self) -> None:
        a = self.spec.assets
        used: list[tuple[tuple[str | int, ...], str]] = []
        if a.pdf:
            used.append((("assets", "pdf", "qr_link"), a.pdf.qr_link))
        if a.social:
            used += [
                (("assets", "social", "posts", i, "link"), p.link)
                for i, p in enumerate(a.social.posts)
            ]
        if a.signature:
            used.append((("assets", "signature", "link"), a.signature.link))
        for loc, name in used:
            if name not in self.spec.links:
                self.problems.append(f"{self.at(*loc)}: link '{name}' is not declared in links")

    def check_customisations(self) -> None:
        for key, field in self.spec.customisable.items():
            default = field.default
            values = default if isinstance(default, list) else [default] if default else []
            if field.choices is not None:
                for value in values:
                    if value not in field.choices:
                        self.problems.append(
                            f"{self.at('customisable', key, 'default')}: "
                            f"'{value}' is not one of {field.choices}"
                        )
            if field.max_length and isinstance(default, str) and len(default) > field.max_length:
                self.problems.append(
                    f"{self.at('customisable', key, 'default')}: default is "
                    f"{len(default)} characters; max_length is {field.max_length}"
                )

    def template_files(self) -> list[str]:
        suffixes = (".html", ".mjml", ".txt", ".css", ".yaml", ".md", ".j2")
        return sorted({rel for _, rel in self.referenced_files() if rel.endswith(suffixes)})

    def check_templates(self) -> bool:
        found = template_problems(self.kit.root, self.template_files())
        self.problems += found
        return not found

    def html_templates(self) -> list[tuple[tuple[str | int, ...], str]]:
        """The templates that become HTML someone opens: the email and the web snippet."""
        a = self.spec.assets
        refs: list[tuple[tuple[str | int, ...], str]] = []
        if a.email:
            refs.append((("assets", "email", "html"), a.email.html))
        if a.web:
            refs.append((("assets", "web", "template"), a.web.template))
        if self.spec.landing and self.spec.landing.template:
            refs.append((("landing", "template"), self.spec.landing.template))
        return refs

    def check_active_content(self) -> None:
        """Scripts, event handlers and javascript: URLs in HTML templates are errors, and
        those templates must be .html so partner fields are escaped in them."""
        for loc, rel in self.html_templates():
            mjml = loc == ("assets", "email", "html") and rel.endswith(".mjml")
            if not (mjml or rel.endswith((".html", ".htm"))):
                self.problems.append(
                    f"{self.at(*loc)}: '{rel}' must end in .html, or .mjml for the email "
                    "(partner fields are escaped only in those templates)"
                )
        for loc, rel in self.html_templates():
            path = self.kit.root / rel
            if not path.is_file():
                continue
            try:
                source = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # reported by check_templates
            why = WHY_NOT[str(loc[1] if loc[0] == "assets" else loc[0])]
            for line, problem in active_content(source):
                self.problems.append(f"{rel}:{line}: {problem} ({why})")

    def check_images(self) -> None:
        root = self.kit.root
        logo = root / self.spec.vendor.logo
        if logo.is_file() and not _decodes(logo):
            self.problems.append(
                f"{self.at('vendor', 'logo')}: '{self.spec.vendor.logo}' is not a readable image"
            )
        if not self.spec.assets.social:
            return
        for i, post in enumerate(self.spec.assets.social.posts):
            path = root / post.background
            if not path.is_file():
                continue
            if not _decodes(path):
                self.problems.append(
                    f"{self.at('assets', 'social', 'posts', i, 'background')}: "
                    f"'{post.background}' is not a readable image"
                )
                continue
            with Image.open(path) as image:
                need_w = max(PLATFORM_SIZES[p][0] for p in post.platforms)
                need_h = max(PLATFORM_SIZES[p][1] for p in post.platforms)
                if image.width < need_w or image.height < need_h:
                    self.problems.append(
                        f"{self.at('assets', 'social', 'posts', i, 'background')}: "
                        f"'{post.background}' is {image.width}x{image.height}; its platforms "
                        f"need at least {need_w}x{need_h}"
                    )

    def check_headline_fit(self) -> None:
        social = self.spec.assets.social
        renderer = self.built().social
        overflows = getattr(renderer, "headline_overflows", None)
        if social is None or overflows is None:
            return
        for locale, copy in self.kit.copy.items():
            for i, post in enumerate(social.posts):
                sample = sample_brand()
                headline = localise(_dig(copy, post.headline), sample.name, sample.short_name)
                for platform in post.platforms:
                    if overflows(headline, platform):
                        self.problems.append(
                            f"{self.at('assets', 'social', 'posts', i, 'headline')}: headline "
                            f"'{headline[:40]}' ({locale}) overflows the {platform} text box"
                        )

    def check_fonts(self) -> None:
        """Every character of the copy must have a glyph in the bundled fonts: a missing
        glyph makes WeasyPrint search the system's fonts (once measured at 55 s)."""
        used = {ch for copy in self.kit.copy.values() for ch in _characters(copy)}
        used -= {"\n", "\t", "\r"}
        for key in ("regular", "bold"):
            rel = getattr(self.spec.fonts, key)
            path = self.kit.root / rel
            if not path.is_file():
                continue
            try:
                cmap = TTFont(path, lazy=True).getBestCmap()
            except Exception:
                self.problems.append(
                    f"{self.at('fonts', key)}: '{rel}' is not a TrueType/OpenType font"
                )
                continue
            missing = sorted(ch for ch in used if ord(ch) not in cmap and not ch.isspace())
            if missing:
                shown = "".join(missing[:20])
                self.problems.append(
                    f"{self.at('fonts', key)}: '{rel}' has no glyph for {len(missing)} "
                    f"character(s) the copy uses: {shown!r}"
                )


def _characters(value: object) -> set[str]:
    if isinstance(value, str):
        return set(value)
    if isinstance(value, dict):
        return set().union(*(_characters(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_characters(v) for v in value)) if value else set()
    return set(str(value))


def _decodes(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except Exception:
        return False


def _dig(copy: Mapping[str, object], dotted: str) -> str:
    node: object = copy
    for part in dotted.split("."):
        node = node.get(part, "") if isinstance(node, dict) else ""
    return str(node)
