"""The vendor's MDF desk (/mdf): requests against their SLA clock, claims with their proof
and files, allocations (one partner or a CSV), the report and the finance export.

Who may use it: the vendor's marketers and admins (password session); an allocation above
mdf.admin_limit needs an admin. Forms carry the CSRF token; a claim's files are served
as attachments with their checked type, never inline."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only
from werkzeug.utils import secure_filename

from campaign_engine.db import MdfClaimFile, Partner
from campaign_engine.domain.mdf import Period
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.services.mdf import allocate as funds
from campaign_engine.services.mdf import claims, mail, requests
from campaign_engine.services.mdf.report import mdf_report
from campaign_engine.services.mdf.sla import clock
from campaign_engine.services.mdf.view import claim_json, partner_slugs, request_json
from campaign_engine.web.api_support import csv_response
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.session import db, discard, runtime

bp = Blueprint("console_mdf", __name__)


@bp.before_request
@vendor_required
def _vendor_only() -> None:
    return None


def _desk(status: int = 200, **extra: Any) -> tuple[str, int]:
    rt = runtime()
    now, slugs = rt.clock(), partner_slugs(db())
    names = {slug: name for slug, name in db().execute(select(Partner.slug, Partner.name))}
    files: dict[int, list[MdfClaimFile]] = {}
    # names only: every file's bytes (up to 10 x 10 MB a claim) were read on every view
    listed = load_only(MdfClaimFile.id, MdfClaimFile.claim_id, MdfClaimFile.filename)
    for item in db().scalars(select(MdfClaimFile).options(listed).order_by(MdfClaimFile.id)):
        files.setdefault(item.claim_id, []).append(item)
    rows = [
        request_json(r, now=now) | {"partner": slugs[r.partner_id], "clock": clock(r, now)}
        for r in requests.list_requests(db())
    ]
    return render_template(
        "console/mdf.html",
        requests=rows,
        claims=[claim_json(c) for c in claims.list_claims(db())],
        files=files,
        names=names,
        report=mdf_report(db(), sla_hours=rt.settings.mdf.sla_hours),
        period=str(Period.of(now.date())),
        currency=rt.settings.mdf.currency,
        limit=rt.settings.mdf.admin_limit,
        **extra,
    ), status


@bp.get("/")
def desk() -> tuple[str, int]:
    return _desk()


@bp.post("/requests/<int:request_id>/<any(approve, reject, changes):action>")
def decide(request_id: int, action: str) -> Response | tuple[str, int]:
    rt = runtime()
    found = requests.get_request(db(), request_id)
    reason = request.form.get("reason", "")
    try:
        if action == "approve":
            requests.approve(
                db(),
                found,
                actor=current_user.email,
                now=rt.clock(),
                send_time=rt.settings.mdf.send_time,
            )
        elif action == "reject":
            requests.reject(db(), found, reason, actor=current_user.email, now=rt.clock())
        else:
            requests.ask_changes(db(), found, reason, actor=current_user.email, now=rt.clock())
    except InvalidInput as exc:
        discard()
        return _desk(422, error=exc, error_for=request_id)
    mail.decision_made(rt, db(), found)
    flash(f"Request {request_id}: {found.status.replace('_', ' ')}", "ok")
    return redirect(url_for("console_mdf.desk") + f"#request-{request_id}")


@bp.post("/claims/<int:claim_id>/<any(accept, reject, pay):action>")
def claim_decide(claim_id: int, action: str) -> Response | tuple[str, int]:
    rt = runtime()
    claim = claims.get_claim(db(), claim_id)
    who, now = current_user.email, rt.clock()
    try:
        if action == "accept":
            claims.accept_claim(db(), claim, request.form.get("amount") or None, actor=who, now=now)
        elif action == "reject":
            claims.reject_claim(db(), claim, request.form.get("reason", ""), actor=who, now=now)
        else:
            claims.pay_claim(db(), claim, actor=who, now=now)
    except InvalidInput as exc:
        discard()
        return _desk(422, claim_error=exc, error_for=claim_id)
    flash(f"Claim {claim_id}: {claim.status}", "ok")
    return redirect(url_for("console_mdf.desk") + "#claims")


@bp.get("/claims/<int:claim_id>/files/<int:file_id>")
def claim_file(claim_id: int, file_id: int) -> Response:
    item = db().get(MdfClaimFile, file_id)
    if item is None or item.claim_id != claim_id:
        raise NotFound(f"no file {file_id} on claim {claim_id}")
    return Response(
        item.content,
        mimetype=item.media_type,
        headers={"Content-Disposition": f'attachment; filename="{item.filename}"'},
    )


@bp.post("/allocations")
def allocations() -> Response | tuple[str, int]:
    rt = runtime()
    grant = funds.Grant(
        current_user.email, current_user.role == "admin", rt.settings.mdf.admin_limit
    )
    upload = request.files.get("csv")
    try:
        if upload is not None and upload.filename:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / _csv_name(upload.filename)
                path.write_bytes(upload.read())
                count = funds.allocate_csv(db(), path, grant)
            flash(f"{count} allocation(s) recorded", "ok")
        else:
            form = request.form
            after = funds.allocate(
                db(),
                form.get("partner", ""),
                form.get("amount", ""),
                form.get("currency") or rt.settings.mdf.currency,
                form.get("period") or str(Period.of(rt.clock().date())),
                grant,
            )
            flash(f"{form.get('partner')}: {after.available} {after.currency} available", "ok")
    except (InvalidInput, NotFound) as exc:
        discard()
        return _desk(422, allocation_error=exc, form=request.form)
    return redirect(url_for("console_mdf.desk"))


def _csv_name(sent: str) -> str:
    """The upload's own name, so errors name the file the marketer chose; a name that is
    no file's ("..", "/") was written as the folder itself, a 500."""
    return secure_filename(sent) or "allocations.csv"


@bp.get("/report.csv")
def report_csv() -> Response:
    report = mdf_report(db(), sla_hours=runtime().settings.mdf.sla_hours)
    return csv_response(report["partners"], "mdf-report.csv")
