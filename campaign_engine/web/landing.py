"""Co-branded landing pages (services/workspace/landing.py) and their double opt-in links.

Who may use them: anyone with the token of a tracked link the kit marks `landing: true`
(the partner's customers reach the page from a post, an email or a signature; any other
token is a 404). What they grant: seeing the page, and submitting one lead to that
partner. A client over its limits is held for the partner's review, not refused, so no
one client can shut the form for everyone (services/attribution/leads/intake.py); a honeypot catches
bots. `/l/confirm/<signed>`: whoever holds a lead's signed, expiring confirmation link may
confirm that one lead (double opt-in). Nothing else: no sign-in, and nothing of any other
partner.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign_engine.db import Event, Lead, TrackedLink
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.services.access.mail import send_link_email
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.attribution.leads.disposition import DISCARDED, HELD, UNCONFIRMED
from campaign_engine.services.attribution.leads.intake import (
    Verdict,
    admit,
    confirm,
    release,
    verdict,
    visitor_of,
)
from campaign_engine.services.attribution.leads.optin import (
    ConfirmLinkError,
    ConfirmLinks,
    needs_confirmation,
)
from campaign_engine.services.attribution.tracking import visitor_salt
from campaign_engine.services.workspace.embed import landing_html
from campaign_engine.services.workspace.landing import (
    LandingPage,
    arrival,
    confirm_email,
    landing_page,
    lead_email,
    lead_key,
    push_lead,
    read_lead,
)
from campaign_engine.typeset.context import address_lines
from campaign_engine.typeset.partner_text import PartnerText, direction
from campaign_engine.web.formats import VISITOR_LANGUAGES, portal_locale, visitor_locale, web_link
from campaign_engine.web.landing_look import colours, partner_logo, phone_link, vendor_logo
from campaign_engine.web.session import db, runtime

bp = Blueprint("landing", __name__)


def _page(token: str) -> LandingPage:
    settings = runtime().settings
    return landing_page(db(), token, settings.storage_dir, settings.public_base_url)


def _visitor(page: LandingPage) -> str:
    """The page's language for its visitor: its copy's (formats.visitor_locale)."""
    language = (page.partner.locale or "en").replace("-", "_").split("_")[0].lower()
    return visitor_locale(page.partner.locale, page.kit.language_for(language))


def _render(page: LandingPage, token: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    """In the partner's language, whatever the visitor's browser says: it is the
    partner's page."""
    brand = brand_context(page.partner)
    locale = _visitor(page)
    copy_lang = page.kit.language_for(brand.language)
    text = PartnerText([brand.name, brand.display_name], brand.language, copy_lang, for_print=False)
    with force_locale(locale):
        labels = _labels()
        html = render_template(
            "landing/page.html",
            page=page,
            token=token,
            brand=brand,
            colours=colours(brand),
            logo=partner_logo(brand),
            vendor_logo=vendor_logo(page.kit, brand),
            phone=phone_link(brand),
            address=address_lines(brand.postal_address),
            named=text.named,
            bdi=text.bdi,
            website=web_link(page.partner.website),
            language=locale.split("_")[0],
            copy_lang=copy_lang,
            copy_dir=direction(copy_lang),
            labels=labels,
            thanks_title=_("Thank you"),
            learn_more=_("Learn more about the offer"),
            kit_html=Markup(landing_html(page.fragment)) if page.fragment else "",  # noqa: S704 - nh3 allowlist
            thanks_text=(
                _("Check your inbox: we sent you a link to confirm your request.")
                if extra.pop("confirm", False)
                else _("%(partner)s will be in touch soon.", partner=page.partner.name)
            ),
            values=extra.pop("values", {}),
            **{"done": False, "error": None, "error_field": None, **extra},
        )
    return html, status


def _labels() -> dict[str, str]:
    """The form's fields as people read them, in the current locale."""
    return {
        "name": _("Your name"),
        "email": _("Work email"),
        "company": _("Company"),
        "phone": _("Phone"),
        "message": _("Message"),
    }


def _problem(field: str | None) -> str:
    """What the visitor reads, in the partner's language, for the field that failed."""
    if field == "email":
        return _("Please enter your email address, like name@company.example.")
    if field == "consent":
        return _("Please tick the box to agree to be contacted.")
    return _("Please shorten the marked field.")


@bp.get("/l/<token>")
def show(token: str) -> tuple[str, int]:
    return _render(_page(token), token)


@bp.post("/l/<token>")
def submit(token: str) -> tuple[str, int]:
    """A lead, held for review when its client is over its limits, or unconfirmed until
    its visitor confirms when the kit asks for double opt-in: the visitor reads the same
    answer either way (services/attribution/leads/intake.py). Only past the hard bound of
    one network is that one client refused."""
    page = _page(token)
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if form.get("website_url"):  # the honeypot: a bot is thanked, and nothing is kept
        return _render(page, token, done=True)
    rt = runtime()
    session = db()
    try:
        lead = read_lead(page, form)
    except InvalidInput as exc:
        with force_locale(_visitor(page)):
            message = _problem(exc.where)
        return _render(page, token, 422, error=message, error_field=exc.where, values=form)
    now = rt.clock()
    agent = request.headers.get("User-Agent", "")
    visitor = visitor_of(request.remote_addr, agent, visitor_salt(rt.settings.secret_key))
    decided = verdict(session, page.partner.id, visitor, now)
    if decided is Verdict.REFUSE:
        with force_locale(_visitor(page)):
            message = _("Too many requests from here: try again in a minute.")
        return _render(page, token, 429, error=message, values=form)
    confirm_first = needs_confirmation(page.landing, page.partner)
    state = HELD if decided is Verdict.HOLD else UNCONFIRMED if confirm_first else "new"
    try:
        admitted = admit(session, arrival(page, lead), visitor, state, now)
        session.commit()  # the lead is kept before anything is sent about it
    except IntegrityError:  # the same address, at the same moment: it counts once
        session.rollback()
        admitted = None
    if admitted is not None and state == "new":
        deliver(page, lead)
    elif admitted is not None and state == UNCONFIRMED:
        ask_to_confirm(page, admitted, lead["email"])
    return _render(page, token, done=True, confirm=confirm_first)


def deliver(page: LandingPage, lead: dict[str, str]) -> None:
    """A lead that counts goes to the partner: by email at once, and to its own CRM."""
    rt = runtime()
    session = db()
    if page.partner.contact_email:
        with force_locale(portal_locale(page.partner.locale)):
            leads_url = rt.settings.public_base_url + url_for("portal_leads.page")
            subject, body = lead_email(page, lead, _labels(), _, leads_url=leads_url)
        send_link_email(rt, page.partner.contact_email, subject, body, partner=page.partner.slug)
    if push_lead(rt, session, page, lead, lead_key(page, lead)) is not None:
        session.commit()


def ask_to_confirm(page: LandingPage, lead: Lead, email: str) -> None:
    """The double opt-in email, in the partner's language, with the lead's signed link."""
    rt = runtime()
    signed = _links().make(lead.id, lead.external_id)
    link = rt.settings.public_base_url + url_for("landing.confirm_page", signed=signed)
    with force_locale(_visitor(page)):
        subject, body = confirm_email(page, link, _)
    send_link_email(rt, email, subject, body, partner=page.partner.slug)


def release_lead(lead: Lead, actor: str) -> str:
    """A held lead let through by its partner: it counts now, and goes to the partner as
    a fresh one would; or, when its page asks for double opt-in, its visitor is asked to
    confirm first. Returns the state it is in."""
    given = dict(lead.pending or {})
    page = page_quietly(str(given.get("token", "")))
    confirm_first = page is not None and needs_confirmation(page.landing, page.partner)
    state = release(db(), lead, confirm_first=confirm_first, actor=actor, now=runtime().clock())
    db().commit()
    if page is not None and state == UNCONFIRMED:
        ask_to_confirm(page, lead, given["lead"]["email"])
    elif page is not None:
        deliver(page, given["lead"])
    return state


def page_quietly(token: str) -> LandingPage | None:
    """The page a waiting lead came from, or None when it has closed since."""
    try:
        return _page(token)
    except NotFound:
        return None


def _links() -> ConfirmLinks:
    settings = runtime().settings
    return ConfirmLinks(settings.signing_keys, settings.leads.confirm_hours)


def _waiting(signed: str) -> tuple[Lead, LandingPage]:
    """The lead a confirmation link names, and its page; ConfirmLinkError (400, or 410
    once expired or discarded) otherwise."""
    lead_id, external_id = _links().read(signed)
    lead = db().get(Lead, lead_id) if 0 < lead_id < 2**63 else None
    if lead is None or lead.external_id != external_id:
        raise ConfirmLinkError("this confirmation link is not valid", expired=False)
    if lead.state == DISCARDED:
        raise ConfirmLinkError("this confirmation link has expired", expired=True)
    token = (lead.pending or {}).get("token") or _token_of(lead)
    page = page_quietly(token) if token else None
    if page is None:
        raise ConfirmLinkError("this campaign's page has ended", expired=True)
    return lead, page


def _token_of(lead: Lead) -> str | None:
    """A confirmed lead's page: its event's tracked link."""
    return db().scalar(
        select(TrackedLink.token)
        .join(Event, Event.link_id == TrackedLink.id)
        .where(Event.partner_id == lead.partner_id, Event.external_id == lead.external_id)
    )


@bp.get("/l/confirm/<signed>")
def confirm_page(signed: str) -> tuple[str, int]:
    """What the confirmation link opens: a button, so that a mail scanner opening every
    link confirms nothing."""
    try:
        lead, page = _waiting(signed)
    except ConfirmLinkError as exc:
        return _refused(exc)
    waiting = lead.state == UNCONFIRMED
    # what is being confirmed, so someone whose address another typed in can tell
    given = dict((lead.pending or {}).get("lead", {})) if waiting else {}
    return _confirmation(page, signed, done=not waiting, given=given)


@bp.post("/l/confirm/<signed>")
def confirm_submit(signed: str) -> tuple[str, int]:
    """The visitor confirms: the lead counts now, and only the first time."""
    try:
        lead, page = _waiting(signed)
    except ConfirmLinkError as exc:
        return _refused(exc)
    given = confirm(db(), lead, runtime().clock())
    db().commit()
    if given is not None:
        deliver(page, given["lead"])
    return _confirmation(page, signed, done=True)


def _confirmation(
    page: LandingPage, signed: str, *, done: bool, given: dict[str, str] | None = None
) -> tuple[str, int]:
    brand = brand_context(page.partner)
    locale = _visitor(page)
    with force_locale(locale):
        labels = _labels()
        html = render_template(
            "landing/confirm.html",
            page=page,
            signed=signed,
            done=done,
            given=[(labels.get(k, k), v) for k, v in (given or {}).items() if k in labels and v],
            colours=colours(brand),
            language=locale.split("_")[0],
            title=_("Request confirmed") if done else _("Confirm your request"),
            ask=_(
                "Please confirm that you asked %(partner)s to get in touch.",
                partner=page.partner.name,
            ),
            button=_("Yes, it was me"),
            thanks=_("Thank you: %(partner)s will be in touch soon.", partner=page.partner.name),
        )
    return html, 200


def _refused(exc: ConfirmLinkError) -> tuple[str, int]:
    """A forged link is a 400, an expired one a 410: a clear page, never a 500. The link
    names no partner we can trust, so the page speaks the visitor's browser's language."""
    language = request.accept_languages.best_match(VISITOR_LANGUAGES) or str(get_locale() or "en")
    with force_locale(language):
        if exc.expired:
            title = _("This link has expired")
            detail = _("Ask again on the page where you found the offer.")
        else:
            title = _("This link is not valid")
            detail = _("Open the link from the email exactly as it was sent to you.")
        html = render_template(
            "landing/confirm.html",
            page=None,
            done=False,
            colours=None,
            language=(get_locale() or "en").language,
            title=title,
            detail=detail,
        )
    return html, 410 if exc.expired else 400
