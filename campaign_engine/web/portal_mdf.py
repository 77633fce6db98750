"""The partner's co-funding page (/portal/mdf): its balance, a request for a kit or an
activity, its requests with their decisions and clocks, and a claim with its proof.

Who may use it: a partner's users (browser session), for their own partner only; a
request or claim id of another partner is a 404 (the services scope every lookup).
Every form carries the CSRF token; uploads are checked (services/mdf/evidence.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaign_engine.db import Delivery, Kit, KitVersion
from campaign_engine.domain.mdf import Activity, RequestStatus
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.mdf import claims, mail, requests
from campaign_engine.services.mdf.evidence import MAX_FILES, check_evidence
from campaign_engine.services.mdf.view import partner_mdf
from campaign_engine.web.partner_pages import current_partner, partner_required
from campaign_engine.web.session import db, discard, runtime

bp = Blueprint("portal_mdf", __name__)
ACTIVITIES = {
    Activity.EMAIL.value: N_("Email to your own list"),
    Activity.PAID_SOCIAL.value: N_("Paid social"),
    Activity.EVENT.value: N_("Event"),
    Activity.OTHER.value: N_("Other"),
}


def _kits() -> list[tuple[str, str]]:
    """(slug, name) of every loaded kit, by its newest version's name."""
    rows = db().execute(
        select(Kit.slug, KitVersion.spec).join(KitVersion).order_by(KitVersion.id.desc())
    )
    kits: dict[str, str] = {}
    for slug, spec in rows:
        kits.setdefault(slug, str(spec.get("name") or slug))
    return sorted(kits.items(), key=lambda kv: kv[1])


def _page(status: int = 200, **extra: Any) -> tuple[str, int]:
    partner, rt = current_partner(), runtime()
    shown = partner_mdf(db(), partner, now=rt.clock(), currency=rt.settings.mdf.currency)
    return render_template(
        "portal/mdf.html",
        partner=partner,
        mdf=shown,
        kits=_kits(),
        activities=ACTIVITIES,
        claimable=[r for r in shown["requests"] if r["status"] == RequestStatus.APPROVED],
        waiting_claims={c["request_id"] for c in shown["claims"] if c["status"] == "submitted"},
        max_files=MAX_FILES,
        form=extra.pop("form", {}),
        assets_url=lambda campaign_id: _assets_url(partner.id, campaign_id),
        **extra,
    ), status


def _assets_url(partner_id: int, campaign_id: int) -> str:
    """Its library once the campaign has items for the partner; before, the co-branded
    preview (a draft or scheduled campaign has nothing in a library yet)."""
    has_items = db().scalar(
        select(Delivery.id)
        .where(Delivery.partner_id == partner_id, Delivery.campaign_id == campaign_id)
        .limit(1)
    )
    if has_items:
        return url_for("portal.campaign_assets", campaign_id=campaign_id)
    token = PartnerLinks(runtime().settings.signing_keys).make(partner_id, campaign_id)
    return url_for("portal.preview", token=token)


@bp.get("/")
@partner_required
def home() -> tuple[str, int]:
    return _page()


def _ask() -> requests.Ask:
    form = request.form
    return requests.Ask(
        amount=form.get("amount", ""),
        currency=form.get("currency", ""),
        activity=form.get("activity", ""),
        starts_on=form.get("starts_on", ""),
        ends_on=form.get("ends_on", ""),
        expected_outcome=form.get("expected_outcome", ""),
        kit=form.get("kit") or None,
    )


@bp.post("/requests")
@partner_required
def ask() -> tuple[str, int] | Response:
    rt = runtime()
    try:
        made = requests.create_request(
            db(),
            current_partner(),
            _ask(),
            actor=current_user.email,
            now=rt.clock(),
            sla_hours=rt.settings.mdf.sla_hours,
        )
    except InvalidInput as exc:
        discard()
        return _page(422, error=exc, form=request.form)
    mail.request_made(rt, db(), made)
    flash(
        gettext(
            "Sent: the vendor decides within %(hours)d hours.", hours=rt.settings.mdf.sla_hours
        ),
        "ok",
    )
    return redirect(url_for("portal_mdf.home") + f"#request-{made.id}")


@bp.post("/requests/<int:request_id>/resubmit")
@partner_required
def resubmit(request_id: int) -> tuple[str, int] | Response:
    rt = runtime()
    mine = requests.get_request(db(), request_id, partner_id=current_partner().id)
    try:
        requests.resubmit(
            db(),
            mine,
            _ask(),
            actor=current_user.email,
            now=rt.clock(),
            sla_hours=rt.settings.mdf.sla_hours,
        )
    except InvalidInput as exc:
        discard()
        return _page(422, error=exc, form=request.form, editing=request_id)
    mail.request_made(rt, db(), mine)
    flash(
        gettext(
            "Sent again: the vendor decides within %(hours)d hours.",
            hours=rt.settings.mdf.sla_hours,
        ),
        "ok",
    )
    return redirect(url_for("portal_mdf.home") + f"#request-{request_id}")


@bp.post("/requests/<int:request_id>/cancel")
@partner_required
def cancel(request_id: int) -> Response:
    mine = requests.get_request(db(), request_id, partner_id=current_partner().id)
    requests.cancel(db(), mine, actor=current_user.email, now=runtime().clock())
    flash(gettext("Withdrawn."), "ok")
    return redirect(url_for("portal_mdf.home"))


@bp.post("/claims")
@partner_required
def claim() -> tuple[str, int] | Response:
    rt = runtime()
    try:
        request_id = int(request.form.get("request_id", "0"))
    except ValueError:
        request_id = 0
    mine = requests.get_request(db(), request_id, partner_id=current_partner().id)
    try:
        uploads = [f for f in request.files.getlist("files") if f.filename]
        if len(uploads) > MAX_FILES:
            raise InvalidInput(f"attach at most {MAX_FILES} files", where="files")
        evidence = [check_evidence(f.filename or "file", f.read()) for f in uploads]
        claims.submit_claim(
            db(),
            mine,
            request.form.get("amount", ""),
            note=request.form.get("note", ""),
            files=evidence,
            actor=current_user.email,
            now=rt.clock(),
        )
    except InvalidInput as exc:
        discard()
        return _page(422, claim_error=exc, claim_for=request_id)
    flash(gettext("Claim sent: the vendor reviews it with your results."), "ok")
    return redirect(url_for("portal_mdf.home") + "#claims")
