"""JSON API for market development funds and the partner's dashboard, under /api/v1.

Who may call what (docs/security.md; tests/security/test_matrix.py holds it):
  /me/mdf..., /me/dashboard    a partner's users (session or their API token), for their
                               own partner only: another partner's request id is a 404
  /mdf/...                     the vendor's marketers and admins (session or bearer token);
                               an allocation above mdf.admin_limit needs an admin
The bodies and answers are the pydantic models of web/mdf_schemas.py: the views parse and
answer with them (web/api_support.reply), web/openapi.py publishes their JSON Schemas, so
the document and the code cannot describe two shapes.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response
from flask_login import current_user

from campaign_engine.errors import InvalidInput
from campaign_engine.services.insights.dashboard.summary import dashboard
from campaign_engine.services.mdf import allocate as funds
from campaign_engine.services.mdf import claims, mail, requests
from campaign_engine.services.mdf.evidence import Evidence, check_evidence
from campaign_engine.services.mdf.report import mdf_report
from campaign_engine.services.mdf.view import claim_json, partner_mdf, partner_slugs, request_json
from campaign_engine.web.api_schemas import Page
from campaign_engine.web.api_support import (
    guard_writes,
    page_of,
    parse_body,
    replied_through_model,
    reply,
)
from campaign_engine.web.auth import vendor_required
from campaign_engine.web.mdf_schemas import (
    Dashboard,
    MdfAllocated,
    MdfAllocationIn,
    MdfClaimFile,
    MdfClaimIn,
    MdfClaimOut,
    MdfDecision,
    MdfListQuery,
    MdfReport,
    MdfRequestIn,
    MdfRequestOut,
    MyMdf,
)
from campaign_engine.web.openapi_ops import operation
from campaign_engine.web.partner_pages import current_partner, partner_required
from campaign_engine.web.session import db, runtime

bp = Blueprint("mdf_api", __name__)
bp.before_request(guard_writes)
bp.after_request(replied_through_model)


def _currency() -> str:
    return runtime().settings.mdf.currency


# The partner's own


@bp.get("/me/mdf")
@operation("The partner's MDF: balance, requests, claims", replies={200: MyMdf})
@partner_required
def me_mdf() -> Response:
    shown = partner_mdf(db(), current_partner(), now=runtime().clock(), currency=_currency())
    return reply(MyMdf, shown)


@bp.post("/me/mdf/requests")
@operation(
    "Ask for funds for a kit or an activity (a 422 names the balance)",
    body=MdfRequestIn,
    replies={201: MdfRequestOut},
)
@partner_required
def me_mdf_request() -> Response:
    body = parse_body(MdfRequestIn)
    rt = runtime()
    ask = requests.Ask(
        amount=body.amount,
        currency=body.currency,
        activity=body.activity,
        starts_on=body.starts_on.isoformat(),
        ends_on=body.ends_on.isoformat(),
        expected_outcome=body.expected_outcome,
        kit=body.kit,
    )
    made = requests.create_request(
        db(),
        current_partner(),
        ask,
        actor=current_user.email,
        now=rt.clock(),
        sla_hours=rt.settings.mdf.sla_hours,
    )
    mail.request_made(rt, db(), made)
    return reply(MdfRequestOut, request_json(made, now=rt.clock()), 201)


@bp.post("/me/mdf/requests/<int:request_id>/cancel")
@operation("Withdraw an open request", replies={200: MdfRequestOut}, problems=(404, 409))
@partner_required
def me_mdf_cancel(request_id: int) -> Response:
    rt = runtime()
    mine = requests.get_request(db(), request_id, partner_id=current_partner().id)
    requests.cancel(db(), mine, actor=current_user.email, now=rt.clock())
    return reply(MdfRequestOut, request_json(mine, now=rt.clock()))


def evidence_of(files: list[MdfClaimFile]) -> list[Evidence]:
    checked = []
    for item in files:
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("not base64", where=f"file {item.filename}") from None
        checked.append(check_evidence(item.filename, data))
    return checked


@bp.post("/me/mdf/claims")
@operation(
    "Claim an approved request, with files",
    body=MdfClaimIn,
    replies={201: MdfClaimOut},
    problems=(404, 409),
)
@partner_required
def me_mdf_claim() -> Response:
    body = parse_body(MdfClaimIn)
    rt = runtime()
    mine = requests.get_request(db(), body.request_id, partner_id=current_partner().id)
    claim = claims.submit_claim(
        db(),
        mine,
        body.amount,
        note=body.note,
        files=evidence_of(body.files),
        actor=current_user.email,
        now=rt.clock(),
    )
    return reply(MdfClaimOut, claim_json(claim), 201)


@bp.get("/me/dashboard")
@operation("Campaigns, MDF balance, open deals and the next action", replies={200: Dashboard})
@partner_required
def me_dashboard() -> Response:
    rt = runtime()
    shown = dashboard(
        db(),
        current_partner(),
        now=rt.clock(),
        rules=rt.settings.programme.rules(),
        currency=_currency(),
    )
    return reply(Dashboard, shown)


# The vendor's


@bp.get("/mdf/requests")
@operation(
    "Partners' MDF requests, newest first",
    query=MdfListQuery,
    replies={200: Page[MdfRequestOut]},
    problems=(422,),
)
@vendor_required
def mdf_requests() -> Response:
    from flask import request as http

    rt = runtime()
    rows = requests.list_requests(db(), status=http.args.get("status") or None)
    slugs = partner_slugs(db())
    items = [request_json(r, now=rt.clock()) | {"partner": slugs[r.partner_id]} for r in rows]
    return reply(Page[MdfRequestOut], page_of(items))


@bp.post("/mdf/requests/<int:request_id>/<any(approve, reject, changes):action>")
@operation(
    "Approve (commit the funds, schedule the kit's campaign), reject with a reason, or send "
    "back for a change with what to change",
    body=MdfDecision,
    replies={200: MdfRequestOut},
    problems=(404, 409),
)
@vendor_required
def mdf_decide(request_id: int, action: str) -> Response:
    body = parse_body(MdfDecision)
    rt = runtime()
    found = requests.get_request(db(), request_id)
    if action == "approve":
        requests.approve(
            db(),
            found,
            actor=current_user.email,
            now=rt.clock(),
            send_time=rt.settings.mdf.send_time,
        )
    elif action == "reject":
        requests.reject(db(), found, body.reason or "", actor=current_user.email, now=rt.clock())
    else:
        requests.ask_changes(
            db(), found, body.reason or "", actor=current_user.email, now=rt.clock()
        )
    mail.decision_made(rt, db(), found)
    return reply(MdfRequestOut, request_json(found, now=rt.clock()))


@bp.get("/mdf/claims")
@operation(
    "Claims with their proof",
    query=MdfListQuery,
    replies={200: Page[MdfClaimOut]},
    problems=(422,),
)
@vendor_required
def mdf_claims() -> Response:
    from flask import request as http

    items = [claim_json(c) for c in claims.list_claims(db(), status=http.args.get("status"))]
    return reply(Page[MdfClaimOut], page_of(items))


@bp.post("/mdf/claims/<int:claim_id>/<any(accept, reject, pay):action>")
@operation(
    "Accept a claim fully, or in part with an amount; reject it with a reason; mark an "
    "accepted claim paid",
    body=MdfDecision,
    replies={200: MdfClaimOut},
    problems=(404, 409),
)
@vendor_required
def mdf_claim_decide(claim_id: int, action: str) -> Response:
    body = parse_body(MdfDecision)
    rt = runtime()
    claim = claims.get_claim(db(), claim_id)
    who, now = current_user.email, rt.clock()
    if action == "accept":
        claims.accept_claim(db(), claim, body.amount, actor=who, now=now)
    elif action == "reject":
        claims.reject_claim(db(), claim, body.reason or "", actor=who, now=now)
    else:
        claims.pay_claim(db(), claim, actor=who, now=now)
    return reply(MdfClaimOut, claim_json(claim))


@bp.post("/mdf/allocations")
@operation(
    "Give a partner funds for a period",
    body=MdfAllocationIn,
    replies={201: MdfAllocated},
    problems=(404,),
)
@vendor_required
def mdf_allocate() -> Response:
    from campaign_engine.domain.mdf import Period

    body = parse_body(MdfAllocationIn)
    rt = runtime()
    grant = funds.Grant(
        current_user.email, current_user.role == "admin", rt.settings.mdf.admin_limit
    )
    period = body.period or str(Period.of(rt.clock().date()))
    code = body.currency or _currency()
    after = funds.allocate(db(), body.partner, body.amount, code, period, grant)
    shown = {"partner": body.partner, "period": period, "currency": code}
    return reply(MdfAllocated, {**shown, "available": str(after.available)}, 201)


@bp.get("/mdf/report")
@operation(
    "Allocated, committed, claimed, paid, expired; returns on the funds paid",
    replies={200: MdfReport},
)
@vendor_required
def mdf_report_json() -> Response:
    report = mdf_report(db(), sla_hours=runtime().settings.mdf.sla_hours)
    return reply(MdfReport, report)
