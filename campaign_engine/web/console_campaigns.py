"""The console's campaign pages: a new campaign from a kit (with its audience's live
count), one campaign's status, what was not sent and why, its actions (launch, pause,
resume, cancel, retry), its edits, its preview and contact sheet, its report as CSV.
Routes on the console blueprint (vendor users only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaign_engine import bootstrap
from campaign_engine.db import Kit, KitVersion
from campaign_engine.domain.campaign_options import CampaignEdit, CampaignOptions
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.consent import MODE_WORDS
from campaign_engine.domain.ledger import LABELS
from campaign_engine.domain.sendtime import WEEKDAYS
from campaign_engine.domain.times import storable
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import RenderedFile
from campaign_engine.services.assets.preflight.sheet import (
    held_by_partner,
    held_partners,
    sheet_rows,
)
from campaign_engine.services.assets.preview import preview_version
from campaign_engine.services.campaigns.audience import (
    audience_choices,
    audience_count,
)
from campaign_engine.services.campaigns.edit import edit_campaign
from campaign_engine.services.campaigns.launch import run_action
from campaign_engine.services.campaigns.ledger import not_sent
from campaign_engine.services.campaigns.lifecycle import (
    RetryOutcome,
    campaign_status,
    create_campaign_from,
    get_campaign,
)
from campaign_engine.services.feedback.report import campaign_feedback
from campaign_engine.services.insights.reports import campaign_report, report_rows
from campaign_engine.services.partners.consent.record import campaign_choices
from campaign_engine.services.partners.directory import (
    find_partners,
    get_partner,
    list_partners,
)
from campaign_engine.web.api_support import csv_response
from campaign_engine.web.console import bp
from campaign_engine.web.errors import first_error
from campaign_engine.web.frames import email_frame
from campaign_engine.web.paging import partner_query, requested_page
from campaign_engine.web.session import db, runtime

FILTERS = ("tier", "region", "vertical", "tag", "partner", "exclude")


@bp.get("/campaigns/new")
def new_campaign() -> str:
    kits_list = db().scalars(select(Kit).order_by(Kit.slug)).all()
    return render_template(
        "console/new_campaign.html",
        kits=kits_list,
        choices=audience_choices(db()),
        count=audience_count(db(), {}),
        modes=MODE_WORDS,
        programme_default=runtime().settings.programme.rules().programme_default,
        defaults=CampaignOptions.model_construct(),  # the schema's defaults
        weekdays=WEEKDAYS,
    )


def _audience_from(form: Any) -> dict[str, list[str]]:
    return {k: [v for v in form.getlist(k) if v] for k in FILTERS if any(form.getlist(k))}


@bp.get("/campaigns/audience-count")
def audience_live_count() -> str:
    count = audience_count(db(), _audience_from(request.args))
    return render_template("console/_audience_count.html", count=count)


@bp.post("/campaigns")
def create() -> Response:
    options = _campaign_options(request.form)
    kit = db().scalar(select(Kit).where(Kit.slug == options.kit))
    if kit is None:
        raise InvalidInput("choose a kit", where="kit")
    version = (
        db()
        .scalars(
            select(KitVersion).where(KitVersion.kit_id == kit.id).order_by(KitVersion.id.desc())
        )
        .first()
    )
    assert version is not None
    campaign = create_campaign_from(db(), version, options, actor=current_user.email)
    flash(f"Campaign {campaign.name} created ({campaign.status}).", "ok")
    return redirect(url_for("console.campaign", campaign_id=campaign.id))


def _campaign_options(form: Any) -> CampaignOptions:
    """The form checked by the schema the API and the command line use: the same options,
    defaults, limits and messages."""
    launch_at = form.get("launch_at", "")
    # A field left empty takes the schema's default, as an option left out does elsewhere.
    defaulted = {
        key: form[key] for key in ("consent_default", "preview_days") if form.get(key, "") != ""
    }
    try:
        return CampaignOptions.model_validate(
            {
                "name": form.get("name", ""),
                "kit": form.get("kit", ""),
                "audience": _audience_from(form),
                "launch_at": _zoned(launch_at) if launch_at else None,
                "send_time": form.get("send_time") or None,
                "send_weekday": form.get("send_weekday") or None,
                "recurrence": form.get("recurrence") or None,
                "always_on": form.get("always_on") == "on",
                **defaulted,
            }
        )
    except ValidationError as exc:
        field, message = first_error(exc)
        raise InvalidInput(message, where=field) from None


def _zoned(value: str) -> str:
    """A datetime-local field has no zone: it is UTC. 'now' is the schema's to read."""
    return value + ("" if "+" in value or value.strip().lower() == "now" else "+00:00")


def form_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return storable(datetime.fromisoformat(_zoned(value)))
    except ValueError as exc:
        raise InvalidInput(
            f"use a date and time such as 2026-12-01T09:00 ({exc})", where="launch_at"
        ) from None


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int) -> str:
    item = get_campaign(db(), campaign_id)
    return render_template(
        "console/campaign.html",
        campaign=item,
        status=campaign_status(db(), campaign_id),
        choices=campaign_choices(db(), campaign_id),
        feedback=campaign_feedback(db(), campaign_id),
        weekdays=WEEKDAYS,
        mode_words=MODE_WORDS,
    )


@bp.get("/campaigns/<int:campaign_id>/not-sent")
def not_sent_list(campaign_id: int) -> str:
    """The ledger's drill-down: every item not sent, filtered by reason, channel or a
    partner's name, a page at a time."""
    item = get_campaign(db(), campaign_id)
    reason = request.args.get("reason", "")
    channel = request.args.get("channel", "")
    search = request.args.get("q", "").strip()[:100]
    page = requested_page(100)
    rows, total = not_sent(
        db(),
        item,
        reason=reason or None,
        channel=channel or None,
        search=search or None,
        limit=page.size,
        offset=page.offset,
    )
    return render_template(
        "console/not_sent.html",
        campaign=item,
        rows=rows,
        page=page.counted(total),
        wanted={"reason": reason, "channel": channel, "q": search},
        reasons=LABELS,
        channels=CHANNELS,
    )


@bp.post("/campaigns/<int:campaign_id>/<any(launch, pause, resume, cancel, retry):action>")
def campaign_action(campaign_id: int, action: str) -> Response:
    item = get_campaign(db(), campaign_id)
    rt = runtime()
    count = run_action(
        db(),
        item,
        action,
        now=rt.clock(),
        actor=current_user.email,
        rules=rt.settings.programme.rules(),
    )
    if action == "launch":
        flash(f"Launched: {count} deliveries planned. Progress updates below.", "ok")
    elif isinstance(count, RetryOutcome):
        flash(f"{count.sentence()}.", "ok")
    else:
        flash(f"Campaign {action}d." if action != "cancel" else "Campaign cancelled.", "ok")
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/edit")
def campaign_edit(campaign_id: int) -> Response:
    """The campaign page's "What partners read" form: title, description, banner priority
    and consent default (which moves every future item at once)."""
    item = get_campaign(db(), campaign_id)
    form = request.form
    fields = ("partner_title", "partner_description", "banner_priority", "consent_default")
    values: dict[str, Any] = {key: form[key] for key in fields if key in form}
    if values.get("banner_priority", "") == "":
        values.pop("banner_priority", None)
    if values.get("consent_default") == "":
        values["consent_default"] = None  # the programme's default
    try:
        change = CampaignEdit.model_validate(values)
    except ValidationError as exc:
        field, message = first_error(exc)
        flash(f"Nothing changed. {field}: {message}", "error")
        return redirect(url_for("console.campaign", campaign_id=campaign_id))
    rt = runtime()
    done = edit_campaign(
        db(),
        item,
        change,
        rules=rt.settings.programme.rules(),
        now=rt.clock(),
        actor=current_user.email,
    )
    moved = f" {done.moved} future items moved to match." if done.moved else ""
    flash(f"Saved.{moved}", "ok")
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id: int) -> str:
    item = get_campaign(db(), campaign_id)
    rt = runtime()
    slugs = [p.slug for p in list_partners(db())]
    partner = get_partner(db(), request.args.get("partner") or (slugs[0] if slugs else ""))
    _, shown = preview_version(rt, db(), partner, item.kit_version)
    return render_template(
        "console/preview.html",
        campaign=item,
        partner=partner,
        slugs=slugs,
        tiles=_tiles(shown.assets),
        has_email=shown.email is not None,
        held=shown.held,
    )


@bp.get("/campaigns/<int:campaign_id>/preview/email")
def campaign_preview_email(campaign_id: int) -> Response:
    """The partner's email alone, for the preview page's sandboxed frame."""
    item = get_campaign(db(), campaign_id)
    partner = get_partner(db(), request.args.get("partner", ""))
    _, shown = preview_version(runtime(), db(), partner, item.kit_version)
    return email_frame(shown.email)


def _tiles(assets: list[Any]) -> list[dict[str, str]]:
    """One thumbnail per visual file: PDFs through pypdfium2, images as they are."""
    tiles = []
    for asset in assets:
        for f in asset.files:
            if f.media_type == "application/pdf":
                png = RenderedFile(f.name, "image/png", bootstrap.pdf_thumbnail(f.content, 900))
                tiles.append({"name": f.name, "src": png.data_uri()})
            elif f.media_type.startswith("image/") and asset.channel != "email":
                tiles.append({"name": f.name, "src": f.data_uri()})
    return tiles


@bp.get("/campaigns/<int:campaign_id>/contact-sheet")
def contact_sheet(campaign_id: int) -> str:
    """Ten partners a page, each with thumbnails of what the campaign sends in its name and
    preflight's flags; ?held=1 shows only the partners preflight held at send time."""
    item = get_campaign(db(), campaign_id)
    page = requested_page(10)
    held_only = request.args.get("held") == "1"
    held = held_by_partner(db(), campaign_id)
    if held_only:
        found, total = held_partners(db(), held, limit=page.size, offset=page.offset)
    else:
        query = partner_query(request.args)
        found, total = find_partners(db(), query, limit=page.size, offset=page.offset)
    return render_template(
        "console/contact_sheet.html",
        campaign=item,
        page=page.counted(total),
        rows=sheet_rows(runtime(), db(), item, found, held),
        held_only=held_only,
        held_total=len(held),
    )


@bp.get("/campaigns/<int:campaign_id>/report.csv")
def campaign_csv(campaign_id: int) -> Response:
    rows = report_rows(campaign_report(db(), campaign_id))
    return csv_response(rows, f"campaign-{campaign_id}-report.csv")


# Programme
