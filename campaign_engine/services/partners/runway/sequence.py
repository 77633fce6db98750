"""Always-on campaigns: every partner that enters the audience gets the kit's sequence,
timed from the moment it entered, in its own timezone. One row per (partner, step) makes a
step go out once; a claim with a lease makes a crash mid-send resend only that step, with
the same Message-ID."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import Environment
from markupsafe import Markup, escape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Partner
from campaign_engine.db.runway import Enrollment, StepDelivery
from campaign_engine.domain.brand import PLATE_COLOURS
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.kit import KitContent, SequenceStep, step_body
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.runway import Milestone, StepRule, label, step_due
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import BROCHURE, BrandContext, Message, RenderedFile
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.assets.artifacts import render_assets
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preview import preview_links
from campaign_engine.services.campaigns.audience import audience_partners
from campaign_engine.services.delivery.programme_mail import send_programme_mail
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.partners.runway.milestones import reached, sync_engine_milestones
from campaign_engine.services.partners.runway.nextaction import next_step
from campaign_engine.translations import partner_language
from campaign_engine.typeset.sandbox import make_environment

LEASE = timedelta(minutes=5)


def run_runway(runtime: Runtime) -> Counter[str]:
    """One pass: engine milestones, enrollments, then every step that is due."""
    now = runtime.clock()
    counts: Counter[str] = Counter()
    with runtime.sessions.begin() as session:
        sync_engine_milestones(session)
        campaigns = list(
            session.scalars(
                select(Campaign.id).where(
                    Campaign.always_on.is_(True), Campaign.status == CampaignStatus.LIVE
                )
            )
        )
        for campaign_id in campaigns:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None:  # deleted since the query above: nothing to enrol in
                counts.update(sync_enrollments(session, campaign, now=now))
    for campaign_id in campaigns:
        counts.update(send_due_steps(runtime, campaign_id))
    return counts


def sync_enrollments(session: Session, campaign: Campaign, *, now: datetime) -> Counter[str]:
    """Newcomers enter now; leavers are marked (their steps wait); returners resume."""
    counts: Counter[str] = Counter()
    inside = {p.id for p in audience_partners(session, campaign.audience)}
    known = {
        e.partner_id: e
        for e in session.scalars(select(Enrollment).where(Enrollment.campaign_id == campaign.id))
    }
    for partner_id in inside - set(known):
        session.add(Enrollment(campaign_id=campaign.id, partner_id=partner_id, entered_at=now))
        counts["entered"] += 1
    for partner_id, enrollment in known.items():
        if partner_id in inside and enrollment.left_at is not None:
            enrollment.left_at = None
            counts["returned"] += 1
        elif partner_id not in inside and enrollment.left_at is None:
            enrollment.left_at = now
            counts["left"] += 1
    session.flush()
    return counts


def send_due_steps(runtime: Runtime, campaign_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        kit = materialise(session, campaign.kit_version, runtime.settings.storage_dir)
        enrollments = list(
            session.scalars(select(Enrollment).where(Enrollment.campaign_id == campaign_id))
        )
        ids = [e.partner_id for e in enrollments]
        partners = {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(ids)))}
        rows = {
            (row.enrollment_id, row.step): row
            for row in session.scalars(
                select(StepDelivery)
                .join(Enrollment, Enrollment.id == StepDelivery.enrollment_id)
                .where(Enrollment.campaign_id == campaign_id)
            )
        }
        run = _Pass(runtime, session, campaign, reached(session, ids), rows, now)
        work = []
        for enrollment in enrollments:
            partner = partners[enrollment.partner_id]
            for step in kit.spec.sequence:
                verdict = run.decide(enrollment, partner, step)
                counts[verdict] += verdict != "claimed"
                if verdict == "claimed":
                    work.append((enrollment.id, partner.id, step.id))
    if work:
        env = make_environment(kit.root)  # one sandbox for the whole pass
        for enrollment_id, partner_id, step_id in work:
            counts[_send(runtime, campaign_id, kit, env, enrollment_id, partner_id, step_id)] += 1
    return counts


@dataclass
class _Pass:
    """One pass over one campaign's enrollments, inside one transaction."""

    runtime: Runtime
    session: Session
    campaign: Campaign
    milestones: dict[int, dict[Milestone, datetime]]
    rows: dict[tuple[int, str], StepDelivery]  # every step row of the campaign, loaded once
    now: datetime

    def decide(self, enrollment: Enrollment, partner: Partner, step: SequenceStep) -> str:
        """Settle one step for one partner now: skip it, leave it waiting, or claim it."""
        row = self._row(enrollment, step)
        if row.status in ("sent", "skipped"):
            return "done"
        if row.status == "sending" and row.lease_expires_at and row.lease_expires_at > self.now:
            return "in flight"
        mine = self.milestones.get(partner.id, {})
        rule = StepRule(step.day, step.wait_for, step.skip_if)
        send_time = self.runtime.settings.runway.send_time
        row.due_at = step_due(rule, enrollment.entered_at, partner.timezone, send_time, mine)
        if step.skip_if is not None and step.skip_if in mine:
            return _final(row, "skipped", f"already reached {label(step.skip_if).lower()}")
        if row.due_at is None:
            return "waiting"
        if row.due_at > self.now:
            return "scheduled"
        if enrollment.left_at is not None:
            return _final(row, "skipped", "not in the audience on its day")
        default = ConsentMode(self.runtime.settings.programme.consent_default)
        if mode_for(self.session, partner.id, self.campaign, "email", default) is ConsentMode.OFF:
            return _final(row, "skipped", "partner opted out")
        row.status, row.lease_expires_at = "sending", self.now + LEASE
        return "claimed"

    def _row(self, enrollment: Enrollment, step: SequenceStep) -> StepDelivery:
        row = self.rows.get((enrollment.id, step.id))
        if row is None:
            row = StepDelivery(enrollment_id=enrollment.id, step=step.id, status="pending")
            self.session.add(row)
            self.rows[(enrollment.id, step.id)] = row
        return row


def _final(row: StepDelivery, status: str, reason: str) -> str:
    row.status, row.reason, row.lease_expires_at = status, reason, None
    return status


def _send(
    runtime: Runtime,
    campaign_id: int,
    kit: KitContent,
    env: Environment,
    enrollment_id: int,
    partner_id: int,
    step_id: str,
) -> str:
    step = next(s for s in kit.spec.sequence if s.id == step_id)
    with runtime.sessions() as session:
        partner = session.get(Partner, partner_id)
        assert partner is not None
        message = _message(runtime, session, kit, env, partner, campaign_id, step)
    key = f"runway-{campaign_id}-{partner_id}-{step_id}"
    try:
        send_programme_mail(runtime, message, key, partner_id=partner_id)
    except DeliveryError as exc:
        with runtime.sessions.begin() as session:
            session.execute(
                update(StepDelivery)
                .where(StepDelivery.enrollment_id == enrollment_id, StepDelivery.step == step_id)
                .values(status="pending", lease_expires_at=None, reason=str(exc)[:500])
            )
        return "failed"
    with runtime.sessions.begin() as session:
        session.execute(
            update(StepDelivery)
            .where(StepDelivery.enrollment_id == enrollment_id, StepDelivery.step == step_id)
            .values(status="sent", sent_at=runtime.clock(), lease_expires_at=None, reason=None)
        )
    return "sent"


def _message(
    runtime: Runtime,
    session: Session,
    kit: KitContent,
    env: Environment,
    partner: Partner,
    campaign_id: int,
    step: SequenceStep,
) -> Message:
    base = runtime.settings.public_base_url
    token = PartnerLinks(runtime.settings.signing_keys).make(partner.id, campaign_id)
    brand = brand_context(partner)
    words, _ = partner_language(partner.locale)
    context = {
        "partner": partner,
        "portal_url": f"{base}/portal/preview/{token}",
        # In the partner's language, as the step's own text is when the kit has it.
        "next_action": next_step(session, partner, now=runtime.clock()).in_words(
            words.gettext, words.ngettext
        ),
        "step": step,
    }
    attachments: tuple[RenderedFile, ...] = ()
    if "brochure" in step.attach:
        links = preview_links(kit, partner, "runway")
        _, assets, _ = render_assets(runtime, kit, brand, BROCHURE, links)
        attachments = tuple(f for a in assets for f in a.files if f.media_type == "application/pdf")
    language = brand.language if brand.language in kit.spec.locales else kit.spec.default_locale
    body = step_body(step, language, lambda path: (kit.root / path).is_file())
    text = env.get_template(body).render(context)
    vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()
    html, logos = step_html(text, brand, kit.spec.vendor.name, vendor_logo)
    return Message(
        channel="email",
        recipient=partner.contact_email,
        # A subject is plain text: "O'Brien & Sons", not "O&#39;Brien &amp; Sons" (a string
        # template autoescapes by default in the kit's sandbox).
        subject=env.overlay(autoescape=False)
        .from_string(step.subjects.get(language, step.subject))
        .render(context),
        body_text=text,
        body_html=html,
        inline_images=logos,
        attachments=attachments,
        sender_name=f"{kit.spec.vendor.name} partner team",
    )


def runway_steps(session: Session, partner_id: int) -> list[dict[str, object]]:
    """A partner's sequence steps across always-on campaigns (for its page and the API)."""
    rows = session.execute(
        select(StepDelivery, Enrollment.campaign_id)
        .join(Enrollment, Enrollment.id == StepDelivery.enrollment_id)
        .where(Enrollment.partner_id == partner_id)
        .order_by(StepDelivery.due_at.is_(None), StepDelivery.due_at)
    )
    return [
        {
            "campaign_id": cid,
            "step": r.step,
            "status": r.status,
            "due_at": r.due_at,
            "sent_at": r.sent_at,
            "reason": r.reason,
        }
        for r, cid in rows
    ]


# The HTML part of a step: the kit's plain-text step with the partner's and the vendor's
# logos above it, so an onboarding email looks like the programme it speaks for. Built
# from the step's text, escaped (kit template output and partner fields are hostile until
# escaped), with bare URLs made links. Hand-written rather than MJML: one logo row and
# paragraphs need no responsive layout engine.

PARTNER_LOGO = "runway-partner-logo"
VENDOR_LOGO = "runway-vendor-logo"
URL = re.compile(r"https?://[^\s<>\"']+")


def _paragraph(text: str) -> Markup:
    escaped = str(escape(text))
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    # The kit's text is wrapped for plain-text mail; a paragraph here reflows.
    return Markup(" ".join(linked.split()))  # noqa: S704 - escaped above


def step_html(
    text: str, brand: BrandContext, vendor_name: str, vendor_logo: bytes
) -> tuple[str, tuple[RenderedFile, ...]]:
    """(HTML, inline images): the logos as cid: images, sized so no client enlarges them."""
    plate = PLATE_COLOURS.get(brand.logo_on_plate or "white", "#ffffff")
    paragraphs = Markup("").join(
        Markup('<p style="margin:0 0 16px">{}</p>').format(_paragraph(block))
        for block in text.strip().split("\n\n")
    )
    html = Markup(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light"></head>'
        '<body style="margin:0;padding:0;background:#f4f5f7">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="background:#f4f5f7"><tr><td align="center" style="padding:16px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="max-width:600px;background:#ffffff;border-top:4px solid {color}">'
        '<tr><td style="padding:12px 16px" align="left">'
        '<span style="display:inline-block;padding:6px 8px;border-radius:6px;'
        'background:{plate}"><img src="cid:{partner}" alt="{name}" height="40" '
        'style="display:block;height:40px;width:auto;max-width:150px;border:0"></span></td>'
        '<td style="padding:12px 16px" align="right">'
        '<img src="cid:{vendor}" alt="{vendor_name}" height="28" style="height:28px;'
        'width:auto;max-width:110px;border:0"></td></tr>'
        '<tr><td colspan="2" style="padding:8px 24px 24px;font-family:Arial,Helvetica,'
        "sans-serif;font-size:16px;line-height:1.5;color:#1f2430;overflow-wrap:anywhere;"
        'word-break:break-word">{paragraphs}</td></tr>'
        "</table></td></tr></table></body></html>"
    ).format(
        color=brand.primary_color,
        plate=plate,
        partner=PARTNER_LOGO,
        vendor=VENDOR_LOGO,
        name=brand.name,
        vendor_name=vendor_name,
        paragraphs=paragraphs,
    )
    images = (
        RenderedFile(PARTNER_LOGO, "image/png", brand.logo_png or b""),
        RenderedFile(VENDOR_LOGO, "image/png", vendor_logo),
    )
    return str(html), images
