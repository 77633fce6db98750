"""The partner's leads: what each became, in the portal (/portal/leads) and the API
(`GET /api/v1/me/leads`, `PATCH /api/v1/me/leads/<id>`).

Who may use them: a partner's users (browser session, or their API token for the API),
for their own partner's leads only; another partner's lead id is a 404. The portal form
carries the CSRF token; the API's writes follow web/api.py's rules (JSON, X-CSRFToken
with the session cookie)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.db import Lead
from campaign_engine.domain.words import N_
from campaign_engine.services.leads.disposition import (
    REJECT_REASONS,
    LeadState,
    contact_of,
    get_lead,
    leads_of,
    set_state,
)
from campaign_engine.web.api import _guard_writes, _parse
from campaign_engine.web.lead_schemas import LeadChange, LeadList, LeadOut
from campaign_engine.web.portal import current_partner, partner_required
from campaign_engine.web.session import db, runtime

portal_bp = Blueprint("portal_leads", __name__)
api_bp = Blueprint("leads_api", __name__)
api_bp.before_request(_guard_writes)

STATE_WORDS = {
    "new": N_("new"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "contacted": N_("contacted"),
    "opportunity": N_("opportunity"),
    "won": N_("won"),
    "lost": N_("lost"),
}
REASON_WORDS = {
    "not_a_fit": N_("not a fit for us"),
    "duplicate": N_("a duplicate"),
    "spam": N_("spam or fake"),
    "no_budget": N_("no budget"),
    "other": N_("another reason"),
}


def lead_json(lead: Lead) -> dict[str, Any]:
    from datetime import timedelta

    hours = runtime().settings.leads.first_touch_hours
    return {
        "id": lead.id,
        "state": lead.state,
        "reason": lead.reason or None,
        "campaign_id": lead.campaign_id,
        "channel": lead.channel,
        "source": lead.source,
        "received_at": lead.received_at,
        "first_touch_at": lead.first_touch_at,
        "first_touch_due_at": lead.received_at + timedelta(hours=hours),
        "contact": contact_of(db(), lead),
    }


@api_bp.get("/me/leads")
@partner_required
def me_leads() -> dict[str, Any]:
    items = [lead_json(lead) for lead in leads_of(db(), current_partner().id)]
    return LeadList(items=items).model_dump(mode="json")


@api_bp.patch("/me/leads/<int:lead_id>")
@partner_required
def me_lead_change(lead_id: int) -> dict[str, Any]:
    body = _parse(LeadChange)
    lead = get_lead(db(), lead_id, partner_id=current_partner().id)
    set_state(
        db(), lead, body.state, reason=body.reason, actor=current_user.email, now=runtime().clock()
    )
    return LeadOut.model_validate(lead_json(lead)).model_dump(mode="json")


@portal_bp.get("/")
@partner_required
def page() -> str:
    partner = current_partner()
    return render_template(
        "portal/leads.html",
        partner=partner,
        leads=[lead_json(lead) for lead in leads_of(db(), partner.id)],
        states=[s.value for s in LeadState if s is not LeadState.NEW],
        state_words=STATE_WORDS,
        reasons=REJECT_REASONS,
        reason_words=REASON_WORDS,
    )


@portal_bp.post("/<int:lead_id>")
@partner_required
def change(lead_id: int) -> Response:
    lead = get_lead(db(), lead_id, partner_id=current_partner().id)
    state = request.form.get("state", "")
    reason = request.form.get("reason") or None
    set_state(db(), lead, state, reason=reason, actor=current_user.email, now=runtime().clock())
    flash(gettext("Saved."), "ok")
    return redirect(url_for("portal_leads.page") + f"#lead-{lead_id}")
