"""What every page and API call made for a partner shares: who the signed-in partner is
(partner_required, current_partner), the notice link's partner and campaign, a page in
the partner's own language, a form's campaign id, and serving one of its files."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any

from flask import Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user

from campaign_engine.db import Campaign, Partner
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.ports import RenderedFile
from campaign_engine.services.access.mail import send_link_email
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.web.formats import portal_locale
from campaign_engine.web.session import db, runtime


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("portal.home"))
        if current_user.role != "partner" or current_user.partner_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def current_partner() -> Partner:
    partner = db().get(Partner, current_user.partner_id)
    if partner is None:
        abort(403)
    return partner


def in_language_of(whose: Partner | None, template: str, /, **context: Any) -> str:
    """A page that a link in the partner's email opens (sign-in, notice, confirmation)
    speaks the partner's language, as the email did, whatever the browser asks for: the
    link names the partner, the browser may be anyone's. Without a partner (a link that no
    longer works), the browser's language."""
    if whose is None:
        return render_template(template, **context)
    with force_locale(portal_locale(whose.locale)):
        return render_template(template, **context)


def optional_campaign_id(raw: str | None) -> int | None:
    """A form's campaign_id: None for "every campaign"; a bad id is an error, never
    silently every campaign. The portal's feedback and rating forms read it the same way."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**63 - 1:
        raise InvalidInput(N_("not a campaign id"), where="campaign_id")
    return int(raw)


def resolve_notice(token: str) -> tuple[Partner, Campaign]:
    partner_id, campaign_id = PartnerLinks(runtime().settings.signing_keys).read(token)
    partner = db().get(Partner, partner_id)
    if partner is None:
        raise NotFound(N_("this link is not valid"))
    return partner, get_campaign(db(), campaign_id)


# Shown in the page (an <img>, a PDF the browser opens); anything else is downloaded, so
# a kit's HTML or Markdown never runs or renders in the portal's origin.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})


def file_response(item: RenderedFile) -> Response:
    response = send_file(
        io.BytesIO(item.content),
        mimetype=item.media_type,
        as_attachment=item.media_type not in INLINE_TYPES,
        download_name=item.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def send_contact_confirmation(
    partner_name: str, email: str, token: str, *, locale: str | None = None
) -> None:
    """In the partner's language (its profile's locale); without one, the request's."""
    rt = runtime()
    link = f"{rt.settings.public_base_url}/portal/confirm-email/{token}"
    with force_locale(portal_locale(locale)) if locale else nullcontext():
        subject = gettext("Confirm the new contact address for the partner programme")
        body = "\n\n".join(
            [
                gettext(
                    "Someone asked to make %(email)s the contact address of %(partner)s in "
                    "the partner programme. Open this link within 24 hours to confirm:",
                    email=email,
                    partner=partner_name,
                ),
                link,
                gettext(
                    "Until then nothing changes. If you did not expect this, ignore this email."
                ),
            ]
        )
    send_link_email(rt, email, subject, body)
