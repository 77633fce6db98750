"""The checks of a kit that render it: every asset in every locale for the sample
partner, the landing page's part, what the rendered HTML holds, and the email's width on
a phone for the worst-case partner."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from campaign_engine.domain.kit import KitContent, KitSpec
from campaign_engine.ports import (
    BROCHURE,
    BrandContext,
    KitRenderers,
    RenderedAsset,
    with_inline_images,
)
from campaign_engine.services.assets.activecontent import active_content
from campaign_engine.services.assets.sample_partner import sample_brand, worst_case_brand
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


class RenderChecks:
    """KitChecker's checks that render the kit, with the renderers it builds once for
    them; KitChecker sets the attributes declared here."""

    kit: KitContent
    spec: KitSpec
    problems: list[str]
    renderers: RendererFactory
    _built: KitRenderers | None

    def built(self) -> KitRenderers:
        """The kit's renderers, made once for all the checks (a PDF renderer loads fonts)."""
        if self._built is None:
            self._built = self.renderers(self.kit)
        return self._built

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
