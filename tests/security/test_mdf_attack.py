"""Issue 29 attacked: what a partner, a marketer and an outsider tried against market
development funds, each with what it must get: a 4xx naming the field instead of a 500,
the amount that was meant or none, and money that moves once however often (and however
fast) a button is pressed."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine import bootstrap
from campaign_engine.db import MdfClaim, MdfEntry, MdfRequest, Partner
from campaign_engine.domain.mdf import Period
from campaign_engine.errors import InvalidTransition
from campaign_engine.runtime import Runtime
from campaign_engine.services.mdf import claims, requests
from campaign_engine.settings import load_settings
from tests.factories import partner_row, write_partners
from tests.security.conftest import (
    ADMIN,
    PARTNER_A,
    OnPostgres,
    page_csrf,
    partner_client,
    vendor_client,
)
from tests.security.test_mdf import ask

NOW = datetime.now(UTC)


def quarter(world) -> str:
    return str(Period.of(world.runtime.clock().date()))


def test_amounts_are_typed_digits_never_a_guess_nor_a_500(world):
    """`Decimal()` read an exponent, Arabic-Indic digits and "1_000"; dropping every comma
    read a German "1.500,00" as 1.50 and "2,5" as 25; 29 digits or "1e30" made quantize()
    raise, a 500 on every form that takes an amount."""
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/mdf/")
    for typed in (
        "99999999999999999999999999999",
        "1e30",
        "2,5",
        "1.500,00",
        "1e3",
        "\u0661\u0660\u0660",
    ):
        answer = a.post("/portal/mdf/requests", data={**ask(world, typed), "csrf_token": token})
        assert answer.status_code == 422, typed
        assert 'aria-describedby="amount-error"' in answer.get_data(as_text=True), typed
    assert (
        a.post(
            "/portal/mdf/requests", data={**ask(world, "2,000.50"), "csrf_token": token}
        ).status_code
        == 302
    )  # the English grouping is still read
    requested = a.get("/api/v1/me/mdf").get_json()["requests"][0]
    assert requested["amount"] == "2000.50"

    world.app.config["WTF_CSRF_ENABLED"] = False
    fullwidth = a.post(
        "/api/v1/me/mdf/requests", json=ask(world, "\uff11\uff10\uff10")
    )  # passes \d
    assert fullwidth.status_code == 422 and "amount" in fullwidth.get_json()["detail"]
    marketer = vendor_client(world)
    accepted = marketer.post(f"/mdf/claims/{world.mdf_claim}/accept", data={"amount": "1e30"})
    assert accepted.status_code == 422
    given = marketer.post("/mdf/allocations", data={"partner": "partner-02", "amount": "9" * 40})
    assert given.status_code == 422 and "more than this ledger holds" in given.get_data(
        as_text=True
    )


def test_dates_at_the_end_of_time_are_a_422_naming_the_field(world):
    """9999-12-31 plus a year overflowed: a 500 from the API and the portal alike."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    a = partner_client(world, PARTNER_A)
    for start, end, field in [
        ("9999-12-31", "9999-12-31", "starts_on"),
        ("9999-12-30", "9999-12-31", "starts_on"),
    ]:
        body = {**ask(world, "10"), "starts_on": start, "ends_on": end}
        answer = a.post("/api/v1/me/mdf/requests", json=body)
        assert answer.status_code == 422, start
        assert answer.get_json()["detail"].startswith(field)
        page = a.post("/portal/mdf/requests", data=body)
        assert page.status_code == 422 and f'aria-describedby="{field}-error"' in page.get_data(
            as_text=True
        )
    today = world.runtime.clock().date()
    long = {**ask(world, "10"), "ends_on": (today + timedelta(days=400)).isoformat()}
    assert a.post("/api/v1/me/mdf/requests", json=long).get_json()["detail"].startswith("ends_on")


def test_an_allocation_file_named_dot_dot_is_read_not_a_500(world):
    """The upload's name was joined to the temporary folder as sent: ".." or "/" named the
    folder itself and writing it was a 500."""
    marketer = vendor_client(world)
    token = page_csrf(marketer, "/mdf/")
    rows = f"partner,amount,currency,period\npartner-02,10,EUR,{quarter(world)}\n".encode()
    for name in ("..", "/", "../../allocations.csv"):
        data = {"csrf_token": token, "csv": (io.BytesIO(rows), name)}
        answer = marketer.post("/mdf/allocations", data=data, content_type="multipart/form-data")
        assert answer.status_code == 302, name


def test_a_marketer_cannot_pass_the_admin_limit_by_splitting_a_csv(world):
    """The limit was checked row by row: two rows of 6,000 gave one partner 12,000 in one
    file, above the 10,000 only an admin may give."""
    assert world.runtime.settings.mdf.admin_limit == 10000
    head, when = "partner,amount,currency,period", quarter(world)
    rows = f"{head}\npartner-02,6000,EUR,{when}\npartner-02,6000,EUR,{when}\n".encode()
    marketer = vendor_client(world)
    token = page_csrf(marketer, "/mdf/")
    data = {"csrf_token": token, "csv": (io.BytesIO(rows), "split.csv")}
    answer = marketer.post("/mdf/allocations", data=data, content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "ask an admin" in text and "split.csv row 3" in text
    with world.runtime.sessions() as session:
        b = session.scalar(select(Partner.id).where(Partner.slug == "partner-02"))
        assert session.scalar(select(func.count()).where(MdfEntry.partner_id == b)) == 0
    admin = vendor_client(world, ADMIN)
    data = {"csrf_token": page_csrf(admin, "/mdf/"), "csv": (io.BytesIO(rows), "split.csv")}
    assert (
        admin.post("/mdf/allocations", data=data, content_type="multipart/form-data").status_code
        == 302
    )
    other = f"{head}\npartner-02,6000,EUR,{when}\npartner-01,6000,EUR,{when}\n".encode()
    data = {"csrf_token": token, "csv": (io.BytesIO(other), "two.csv")}
    assert (
        marketer.post("/mdf/allocations", data=data, content_type="multipart/form-data").status_code
        == 302
    )  # 6,000 each to two partners is within the limit


def test_a_second_claim_on_a_claimed_request_cannot_draw_on_another_commitment(world):
    """Two claims filed at the same moment for one request (see the race below) were both
    accepted: the second took its money from another request's commitment, and the
    partner was paid twice for one activity."""
    with world.runtime.sessions.begin() as session:
        first = session.get(MdfClaim, world.mdf_claim)
        request = session.get(MdfRequest, first.request_id)
        twin = MdfClaim(
            request_id=request.id,
            partner_id=request.partner_id,
            amount=first.amount,
            currency=first.currency,
            status="submitted",
            note="",
            reason="",
            proof={},
            submitted_by="t",
        )
        session.add(twin)
        session.flush()
        twin_id = twin.id
        # another approved request, whose commitment the twin would have spent
        plan = requests.Ask("500", "EUR", "event", *_days(), "a second stand")
        partner = session.get(Partner, request.partner_id)
        other = requests.create_request(session, partner, plan, actor="t", now=NOW, sla_hours=48)
        requests.approve(session, other, actor="t", now=NOW)
    world.app.config["WTF_CSRF_ENABLED"] = False
    marketer = vendor_client(world)
    assert marketer.post(f"/api/v1/mdf/claims/{world.mdf_claim}/accept", json={}).status_code == 200
    assert marketer.post(f"/api/v1/mdf/claims/{twin_id}/accept", json={}).status_code == 409
    balance = partner_client(world, PARTNER_A).get("/api/v1/me/mdf").get_json()["balance"]
    assert (balance["committed"], balance["claimed"]) == ("500.00", "100.00")


def test_the_desk_reads_file_names_not_every_files_bytes(world):
    """A partner attaches up to 10 files of 10 MB to each claim, and claims again after each
    rejection; the desk read every one of them into memory on every view."""
    from sqlalchemy import event

    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany) -> None:
        if "mdf_claim_files" in sql:
            seen.append(sql)

    event.listen(world.runtime.engine, "before_cursor_execute", statement)
    try:
        assert vendor_client(world).get("/mdf/").status_code == 200
    finally:
        event.remove(world.runtime.engine, "before_cursor_execute", statement)
    assert seen and not [sql for sql in seen if "mdf_claim_files.content" in sql]


def test_the_link_in_mdf_emails_opens_the_request_on_the_desk(world):
    """Every new-request, half-time and overdue email linked to /mdf/requests/<id>: a 404."""
    from tests.worlds import outbox_messages

    world.app.config["WTF_CSRF_ENABLED"] = False
    a = partner_client(world, PARTNER_A)
    made = a.post("/api/v1/me/mdf/requests", json=ask(world, "10")).get_json()
    bodies = [
        m.get_body(("plain",)).get_content()
        for m in outbox_messages(world.runtime)
        if "asks for 10.00 EUR" in m["Subject"]
    ]
    assert bodies
    link = re.search(r"https?://[^/\s]+(/mdf/\S*)", bodies[0]).group(1)
    assert link.endswith(f"#request-{made['id']}")
    desk = vendor_client(world).get(link.split("#")[0])
    assert desk.status_code == 200 and f'id="request-{made["id"]}"' in desk.get_data(as_text=True)


def _days() -> tuple[str, str]:
    return (NOW + timedelta(days=1)).date().isoformat(), (
        NOW + timedelta(days=9)
    ).date().isoformat()


# PostgreSQL: NUL characters, and two people (or two clicks) at the same moment


class TestOnPostgres(OnPostgres):
    """The security world on PostgreSQL, which refuses NUL in text (SQLite stores it)."""

    def test_a_nul_in_any_text_is_a_422_naming_the_field(self, world):
        world.app.config["WTF_CSRF_ENABLED"] = False
        a = partner_client(world, PARTNER_A)
        for change, field in [
            ({"expected_outcome": "a\x00b"}, "expected_outcome"),
            ({"kit": "secure-cloud-q3\x00"}, "kit"),
        ]:
            answer = a.post("/api/v1/me/mdf/requests", json=ask(world, "10", **change))
            assert answer.status_code == 422, field
            assert answer.get_json()["detail"].startswith(field)
            page = a.post("/portal/mdf/requests", data=ask(world, "10", **change))
            assert page.status_code == 422, field
        marketer = vendor_client(world)
        for path, body in [
            (f"/api/v1/mdf/requests/{world.mdf_request}/changes", {"reason": "x\x00"}),
            (f"/api/v1/mdf/claims/{world.mdf_claim}/reject", {"reason": "x\x00"}),
        ]:
            answer = marketer.post(path, json=body)
            assert answer.status_code == 422 and answer.get_json()["detail"].startswith("reason")
        given = marketer.post("/api/v1/mdf/allocations", json={"partner": "p\x00", "amount": "1"})
        assert given.status_code == 404
        when = quarter(world)
        for row in (f"partner-0\x002,10,EUR,{when},", f"partner-02,10,EUR,{when},a\x00b"):
            csv = f"partner,amount,currency,period,note\n{row}\n".encode()
            data = {"csv": (io.BytesIO(csv), "nul.csv")}
            answer = marketer.post(
                "/mdf/allocations", data=data, content_type="multipart/form-data"
            )
            assert answer.status_code == 422, row
        assert (
            marketer.post(
                f"/api/v1/mdf/claims/{world.mdf_claim}/reject", json={"reason": "no invoice"}
            ).status_code
            == 200
        )
        request_id = a.get("/api/v1/me/mdf").get_json()["claims"][0]["request_id"]
        claim = {"request_id": request_id, "amount": "10", "note": "n\x00"}
        answer = a.post("/api/v1/me/mdf/claims", json=claim)
        assert answer.status_code == 422 and answer.get_json()["detail"].startswith("note")


@pytest.fixture
def pg(pg_url: str, make_cli, tmp_path) -> Iterator[Runtime]:
    cli = make_cli(pg_url)
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1)])))
    cli("mdf", "allocate", "partner-01", "5000", "--currency", "EUR")
    runtime = bootstrap.build_runtime(load_settings(cli.config))
    yield runtime
    runtime.close()


def race(runtime: Runtime, *acts: Callable[[Session, threading.Barrier], None]) -> list[str]:
    """Each act in its own thread and transaction; the barrier is where each has read what
    it is about to change, so neither can see the other's decision before making its own."""
    barrier = threading.Barrier(len(acts))
    outcomes: list[str] = []

    def run(act: Callable[[Session, threading.Barrier], None]) -> None:
        with runtime.sessions() as session, session.begin():
            try:
                act(session, barrier)
                outcomes.append("done")
            except InvalidTransition:
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(act,)) for act in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _request(runtime: Runtime, amount: str, *, approved: bool) -> int:
    plan = requests.Ask(amount, "EUR", "event", *_days(), "a stand")
    with runtime.sessions.begin() as session:
        partner = session.scalar(select(Partner))
        made = requests.create_request(session, partner, plan, actor="p", now=NOW, sla_hours=48)
        if approved:
            requests.approve(session, made, actor="m", now=NOW)
        return made.id


def _entries(runtime: Runtime) -> list[tuple[str, str, int | None, int | None]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(MdfEntry).order_by(MdfEntry.id))
        return [(e.kind, str(e.amount), e.request_id, e.claim_id) for e in rows]


def test_two_clicks_on_approve_commit_the_funds_once(pg):
    request_id = _request(pg, "100", approved=False)

    def approve(session: Session, barrier: threading.Barrier) -> None:
        found = requests.get_request(session, request_id)
        assert found.status == "pending"
        barrier.wait()
        requests.approve(session, found, actor="m", now=NOW)

    assert race(pg, approve, approve) == ["done", "refused"]
    assert [e for e in _entries(pg) if e[0] == "commitment"] == [
        ("commitment", "100.00", request_id, None)
    ]


def test_approve_and_ask_for_changes_at_once_leave_one_decision(pg):
    """Both saw "pending": the funds were committed and the request went back to the
    partner, who could resend it and have it approved (committed) a second time."""
    request_id = _request(pg, "100", approved=False)

    def approve(session: Session, barrier: threading.Barrier) -> None:
        found = requests.get_request(session, request_id)
        barrier.wait()
        requests.approve(session, found, actor="m", now=NOW)

    def changes(session: Session, barrier: threading.Barrier) -> None:
        found = requests.get_request(session, request_id)
        barrier.wait()
        requests.ask_changes(session, found, "smaller", actor="n", now=NOW)

    assert race(pg, approve, changes) == ["done", "refused"]
    with pg.sessions() as session:
        status = session.get(MdfRequest, request_id).status
    committed = [e for e in _entries(pg) if e[0] == "commitment"]
    assert (status, len(committed)) in {("approved", 1), ("changes_requested", 0)}


def test_two_claims_sent_at_once_file_one(pg):
    request_id = _request(pg, "100", approved=True)

    def claim(session: Session, barrier: threading.Barrier) -> None:
        found = requests.get_request(session, request_id)
        barrier.wait()
        claims.submit_claim(session, found, "100", note="", files=[], actor="p", now=NOW)

    assert race(pg, claim, claim) == ["done", "refused"]
    with pg.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MdfClaim)) == 1


def test_two_clicks_on_pay_pay_once(pg):
    """With another claim accepted and unpaid, the second payment of the same claim took
    its money from that claim's bucket: 100 approved, 200 paid."""
    ids = []
    for _ in range(2):
        request_id = _request(pg, "100", approved=True)
        with pg.sessions.begin() as session:
            found = requests.get_request(session, request_id)
            made = claims.submit_claim(session, found, "100", note="", files=[], actor="p", now=NOW)
            claims.accept_claim(session, made, None, actor="m", now=NOW)
            ids.append(made.id)

    def pay(session: Session, barrier: threading.Barrier) -> None:
        found = claims.get_claim(session, ids[0])
        barrier.wait()
        claims.pay_claim(session, found, actor="m", now=NOW)

    assert race(pg, pay, pay) == ["done", "refused"]
    assert [e for e in _entries(pg) if e[0] == "payment"] == [
        ("payment", "100.00", _request_of(pg, ids[0]), ids[0])
    ]


def _request_of(runtime: Runtime, claim_id: int) -> int:
    with runtime.sessions() as session:
        return session.get(MdfClaim, claim_id).request_id
