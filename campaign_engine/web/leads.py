"""The partner's leads: what each became, in the portal (/portal/leads) and the API
(`GET /api/v1/me/leads`, `PATCH /api/v1/me/leads/<id>`).

Who may use them: a partner's users (browser session, or their API token for the API),
for their own partner's leads only; another partner's lead id is a 404. The portal form
carries the CSRF token; the API's writes follow web/api.py's rules (JSON, X-CSRFToken
with the session cookie).

A landing-page lead held for review (its client was over its limits) is listed as held,
counted nowhere, until a user of its partner releases it (`"state": "released"`: it
counts, or waits for its visitor's confirmation under double opt-in) or discards it
(`"state": "discarded"`). A lead waiting for its visitor's confirmation is not shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import Lead
from campaign_engine.domain.words import N_
from campaign_engine.services.attribution.leads.disposition import (
    REJECT_REASONS,
    UNCONFIRMED,
    LeadState,
    contact_of,
    get_lead,
    leads_of,
    set_state,
)
from campaign_engine.services.attribution.leads.intake import discard
from campaign_engine.web.api_support import guard_writes, parse_body, replied_through_model, reply
from campaign_engine.web.landing import release_lead
from campaign_engine.web.lead_schemas import LeadChange, LeadList, LeadOut
from campaign_engine.web.openapi_ops import operation
from campaign_engine.web.partner_pages import current_partner, partner_required
from campaign_engine.web.session import db, runtime

portal_bp = Blueprint("portal_leads", __name__)
api_bp = Blueprint("leads_api", __name__)
api_bp.before_request(guard_writes)
api_bp.after_request(replied_through_model)

STATE_WORDS = {
    "new": N_("new"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "contacted": N_("contacted"),
    "opportunity": N_("opportunity"),
    "won": N_("won"),
    "lost": N_("lost"),
    "held": N_("held for review"),
}
REASON_WORDS = {
    "not_a_fit": N_("not a fit for us"),
    "duplicate": N_("a duplicate"),
    "spam": N_("spam or fake"),
    "no_budget": N_("no budget"),
    "other": N_("another reason"),
}


def lead_json(lead: Lead) -> dict[str, Any]:
    rt = runtime()
    due = lead.received_at + timedelta(hours=rt.settings.leads.first_touch_hours)
    return {
        "id": lead.id,
        "state": lead.state,
        "reason": lead.reason or None,
        "campaign_id": lead.campaign_id,
        "channel": lead.channel,
        "source": lead.source,
        "received_at": lead.received_at,
        "first_touch_at": lead.first_touch_at,
        "first_touch_due_at": due,
        "overdue": lead.state == LeadState.NEW and rt.clock() > due,
        "contact": contact_of(db(), lead),
    }


@api_bp.get("/me/leads")
@operation("The partner's leads and what became of each", replies={200: LeadList})
@partner_required
def me_leads() -> Response:
    items = [lead_json(lead) for lead in leads_of(db(), current_partner().id)]
    return reply(LeadList, {"items": items})


@api_bp.patch("/me/leads/<int:lead_id>")
@operation(
    "Say what became of a lead (the first change is its first touch)",
    body=LeadChange,
    replies={200: LeadOut},
    problems=(404,),
)
@partner_required
def me_lead_change(lead_id: int) -> Response:
    body = parse_body(LeadChange)
    lead = get_lead(db(), lead_id, partner_id=current_partner().id)
    _change(lead, body.state, body.reason)
    return reply(LeadOut, lead_json(lead))


def _change(lead: Lead, state: str, reason: str | None) -> str | None:
    """A state the partner sets, or a held lead released or discarded; a released lead
    says the state it is in (unconfirmed: its visitor was asked to confirm first)."""
    actor, now = current_user.email, runtime().clock()
    if state == "released":
        return release_lead(lead, actor)
    if state == "discarded":
        discard(db(), lead, actor=actor, now=now)
    else:
        set_state(db(), lead, state, reason=reason, actor=actor, now=now)
    return None


@portal_bp.get("/")
@partner_required
def page() -> str:
    partner = current_partner()
    return render_template(
        "portal/leads.html",
        partner=partner,
        # what needs the partner first: overdue, then held for review, each newest first
        leads=sorted(
            (lead_json(lead) for lead in leads_of(db(), partner.id)),
            key=lambda lead: (not lead["overdue"], lead["state"] != "held"),
        ),
        states=[s.value for s in LeadState if s is not LeadState.NEW],
        state_words=STATE_WORDS,
        reasons=REJECT_REASONS,
        reason_words=REASON_WORDS,
    )


@portal_bp.post("/<int:lead_id>")
@partner_required
def change(lead_id: int) -> Response:
    lead = get_lead(db(), lead_id, partner_id=current_partner().id)
    became = _change(lead, request.form.get("state", ""), request.form.get("reason") or None)
    if became == UNCONFIRMED:  # it leaves the list until its visitor confirms
        flash(
            gettext(
                "Released: the visitor was asked by email to confirm the request; the lead "
                "appears here once they do."
            ),
            "ok",
        )
    else:
        flash(gettext("Saved."), "ok")
    return redirect(url_for("portal_leads.page") + f"#lead-{lead_id}")
