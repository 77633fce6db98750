"""The partner portal: sign in by emailed link, switch campaigns and channels on or off,
review held items, keep the brand current, see results. Every view works on the signed-in
partner only; ids from the browser are checked against it in the service layer.

A notice link (/portal/preview/<token>, /portal/opt-out/<token>) is a capability for one
partner and one campaign: it shows that preview and that campaign's consent, and signs
nobody in."""

from __future__ import annotations

import base64
from typing import Any

from flask import (
    Blueprint,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_date, get_translations, gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaign_engine.db import Delivery, Membership, Partner
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import CHANNELS
from campaign_engine.services.access.confirmations import (
    pending_contact,
)
from campaign_engine.services.access.mail import send_link_email
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.access.signin import link_partner, redeem, request_link
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.campaigns.planner import go_live
from campaign_engine.services.campaigns.review import review_queue
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.feedback.replies import replies_for
from campaign_engine.services.insights.dashboard.deals import open_deals
from campaign_engine.services.mdf.view import balance_json
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.profile import brand_warnings, update_profile
from campaign_engine.services.partners.runway.nextaction import next_step
from campaign_engine.services.partners.view import partner_campaigns, partner_results
from campaign_engine.web.auth import sign_in as start_session
from campaign_engine.web.formats import money, portal_locale
from campaign_engine.web.partner_pages import (
    current_partner,
    in_language_of,
    optional_campaign_id,
    partner_required,
    send_contact_confirmation,
)
from campaign_engine.web.session import db, runtime


def _ngettext(singular: str, plural: str, count: int) -> str:
    """The translated form, not yet formatted: Words fills in its own values, and Flask-
    Babel's ngettext formats with {"num": n} alone, so a message with any other value
    (the held-delivery action's %(problem)s) raised KeyError: a 500 on the portal's home."""
    return str(get_translations().ngettext(singular, plural, count))


bp = Blueprint("portal", __name__)
MODES = [m.value for m in ConsentMode]


def programme_default() -> ConsentMode:
    return ConsentMode(runtime().settings.programme.consent_default)


@bp.get("/")
def home() -> str:
    if not current_user.is_authenticated or current_user.role != "partner":
        return render_template("portal/sign_in.html", sent=False)
    partner = current_partner()
    rt = runtime()
    results = partner_results(db(), partner.id, now=rt.clock())
    return render_template(
        "portal/home.html",
        partner=partner,
        action=next_step(db(), partner, now=rt.clock()).in_words(
            gettext,
            _ngettext,
            lambda at: format_date(at, "d MMMM"),
            lambda sum: money(sum.amount, sum.currency),
        ),
        funds=balance_json(db(), partner, now=rt.clock(), currency=rt.settings.mdf.currency),
        deals=open_deals(db(), partner.id, limit=10),
        campaigns=partner_campaigns(db(), partner, rt.settings.programme.rules()),
        channels=CHANNELS,
        modes=MODES,
        results=results,
        waiting=len(review_queue(db(), partner)),
        with_items=set(
            db().scalars(
                select(Delivery.campaign_id).where(Delivery.partner_id == partner.id).distinct()
            )
        ),
        go_live=lambda row: go_live(
            row.campaign,
            partner,
            review_hours=rt.settings.programme.review_hours
            if row.modes.get("email") == "review"
            else None,
        ),
        preview_token=lambda campaign_id: PartnerLinks(rt.settings.signing_keys).make(
            partner.id, campaign_id
        ),
        replies=replies_for(db(), partner.id),
    )


@bp.post("/sign-in")
def sign_in() -> str:
    """Answers the same whether or not the address belongs to a partner."""
    rt = runtime()
    found = request_link(db(), request.form.get("email", ""), now=rt.clock())
    if found is not None:
        user, token = found
        link = f"{rt.settings.public_base_url}/portal/sign-in/{token}"
        partner = db().scalar(
            select(Partner)
            .join(Membership, Membership.partner_id == Partner.id)
            .where(Membership.user_id == user.id)
        )
        with force_locale(portal_locale(partner.locale if partner else None)):
            subject = gettext("Your sign-in link for the partner portal")
            body = "\n\n".join(
                [
                    gettext("Open this link within 15 minutes to sign in (it works once):"),
                    link,
                    gettext("If you did not ask for it, ignore this email."),
                ]
            )
        send_link_email(rt, user.email, subject, body)
    return render_template("portal/sign_in.html", sent=True)


@bp.get("/sign-in/<token>")
def sign_in_confirm(token: str) -> str:
    """A button, not an automatic sign-in: mail scanners follow links, and would use the
    single-use token up before the partner clicks."""
    partner = link_partner(db(), token, now=runtime().clock())
    return in_language_of(partner, "portal/sign_in_confirm.html", token=token)


@bp.post("/sign-in/<token>")
def sign_in_redeem(token: str) -> Response:
    user = redeem(db(), token, now=runtime().clock())
    start_session(user)
    return redirect(url_for("portal.home"))


@bp.post("/consent")
@partner_required
def consent() -> Any:
    partner = current_partner()
    mode = _mode(request.form.get("mode", ""))
    campaign_id = optional_campaign_id(request.form.get("campaign_id"))
    channel = request.form.get("channel") or None
    set_consent(
        db(),
        partner,
        mode,
        campaign_id=campaign_id,
        channel=channel,
        actor=current_user.email,
        via="portal",
        rules=runtime().settings.programme.rules(),
        now=runtime().clock(),
    )
    if request.headers.get("HX-Request"):
        rows = partner_campaigns(db(), partner, runtime().settings.programme.rules())
        return render_template(
            "portal/_consent_saved.html",
            reason_words=REASON_WORDS,
            channel=channel,
            campaign=get_campaign(db(), campaign_id) if campaign_id else None,
            mode=mode.value,
            partner=partner,
            # The lists of items still to come, swapped in place: a switch moves them.
            rows=[r for r in rows if campaign_id in (None, r.campaign.id)],
        )
    return redirect(url_for("portal.home"))


def _mode(value: str) -> ConsentMode:
    try:
        return ConsentMode(value)
    except ValueError:
        raise InvalidInput(N_("choose one of auto, review, off"), where="mode") from None


def _upload(name: str) -> bytes | None:
    upload = request.files.get(name)
    return upload.read() if upload and upload.filename else None


@bp.route("/profile", methods=["GET", "POST"])
@partner_required
def profile() -> str:
    partner = current_partner()
    rt = runtime()
    error, saved, confirming = None, False, None
    if request.method == "POST":
        logo, logo_on_dark = (_upload(name) for name in ("logo", "logo_on_dark"))
        try:
            change = update_profile(
                db(),
                partner,
                dict(request.form),
                logo,
                actor=current_user.email,
                now=rt.clock(),
                logo_on_dark=logo_on_dark,
            )
            saved = True
        except InvalidInput as exc:
            db().rollback()
            partner = current_partner()
            error = gettext(PROFILE_PROBLEMS.get(exc.where or "", UNSAID_PROBLEM))
        else:
            if change is not None:
                confirming = change.email
                send_contact_confirmation(
                    partner.name, change.email, change.token, locale=partner.locale
                )
    logo = base64.b64encode(partner.logo_png).decode() if partner.logo_png else None
    dark = partner.logo_on_dark_png
    return render_template(
        "portal/profile.html",
        partner=partner,
        logo=logo,
        logo_on_dark=base64.b64encode(dark).decode() if dark else None,
        warnings=[w.in_words(gettext, _ngettext) for w in brand_warnings(partner)],
        error=error,
        saved=saved,
        pending=pending_contact(db(), partner.id, now=rt.clock()),
        confirming=confirming,
    )


# What to do about a refused profile field, in the partner's language (the services' own
# messages are English, for the command line and the API).
PROFILE_PROBLEMS = {
    "short_name": N_("Short name: at most 40 characters."),
    "contact_email": N_("Contact email: an address such as name@company.example."),
    "phone": N_("Phone: at most 64 characters."),
    "website": N_("Website: an address that starts with https://, at most 500 characters."),
    "postal_address": N_("Postal address: at most 500 characters."),
    "primary_color": N_("Primary colour: a colour such as #1565c0."),
    "secondary_color": N_("Secondary colour: a colour such as #f2b705."),
    "logo": N_("Logo: a PNG, JPEG or WebP image of up to 5 MB that is not blank."),
    "logo_on_dark": N_(
        "Logo for dark backgrounds: a PNG, JPEG or WebP image of up to 5 MB that is not blank."
    ),
}
UNSAID_PROBLEM = N_("Check the fields and try again.")
