"""What a link in a partner's email opens without signing in: the contact-address
confirmation, and a campaign notice's preview and opt-out (a capability for one partner
and one campaign, signing nobody in). In the partner's language, as the email was.
Routes on the portal blueprint."""

from __future__ import annotations

from werkzeug.wrappers import Response

from campaign_engine.domain.consent import ConsentMode
from campaign_engine.services.access.confirmations import (
    confirm_contact_change,
    pending_change,
)
from campaign_engine.services.assets.preview import linkedin_images, preview_version
from campaign_engine.services.campaigns.planner import go_live
from campaign_engine.services.feedback.alerts import notice_opened
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.partners.consent.record import opt_out_of_campaign
from campaign_engine.web.frames import email_frame
from campaign_engine.web.partner_pages import (
    in_language_of,
    resolve_notice,
)
from campaign_engine.web.portal import bp, programme_default
from campaign_engine.web.session import db, runtime


@bp.get("/confirm-email/<token>")
def confirm_email_page(token: str) -> str:
    """A button, not a change on GET: mail scanners follow links."""
    email, partner = pending_change(db(), token, now=runtime().clock())
    return in_language_of(
        partner, "portal/confirm_email.html", token=token, email=email, partner=partner, done=False
    )


@bp.post("/confirm-email/<token>")
def confirm_email(token: str) -> str:
    """The emailed token is the authorisation (it proves the address); it signs nobody in."""
    partner = confirm_contact_change(db(), token, now=runtime().clock())
    return in_language_of(
        partner,
        "portal/confirm_email.html",
        token=token,
        email=partner.contact_email,
        partner=partner,
        done=True,
    )


@bp.get("/preview/<token>")
def preview(token: str) -> str:
    """What goes out in the partner's name for this campaign. The link signs nobody in."""
    partner, campaign = resolve_notice(token)
    notice_opened(db(), partner.id, now=runtime().clock())
    _, shown = preview_version(runtime(), db(), partner, campaign.kit_version)
    return in_language_of(
        partner,
        "portal/preview.html",
        partner=partner,
        campaign=campaign,
        go_live=go_live(
            campaign,
            partner,
            review_hours=runtime().settings.programme.review_hours
            if mode_for(db(), partner.id, campaign, "email", programme_default())
            is ConsentMode.REVIEW
            else None,
        ),
        token=token,
        has_email=shown.email is not None,
        email_lacks=shown.lacking.get("email", []),
        images=linkedin_images(shown),
    )


@bp.get("/preview/<token>/email")
def preview_email(token: str) -> Response:
    partner, campaign = resolve_notice(token)
    _, shown = preview_version(runtime(), db(), partner, campaign.kit_version)
    return email_frame(shown.email)


@bp.get("/opt-out/<token>")
def opt_out_page(token: str) -> str:
    partner, campaign = resolve_notice(token)
    notice_opened(db(), partner.id, now=runtime().clock())
    return in_language_of(
        partner, "portal/opt_out.html", partner=partner, campaign=campaign, token=token, done=None
    )


@bp.post("/opt-out/<token>")
def opt_out(token: str) -> str:
    """The signed link is the authorisation for this partner and campaign only, and only
    to send less in the partner's name: it opts out in one click, no password (and no CSRF
    token: the token is unguessable and single-purpose). Anyone it was forwarded to can
    do no more; switching back on needs a member's sign-in."""
    partner, campaign = resolve_notice(token)
    opt_out_of_campaign(
        db(),
        partner,
        campaign.id,
        actor="notice link",
        via="link",
        rules=runtime().settings.programme.rules(),
        now=runtime().clock(),
    )
    return in_language_of(
        partner,
        "portal/opt_out.html",
        partner=partner,
        campaign=campaign,
        token=token,
        done="off",
        # done first; then one optional tap to say why (web/feedback.py notice_reason)
        ask=True,
        reason_words=REASON_WORDS,
    )


# The asset library: what the built-in portal connector delivers, for the signed-in
# partner's own campaigns only (campaign_library answers 404 for any other).
