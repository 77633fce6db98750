"""The deep checks of a kit: files, templates, sandbox escapes, a dry render, images, fit.

Every check appends to one list so `kits validate` can report all problems at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from jinja2 import TemplateSyntaxError, nodes
from PIL import Image

from campaign_engine.domain.kit import PLATFORM_SIZES, KitContent, KitSpec, step_body
from campaign_engine.infra.yamlfile import LocatedYaml
from campaign_engine.ports import (
    BROCHURE,
    BrandContext,
    KitRenderers,
    RenderedAsset,
    with_inline_images,
)
from campaign_engine.services.assets.activecontent import active_content
from campaign_engine.services.assets.brand.logos import fallback_lockup
from campaign_engine.typeset.context import template_context
from campaign_engine.typeset.sandbox import make_environment

RendererFactory = Callable[[KitContent], KitRenderers]
log = logging.getLogger(__name__)
WHY_NOT = {  # why active content is refused, per channel
    "email": "no mail client runs it",
    "web": "partners' websites show the snippet in their own page, where no kit script may run",
    "landing": "the landing page shows the kit's part in a sandbox that runs no script",
}


SHADOW_LOSSES = {
    "<style": "a <style> block",
    "url(": "a CSS url()",
    "position:": "CSS position",
}


def shadow_losses(html: str) -> list[tuple[int, str]]:
    """What the script embed's allowlist would drop from the web template's output, so the
    partner's site would show it unstyled: said here rather than found on the site."""
    found = []
    squeezed = html.lower().replace(" ", "")
    for mark, words in SHADOW_LOSSES.items():
        at = squeezed.find(mark)
        if at >= 0:
            line = squeezed[:at].count("\n") + 1
            found.append(
                (
                    line,
                    f"{words}, which the script embed drops; use inline styles of layout "
                    "and colour (docs/kits.md, website embed)",
                )
            )
    return found


@lru_cache(maxsize=1)
def sample_brand() -> BrandContext:
    """A partner with a very long name and a generated lockup: what validation renders
    for. Built on first use, not at import (every CLI command imports this module)."""
    return BrandContext(
        slug="sample-partner",
        name="Sample Partner Systems & Services International GmbH",
        primary_color="#0a6e4f",
        secondary_color="#f2b705",
        text_on_primary="#ffffff",
        text_on_secondary="#1d2433",
        logo_png=fallback_lockup("Sample Partner Systems", "#0a6e4f"),
        logo_on_plate=None,
        contact_email="sales@sample.example",
        phone="+44 20 7946 0000",
        phone_display="+44 20 7946 0000",
        website="https://sample.example",
        postal_address="1 Sample Street, London",
        locale="en",
        timezone="UTC",
        vertical="",
    )


def worst_case_brand(spec: KitSpec, locale: str) -> BrandContext:
    """The sample partner with every text it can change as one unbroken word: a name of
    90 characters, an address, a website and each customisable text at its longest."""
    word = "Ŵ" * 30 + "W" * 60
    custom = {
        key: ("W" * field.max_length)
        for key, field in spec.customisable.items()
        if field.max_length and not field.choices
    }
    return replace(
        sample_brand(),
        name=word,
        short_name=word[:40],
        postal_address=word + " " + word,
        website="https://" + "w" * 60 + ".example/" + "p" * 40,
        contact_email="sales@" + "w" * 60 + ".example",
        locale=locale,
        customisations=custom,
    )


class KitChecker:
    def __init__(self, kit: KitContent, located: LocatedYaml, renderers: RendererFactory) -> None:
        self.kit = kit
        self.spec = kit.spec
        self.located = located
        self.renderers = renderers
        self.problems: list[str] = []
        self._built: KitRenderers | None = None

    def built(self) -> KitRenderers:
        """The kit's renderers, made once for all the checks (a PDF renderer loads fonts)."""
        if self._built is None:
            self._built = self.renderers(self.kit)
        return self._built

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

    def dry_render(self) -> None:
        """Render every asset in every locale for a sample partner: catches undefined names."""
        renderers = self.built()
        for locale in self.spec.locales:
            brand = replace(sample_brand(), locale=locale)
            targets = [*self.spec.channels(), *([BROCHURE] if self.spec.assets.pdf else [])]
            for channel in targets:
                for renderer in renderers.for_channel(channel):
                    try:
                        rendered = renderer.render(brand, self._checked_link)
                    except Exception as exc:
                        self.problems.append(
                            f"{_template_location(exc, self.kit.root)}: "
                            f"{_first_line(exc)} (rendering {locale})"
                        )
                        continue
                    for asset in rendered if isinstance(rendered, list) else [rendered]:
                        self.check_rendered_html(asset, locale)
            self.dry_render_landing(brand, locale)

    def check_email_width(self) -> None:
        """The email at 390 px in Chromium for a partner whose name, address and every
        text field are long unbroken words. What a partner brings to an email is text
        (its logo is sized by the renderer), so a kit whose layout wraps this wraps every
        partner's: the check before each send needs no browser. Skipped without Chromium
        (`kits preflight` then says the width was not measured)."""
        from campaign_engine.services.assets.preflight.browser import PHONE, email_widths

        renderer = self.built().email
        spec = self.spec.assets.email
        if renderer is None or spec is None:
            return
        pages = {}
        for locale in self.spec.locales:
            asset = renderer.render(worst_case_brand(self.spec, locale), self._checked_link)
            html = asset.file("email.html").content.decode()
            pages[locale] = with_inline_images(html, asset.files)
        try:
            widths = email_widths(pages)
        except Exception:  # a browser that will not start is no reason to refuse a kit
            log.warning("the email's width was not measured: Chromium failed", exc_info=True)
            widths = None
        for locale, width in (widths or {}).items():
            if width > PHONE:
                self.problems.append(
                    f"{spec.html}: the email is {width} px wide on a {PHONE} px phone for a "
                    f"partner whose name, address and texts are long unbroken words ({locale}); "
                    "let text wrap (overflow-wrap: anywhere) and give nothing a fixed width "
                    "over 330 px"
                )

    def dry_render_landing(self, brand: BrandContext, locale: str) -> None:
        """The landing page's kit part, as the page renders it: undefined names and active
        content in what it renders to are errors here, not on a partner's page."""
        landing = self.spec.landing
        if landing is None or not landing.template:
            return
        context = template_context(
            self.kit, brand, self._checked_link, logo_src="", vendor_logo_src=""
        )
        try:
            html = make_environment(self.kit.root).get_template(landing.template).render(context)
        except Exception as exc:
            self.problems.append(
                f"{_template_location(exc, self.kit.root)}: {_first_line(exc)} "
                f"(rendering the landing page, {locale})"
            )
            return
        for line, problem in active_content(html):
            self.problems.append(
                f"rendered landing HTML line {line}: {problem} ({WHY_NOT['landing']}; {locale})"
            )

    def check_rendered_html(self, asset: RenderedAsset, locale: str) -> None:
        """The rendered email and web HTML too: an include, a variable or a macro can put
        together what the template's source does not show."""
        if asset.channel not in ("email", "web"):
            return
        for file in asset.files:
            if file.media_type != "text/html":
                continue
            html = file.content.decode("utf-8", "replace")
            found_here = active_content(html)
            if asset.channel == "web":
                found_here += shadow_losses(html)
            for line, problem in found_here:
                why = WHY_NOT[asset.channel]
                found = f"rendered {asset.channel} HTML line {line}: {problem} ({why}; {locale})"
                if found not in self.problems:
                    self.problems.append(found)

    def _checked_link(self, name: str) -> str:
        if name not in self.spec.links:
            raise KeyError(f"link '{name}' is not declared in kit.yaml links")
        return f"https://track.example/r/{name}"

    def check_headline_fit(self) -> None:
        social = self.spec.assets.social
        renderer = self.built().social
        overflows = getattr(renderer, "headline_overflows", None)
        if social is None or overflows is None:
            return
        for locale, copy in self.kit.copy.items():
            for i, post in enumerate(social.posts):
                headline = _dig(copy, post.headline).replace("{partner}", sample_brand().name)
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


def _const(node: nodes.Node) -> object:
    return node.value if isinstance(node, nodes.Const) else None


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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _template_location(exc: BaseException, root: Path) -> str:
    """file:line of the innermost kit template frame in the traceback (Jinja rewrites
    template frames so their filename and line number are the template's own)."""
    tb = exc.__traceback__ or sys.exc_info()[2]
    where = "kit"
    root_str = str(root.resolve())
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(root_str):
            where = f"{Path(filename).relative_to(root_str).as_posix()}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


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
