"""The portal's review queue: the items a partner in review mode approves or skips, each
shown as it would go out, with the edits the kit allows; a post's choice of posts.
Routes on the portal blueprint (the signed-in partner's own items only: another's id is
a 404). The service (services/campaigns/review_preview) decides; this words and shows."""

from __future__ import annotations

import base64
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.kit import POST_TEXT_KEY, Customisable, KitSpec
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preview import preview_version
from campaign_engine.services.campaigns.review import decide, review_queue
from campaign_engine.services.campaigns.review_preview import (
    ItemPreview,
    changed_edits,
    item_preview,
    own_item,
    sort_edits,
)
from campaign_engine.services.feedback.edits import record_edits
from campaign_engine.services.feedback.ratings import by_asset
from campaign_engine.services.feedback.record import REASON_WORDS
from campaign_engine.services.partners.customisation import customisations_for, set_customisations
from campaign_engine.services.workspace.library import campaign_library
from campaign_engine.web.formats import network_label
from campaign_engine.web.frames import email_frame
from campaign_engine.web.partner_pages import current_partner, partner_required
from campaign_engine.web.portal import bp
from campaign_engine.web.session import db, runtime


@bp.get("/review")
@partner_required
def review() -> str:
    partner = current_partner()
    items = []
    for item in review_queue(db(), partner):
        campaign = db().get(Campaign, item.campaign_id)
        assert campaign is not None
        items.append((item, campaign, _shown(partner, campaign, item)))
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
    item, campaign = own_item(db(), partner, delivery_id)  # another's id: 404, before all else
    action = request.form.get("action")
    if action not in ("approve", "skip"):
        raise InvalidInput(N_("choose approve or skip"), where="action")
    edits = changed_edits(runtime(), db(), partner, campaign, item, _edits(request.form))
    if edits and action == "approve":
        _keep_edits(partner, campaign, item, edits)
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


def _keep_edits(
    partner: Partner, campaign: Campaign, item: Delivery, edits: dict[str, str]
) -> None:
    """The approved edits become the partner's customisations, and are recorded beside
    the kit's own text: the vendor reads the most common edits."""
    set_customisations(db(), partner, campaign.kit_version, edits, actor=current_user.email)
    kit = materialise(db(), campaign.kit_version, runtime().settings.storage_dir)
    record_edits(
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


@bp.post("/review/<int:delivery_id>/preview")
@partner_required
def review_preview(delivery_id: int) -> str:
    """The item re-rendered with the proposed edits, saved nowhere (htmx, as they type)."""
    partner = current_partner()
    item, campaign = own_item(db(), partner, delivery_id)
    shown = _shown(partner, campaign, item, _edits(request.form))
    return render_template("portal/_item_preview.html", shown=shown)


@bp.get("/review/<int:delivery_id>/email")
@partner_required
def review_email(delivery_id: int) -> Response:
    """The held email with the proposed edits (query string), for the sandboxed frame."""
    partner = current_partner()
    _, campaign = own_item(db(), partner, delivery_id)
    accepted, _ = sort_edits(campaign, _edits(request.args))
    _, shown = preview_version(runtime(), db(), partner, campaign.kit_version, accepted)
    return email_frame(shown.email)


def _edits(values: Any) -> dict[str, str]:
    """The proposed customisations in a form or query string (fields named edit_<key>)."""
    return {k[5:]: v for k, v in values.items() if k.startswith("edit_")}


def _shown(
    partner: Partner, campaign: Campaign, item: Delivery, edits: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the review templates show of an item: the service's preview, worded in the
    reader's language."""
    preview = item_preview(runtime(), db(), partner, campaign, item, edits)
    return {
        "email_src": _email_src(preview),
        "texts": [(network_label(network or ""), text) for network, text in preview.texts],
        "images": [base64.b64encode(image).decode() for image in preview.images],
        "fields": {
            f.key: (field_label(f.key, f.field), f.max_length, f.text) for f in preview.fields
        },
        "problems": [
            f"{field_label(r.key, r.field)}: {past_limits(r.field, r.value)}"
            for r in preview.refused
        ],
        "delivery_id": item.id,
    }


def _email_src(preview: ItemPreview) -> str:
    if preview.item.channel != "email" or not preview.shown.email:
        return ""
    edits = {f"edit_{k}": v for k, v in preview.accepted.items()}
    return url_for("portal.review_email", delivery_id=preview.item.id, **edits)


def field_label(key: str, field: Customisable) -> str:
    """A post's text by its network, in the reader's language (the engine names those
    fields); a kit's own field by the kit's label, in the kit's words as its copy is."""
    match = POST_TEXT_KEY.match(key)
    if match is None:
        return field.label
    return gettext("%(network)s post text", network=network_label(match.group(2)))


def past_limits(field: Customisable, value: str) -> str:
    """Why an edit is refused, in the reader's language: check_customisation says it in
    English for the command line and the API, and decides; this only words it."""
    if field.choices is not None:
        return gettext("choose among %(choices)s", choices=", ".join(field.choices))
    return gettext(
        "%(num)d characters; the limit is %(limit)d",
        num=len(value.strip()),
        limit=field.max_length or 0,
    )
