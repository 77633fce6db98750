"""Claims: the partner asks to be paid for an approved request, with proof of performance
the engine assembles from attribution (what was sent, clicks, leads, opportunities, won
revenue of the request's campaign) plus its invoices; the vendor accepts all or part, and
pays. Accepting moves the accepted amount from committed to claimed and gives back what
the request does not use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MdfClaim, MdfClaimFile, MdfRequest, Partner
from campaign_engine.domain.mdf import (
    ClaimStatus,
    EntryKind,
    MdfError,
    Period,
    RequestStatus,
    money,
    plain,
)
from campaign_engine.errors import InvalidTransition, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.services.insights.reports import campaign_report
from campaign_engine.services.mdf.evidence import MAX_FILES, Evidence
from campaign_engine.services.mdf.ledger import Funds, lock_partner, post
from campaign_engine.services.mdf.requests import listed, locked

PROOF_FIGURES = ("delivered", "opens", "clicks", "leads", "opportunities", "closed_won")


def proof_for(session: Session, request: MdfRequest) -> dict[str, Any]:
    """What the request's campaign did for this partner, as attribution counts it; an
    activity of the partner's own (no campaign) has only its invoices."""
    if request.campaign_id is None:
        return {"campaign_id": None}
    partner = session.get(Partner, request.partner_id)
    assert partner is not None
    row = campaign_report(session, request.campaign_id)["partners"].get(partner.slug, {})
    proof: dict[str, Any] = {"campaign_id": request.campaign_id}
    proof.update({figure: int(row.get(figure, 0)) for figure in PROOF_FIGURES})
    proof["pipeline"] = str(Decimal(row.get("pipeline", 0)).quantize(Decimal("0.01")))
    proof["revenue"] = str(Decimal(row.get("revenue", 0)).quantize(Decimal("0.01")))
    return proof


def submit_claim(
    session: Session,
    request: MdfRequest,
    amount: str,
    *,
    note: str,
    files: list[Evidence],
    actor: str,
    now: datetime,
) -> MdfClaim:
    """A claim up to the request's approved amount; one open or accepted claim per request
    (checked under the partner's lock: two claims sent at once were both filed)."""
    _approved(locked(session, request))
    asked = money(amount)
    if asked > Decimal(request.amount):
        raise MdfError(
            f"{asked} {request.currency} is more than the {request.amount} "
            f"{request.currency} approved for this request",
            where="amount",
        )
    if len(files) > MAX_FILES:
        raise MdfError(f"attach at most {MAX_FILES} files", where="files")
    if _open_claim(session, request.id) is not None:
        raise InvalidTransition(f"MDF request {request.id} already has a claim waiting")
    claim = MdfClaim(
        request_id=request.id,
        partner_id=request.partner_id,
        amount=asked,
        currency=request.currency,
        status=ClaimStatus.SUBMITTED.value,
        note=plain(note, field="note")[:2000],
        reason="",
        proof=proof_for(session, request),
        submitted_by=actor,
        created_at=now,
    )
    session.add(claim)
    session.flush()
    for item in files:
        session.add(
            MdfClaimFile(
                claim_id=claim.id,
                filename=item.filename,
                media_type=item.media_type,
                sha256=item.sha256,
                content=item.content,
            )
        )
    record(session, actor, "mdf.claim", "mdf_claim", claim.id, {"amount": str(asked)})
    return claim


def _approved(request: MdfRequest) -> None:
    if request.status != RequestStatus.APPROVED:
        raise InvalidTransition(
            f"MDF request {request.id} is {request.status.replace('_', ' ')}; "
            "only an approved request can be claimed"
        )


def _open_claim(session: Session, request_id: int) -> MdfClaim | None:
    return session.scalar(
        select(MdfClaim).where(
            MdfClaim.request_id == request_id, MdfClaim.status == ClaimStatus.SUBMITTED
        )
    )


def get_claim(session: Session, claim_id: int, *, partner_id: int | None = None) -> MdfClaim:
    claim = session.get(MdfClaim, claim_id) if 0 < claim_id < 2**63 else None
    if claim is None or (partner_id is not None and claim.partner_id != partner_id):
        raise NotFound(f"no MDF claim {claim_id}")
    return claim


def _funds(request: MdfRequest) -> Funds:
    return Funds(request.partner_id, Period.parse(request.period), request.currency)


def accept_claim(
    session: Session, claim: MdfClaim, amount: str | None, *, actor: str, now: datetime
) -> MdfClaim:
    """Accept the claim in full (`amount` None) or in part; the request's commitment beyond
    what is accepted goes back to the partner's available funds."""
    request = _submitted(session, claim)
    accepted = Decimal(claim.amount) if amount is None else money(amount)
    if accepted > Decimal(claim.amount):
        raise MdfError(f"the claim asks {claim.amount} {request.currency}", where="amount")
    funds = _funds(request)
    post(
        session,
        funds,
        EntryKind.CLAIM,
        accepted,
        actor=actor,
        request_id=request.id,
        claim_id=claim.id,
    )
    unused = Decimal(request.amount) - accepted
    if unused > 0:
        post(
            session,
            funds,
            EntryKind.RELEASE,
            unused,
            actor=actor,
            request_id=request.id,
            claim_id=claim.id,
            note="not claimed",
        )
    claim.status, claim.approved_amount = ClaimStatus.APPROVED.value, accepted
    claim.decided_by, claim.decided_at = actor, now
    request.status = RequestStatus.CLAIMED.value
    record(session, actor, "mdf.accept", "mdf_claim", claim.id, {"amount": str(accepted)})
    return claim


def reject_claim(
    session: Session, claim: MdfClaim, reason: str, *, actor: str, now: datetime
) -> MdfClaim:
    """The claim is refused with a reason; the request stays approved, so the partner may
    claim again with better proof."""
    _submitted(session, claim)
    words = plain(reason, field="reason")
    if not words:
        raise MdfError("give the partner a reason", where="reason")
    claim.status, claim.reason = ClaimStatus.REJECTED.value, words[:2000]
    claim.decided_by, claim.decided_at = actor, now
    record(session, actor, "mdf.reject_claim", "mdf_claim", claim.id, {"reason": words})
    return claim


def pay_claim(session: Session, claim: MdfClaim, *, actor: str, now: datetime) -> MdfClaim:
    _fresh(session, claim)
    if claim.status != ClaimStatus.APPROVED or claim.approved_amount is None:
        raise InvalidTransition(
            f"MDF claim {claim.id} is {claim.status}; only an approved one is paid"
        )
    request = session.get(MdfRequest, claim.request_id)
    assert request is not None
    post(
        session,
        _funds(request),
        EntryKind.PAYMENT,
        Decimal(claim.approved_amount),
        actor=actor,
        request_id=request.id,
        claim_id=claim.id,
    )
    claim.status, claim.paid_at = ClaimStatus.PAID.value, now
    record(session, actor, "mdf.pay", "mdf_claim", claim.id, {"amount": str(claim.approved_amount)})
    return claim


def _fresh(session: Session, claim: MdfClaim) -> None:
    """The claim as it stands once its partner's funds are locked, until the transaction
    ends: two clicks on Pay (or Accept) each saw the claim undecided and the money moved
    twice on PostgreSQL."""
    lock_partner(session, claim.partner_id)
    session.refresh(claim)


def _submitted(session: Session, claim: MdfClaim) -> MdfRequest:
    """The claim's request, when the claim waits for a decision and its request still
    waits for a claim (a second claim filed at the same moment as the first must not draw
    on another request's commitment)."""
    _fresh(session, claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise InvalidTransition(f"MDF claim {claim.id} is {claim.status}; it was decided already")
    request = session.get(MdfRequest, claim.request_id)
    assert request is not None
    session.refresh(request)
    _approved(request)
    return request


def list_claims(
    session: Session, *, status: str | None = None, partner_id: int | None = None
) -> list[MdfClaim]:
    return listed(session, MdfClaim, ClaimStatus, status=status, partner_id=partner_id)
