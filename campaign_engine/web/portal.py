"""The partner portal: sign in by emailed link, switch campaigns and channels on or off,
review held items, keep the brand current, see results. Every view works on the signed-in
partner only; ids from the browser are checked against it in the service layer.

A notice link (/portal/preview/<token>, /portal/opt-out/<token>) is a capability for one
partner and one campaign: it shows that preview and that campaign's consent, and signs
nobody in."""

from __future__ import annotations

import base64
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_date, gettext, ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaign_engine.db import Campaign, Delivery, Membership, Partner
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.kit import (
    PLATFORM_SIZES,
    POST_TEXT_KEY,
    Customisable,
    KitSpec,
    check_customisation,
    customisable_field,
    post_text_key,
)
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.ports import CHANNELS
from campaign_engine.services.access.confirmations import (
    confirm_contact_change,
    pending_change,
    pending_contact,
)
from campaign_engine.services.access.mail import send_link_email
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.access.signin import link_partner, redeem, request_link
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preview import linkedin_images, preview_version
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.campaigns.planner import go_live
from campaign_engine.services.campaigns.review import decide, review_queue
from campaign_engine.services.feedback.alerts import notice_opened
from campaign_engine.services.feedback.edits import record_edits
from campaign_engine.services.feedback.ratings import by_asset
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.feedback.replies import replies_for
from campaign_engine.services.insights.dashboard.deals import open_deals
from campaign_engine.services.mdf.view import balance_json
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.partners.consent.record import opt_out_of_campaign, set_consent
from campaign_engine.services.partners.customisation import customisations_for, set_customisations
from campaign_engine.services.partners.profile import brand_warnings, update_profile
from campaign_engine.services.partners.runway.nextaction import next_step
from campaign_engine.services.partners.view import partner_campaigns, partner_results
from campaign_engine.services.workspace.library import (
    Library,
    campaign_library,
    channel_assets,
    post_texts,
)
from campaign_engine.services.workspace.signature import banner_campaigns, pin_banner
from campaign_engine.services.workspace.snippet import SignatureTokens, snippet
from campaign_engine.web.auth import sign_in as start_session
from campaign_engine.web.formats import money, network_label, portal_locale
from campaign_engine.web.frames import email_frame
from campaign_engine.web.partner_pages import (
    current_partner,
    file_response,
    in_language_of,
    optional_campaign_id,
    partner_required,
    resolve_notice,
    send_contact_confirmation,
)
from campaign_engine.web.session import db, runtime

bp = Blueprint("portal", __name__)
MODES = [m.value for m in ConsentMode]


def _programme_default() -> ConsentMode:
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
            ngettext,
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


@bp.get("/review")
@partner_required
def review() -> str:
    partner = current_partner()
    items = []
    for item in review_queue(db(), partner):
        campaign = db().get(Campaign, item.campaign_id)
        assert campaign is not None
        items.append((item, campaign, _item_preview(partner, campaign, item)))
    return render_template(
        "portal/review.html",
        partner=partner,
        items=items,
        choices=_post_choices(partner, items),
        skipped=_just_skipped(partner, request.args.get("skipped")),
        reason_words=REASON_WORDS,
        ratings=by_asset(db(), partner.id),
    )


def _just_skipped(partner: Partner, raw: str | None) -> Delivery | None:
    """The item the partner has just skipped (?skipped=<id>), for the optional reason
    after it; anything else (not its own, not skipped, not an id) shows no question."""
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    item = db().get(Delivery, int(raw))
    if item is None or item.partner_id != partner.id:
        return None
    if item.reason != Reason.DECLINED_IN_REVIEW:
        return None
    return item


def _post_choices(partner: Partner, items: list[Any]) -> list[dict[str, Any]]:
    """For each campaign with posts in review whose kit lets partners choose its posts:
    the choices, and which are chosen now."""
    shown: dict[int, dict[str, Any]] = {}
    for item, campaign, _ in items:
        if item.channel != "social" or campaign.id in shown:
            continue
        spec = KitSpec.model_validate(campaign.kit_version.spec)
        field = spec.customisable.get("posts")
        if field is None or not field.choices or not field.multiple:
            continue
        stored = customisations_for(db(), partner.id, campaign.kit_version, spec)
        chosen = stored.get("posts", field.default or field.choices)
        shown[campaign.id] = {
            "campaign": campaign,
            "label": field.label,
            "choices": field.choices,
            "chosen": set(chosen if isinstance(chosen, list) else [chosen]),
        }
    return list(shown.values())


@bp.post("/review/posts/<int:campaign_id>")
@partner_required
def review_posts(campaign_id: int) -> Response:
    """The kit's choice of posts, for one of the partner's campaigns: the posts left out
    are skipped when their day comes (and never sent as another)."""
    partner = current_partner()
    campaign = campaign_library(runtime(), db(), partner, campaign_id).campaign  # own only
    chosen = request.form.getlist("posts")
    if not chosen:
        raise InvalidInput(N_("choose at least one post"), where="posts")
    set_customisations(
        db(), partner, campaign.kit_version, {"posts": ",".join(chosen)}, actor=current_user.email
    )
    return redirect(url_for("portal.review"))


@bp.post("/review/<int:delivery_id>")
@partner_required
def review_decide(delivery_id: int) -> Response:
    partner = current_partner()
    item, campaign = _own_item(partner, delivery_id)  # another's id: 404, before all else
    action = request.form.get("action")
    if action not in ("approve", "skip"):
        raise InvalidInput(N_("choose approve or skip"), where="action")
    edits = _changed(partner, campaign, item, _edits(request.form))
    if edits and action == "approve":
        set_customisations(db(), partner, campaign.kit_version, edits, actor=current_user.email)
        kit = materialise(db(), campaign.kit_version, runtime().settings.storage_dir)
        record_edits(  # beside the kit's own text: the vendor reads the most common edits
            db(),
            partner,
            campaign,
            kit,
            item.channel,
            item.asset,
            edits,
            actor=current_user.email,
            now=runtime().clock(),
        )
    decide(
        db(),
        partner,
        delivery_id,
        approve=action == "approve",
        actor=current_user.email,
        via="portal",
        now=runtime().clock(),
    )
    if action == "skip":  # skipped already; the page then asks why, optionally
        return redirect(url_for("portal.review", skipped=delivery_id))
    return redirect(url_for("portal.review"))


@bp.post("/review/<int:delivery_id>/preview")
@partner_required
def review_preview(delivery_id: int) -> str:
    """The item re-rendered with the proposed edits, saved nowhere (htmx, as they type)."""
    partner = current_partner()
    item, campaign = _own_item(partner, delivery_id)
    shown = _item_preview(partner, campaign, item, _edits(request.form))
    return render_template("portal/_item_preview.html", shown=shown)


@bp.get("/review/<int:delivery_id>/email")
@partner_required
def review_email(delivery_id: int) -> Response:
    """The held email with the proposed edits (query string), for the sandboxed frame."""
    partner = current_partner()
    _, campaign = _own_item(partner, delivery_id)
    accepted, _ = _accepted_edits(campaign, _edits(request.args))
    _, shown = preview_version(runtime(), db(), partner, campaign.kit_version, accepted)
    return email_frame(shown.email)


def _own_item(partner: Partner, delivery_id: int) -> tuple[Delivery, Campaign]:
    item = db().get(Delivery, delivery_id)
    if item is None or item.partner_id != partner.id:
        raise NotFound(N_("this item is not in your review queue"))
    campaign = db().get(Campaign, item.campaign_id)
    assert campaign is not None
    return item, campaign


def _changed(
    partner: Partner, campaign: Campaign, item: Delivery, edits: dict[str, str]
) -> dict[str, str]:
    """The edits that change something: a post's text left as the kit wrote it stays the
    kit's (a later kit version's new wording then applies), not a copy pinned forever."""
    stored = customisations_for(db(), partner.id, campaign.kit_version)
    kit = materialise(db(), campaign.kit_version, runtime().settings.storage_dir)
    now = {**stored}
    if item.channel == "social":
        now.update(
            {
                post_text_key(item.asset, k): v
                for k, v in post_texts(kit, partner, item.asset, stored).items()
            }
        )
    return {
        k: v for k, v in edits.items() if v.strip() and v.strip() != str(now.get(k, "")).strip()
    }


def _edits(values: Any) -> dict[str, str]:
    """The proposed customisations in a form or query string (fields named edit_<key>)."""
    return {k[5:]: v for k, v in values.items() if k.startswith("edit_")}


def _accepted_edits(campaign: Campaign, edits: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Edits within the kit's limits, and a message for each one past them, in the
    partner's language."""
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    accepted: dict[str, str] = {}
    problems = []
    for key, value in edits.items():
        field = customisable_field(spec, key)
        if field is None or not value.strip():
            continue
        try:  # the same check as saving: what the preview shows can be approved
            check_customisation(spec, key, value)
        except ValueError:
            problems.append(f"{field_label(key, field)}: {_past_limits(field, value)}")
        else:
            accepted[key] = value
    return accepted, problems


def field_label(key: str, field: Customisable) -> str:
    """A post's text by its network, in the reader's language (the engine names those
    fields); a kit's own field by the kit's label, in the kit's words as its copy is."""
    match = POST_TEXT_KEY.match(key)
    if match is None:
        return field.label
    return gettext("%(network)s post text", network=network_label(match.group(2)))


def _past_limits(field: Customisable, value: str) -> str:
    """Why an edit is refused, in the reader's language: check_customisation says it in
    English for the command line and the API, and decides; this only words it."""
    if field.choices is not None:
        return gettext("choose among %(choices)s", choices=", ".join(field.choices))
    return gettext(
        "%(num)d characters; the limit is %(limit)d",
        num=len(value.strip()),
        limit=field.max_length or 0,
    )


def _item_preview(
    partner: Partner, campaign: Campaign, item: Delivery, edits: dict[str, str] | None = None
) -> dict[str, Any]:
    """The held item re-rendered with proposed edits; edits past the kit's limits are
    reported and left out of the preview."""
    accepted, problems = _accepted_edits(campaign, edits or {})
    kit, shown = preview_version(runtime(), db(), partner, campaign.kit_version, accepted)
    stored = customisations_for(db(), partner.id, campaign.kit_version)
    texts: list[tuple[str, str]] = []
    images: list[str] = []
    if item.channel != "email":  # with the channel's own tracked links, labelled per network
        assets = channel_assets(runtime(), db(), partner, campaign, item.channel, accepted)
        for asset in assets:
            if asset.asset != item.asset:
                continue
            for f in asset.files:
                if f.media_type == "text/plain":
                    texts.append((network_label(f.network or ""), f.content.decode()))
                elif f.media_type == "image/jpeg" and f.network == "linkedin":
                    images.append(base64.b64encode(f.content).decode())
    values = {**stored, **accepted}
    if item.channel == "social":  # the post's own text, per network, within its limit
        texts_now = post_texts(kit, partner, item.asset, values)
        fields = {}
        for platform, text in texts_now.items():
            key = post_text_key(item.asset, platform)
            field = customisable_field(kit.spec, key)
            assert field is not None and field.max_length is not None
            fields[key] = (field_label(key, field), field.max_length, text)
    else:
        fields = {
            key: (field.label, field.max_length, values.get(key, ""))
            for key, field in kit.spec.customisable.items()
            if field.max_length
        }
    email_src = (
        url_for(
            "portal.review_email",
            delivery_id=item.id,
            **{f"edit_{k}": v for k, v in accepted.items()},
        )
        if item.channel == "email" and shown.email
        else ""
    )
    return {
        "email_src": email_src,
        "texts": texts,
        "images": images,
        "fields": fields,
        "problems": problems,
        "delivery_id": item.id,
    }


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
        warnings=[w.in_words(gettext, ngettext) for w in brand_warnings(partner)],
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
            if mode_for(db(), partner.id, campaign, "email", _programme_default())
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


def partner_zone(partner: Partner) -> ZoneInfo:
    """The partner's own zone; a profile's zone the system lacks reads as UTC, not a 500."""
    try:
        return ZoneInfo(partner.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def library(campaign_id: int) -> Library:
    return campaign_library(runtime(), db(), current_partner(), campaign_id)


@bp.get("/campaigns/<int:campaign_id>")
@partner_required
def campaign_assets(campaign_id: int) -> str:
    shown = library(campaign_id)
    kinds: dict[str, list[Any]] = {}
    for item in shown.items:
        kinds.setdefault(item.kind, []).append(item)
    partner = current_partner()
    zone = partner_zone(partner)
    return render_template(
        "portal/campaign.html",
        partner=partner,
        library=shown,
        kinds=kinds,
        local=lambda at: at.astimezone(zone),
        sizes=PLATFORM_SIZES,  # each image's own size, so nothing moves as images load
        rows=_rows,
        ratings=by_asset(db(), partner.id, campaign_id),
        reason_words=REASON_WORDS,
    )


def _rows(text: str | None, width: int) -> int:
    """A text field tall enough to show all of its text (the link and hashtags at the end
    of a post included) at about `width` characters a line."""
    lines = (text or "").splitlines() or [""]
    return sum(1 + len(line) // width for line in lines) + 1


@bp.get("/campaigns/<int:campaign_id>/email")
@partner_required
def campaign_email(campaign_id: int) -> Response:
    return email_frame(library(campaign_id).email)


@bp.get("/campaigns/<int:campaign_id>/files/<asset>/<name>")
@partner_required
def campaign_file(campaign_id: int, asset: str, name: str) -> Response:
    return file_response(library(campaign_id).file(asset, name))


@bp.get("/signature")
@partner_required
def signature() -> str:
    """The snippet to paste once, the banner it shows now, and how to install it."""
    partner = current_partner()
    settings = runtime().settings
    token = SignatureTokens(settings.signing_keys).make(partner.id)
    return render_template(
        "portal/signature.html",
        partner=partner,
        code=snippet(partner, settings.public_base_url, token),
        token=token,
        live=banner_campaigns(runtime(), db(), partner),
    )


@bp.post("/signature/pin")
@partner_required
def signature_pin() -> Response:
    """Pin one of the partner's own live campaigns to its banner, or hand the choice back
    to the vendor's ranking (an empty campaign_id)."""
    partner = current_partner()
    campaign_id = optional_campaign_id(request.form.get("campaign_id"))
    pin_banner(runtime(), db(), partner, campaign_id, actor=current_user.email)
    flash(gettext("Saved: your banner shows this from now on."), "ok")
    return redirect(url_for("portal.signature"))
