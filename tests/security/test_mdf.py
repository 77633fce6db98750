"""Issue 29 through the web: a partner sees and spends only its own funds, a request above
the balance is a 422 naming it, a marketer approves but only an admin allocates above the
limit, and claim files are checked by what their bytes are."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image

from tests.security.conftest import (
    ADMIN,
    PARTNER_A,
    PARTNER_B,
    page_csrf,
    partner_client,
    vendor_client,
)


def dates(world, start: int = 2, end: int = 12) -> dict[str, str]:
    today = world.runtime.clock().date()
    return {
        "starts_on": (today + timedelta(days=start)).isoformat(),
        "ends_on": (today + timedelta(days=end)).isoformat(),
    }


def ask(world, amount: str, **extra: str) -> dict[str, str]:
    body = {"activity": "email", "amount": amount, "currency": "EUR", "kit": "secure-cloud-q3"}
    body.update(expected_outcome="30 meetings", **dates(world))
    body.update(extra)
    return body


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#0b3d91").save(out, format="PNG")
    return out.getvalue()


def test_a_partner_spends_only_its_own_funds(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    a, b = partner_client(world, PARTNER_A), partner_client(world, PARTNER_B)
    mine = a.get("/api/v1/me/mdf").get_json()
    # 5,000 given; 100 approved (committed); another 100 asked and waiting
    assert (mine["balance"]["available"], mine["balance"]["requested"]) == ("4900.00", "100.00")
    assert mine["balance"]["committed"] == "100.00"
    assert b.get("/api/v1/me/mdf").get_json()["balance"]["available"] == "0.00"
    assert b.get("/api/v1/me/mdf").get_json()["requests"] == []
    # B cannot touch A's request, by path or by body
    assert b.post(f"/api/v1/me/mdf/requests/{world.mdf_request}/cancel").status_code == 404
    claim = {"request_id": world.mdf_request, "amount": "10"}
    assert b.post("/api/v1/me/mdf/claims", json=claim).status_code == 404
    refused = a.post("/api/v1/me/mdf/requests", json=ask(world, "4800.01"))
    assert refused.status_code == 422
    detail = refused.get_json()["detail"]
    assert "available balance of 4900.00 EUR" in detail and "up to 4800.00 EUR" in detail
    made = a.post("/api/v1/me/mdf/requests", json=ask(world, "4800"))
    assert made.status_code == 201 and made.get_json()["status"] == "pending"
    assert made.get_json()["campaign_id"]  # the kit's assets are ready at once
    dashboard = a.get("/api/v1/me/dashboard").get_json()
    assert set(dashboard) == {"campaigns", "mdf", "open_deals", "next_action"}
    assert dashboard["mdf"]["requested"] == "4900.00"
    assert made.get_json()["campaign_id"] in {c["id"] for c in dashboard["campaigns"]}


def test_only_an_admin_allocates_above_the_limit(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    marketer = vendor_client(world, "marketer@vendor.example")
    above = {"partner": "partner-02", "amount": "10000.01", "currency": "EUR"}
    refused = marketer.post("/api/v1/mdf/allocations", json=above)
    assert refused.status_code == 422 and "ask an admin" in refused.get_json()["detail"]
    assert (
        marketer.post("/api/v1/mdf/allocations", json={**above, "amount": "10000"}).status_code
        == 201
    )
    given = vendor_client(world, ADMIN).post("/api/v1/mdf/allocations", json=above)
    assert given.status_code == 201 and given.get_json()["available"] == "20000.01"
    report = marketer.get("/api/v1/mdf/report").get_json()
    assert {r["partner"] for r in report["partners"]} == {"partner-01", "partner-02"}


def test_claim_files_are_checked_by_their_bytes(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    a = partner_client(world, PARTNER_A)
    marketer = vendor_client(world, "marketer@vendor.example")
    # the world's claim waits: reject it, so the approved request can be claimed again
    assert (
        marketer.post(
            f"/api/v1/mdf/claims/{world.mdf_claim}/reject", json={"reason": "no invoice"}
        ).status_code
        == 200
    )
    request_id = a.get("/api/v1/me/mdf").get_json()["claims"][0]["request_id"]
    fake = {
        "filename": "invoice.pdf",
        "content_base64": base64.b64encode(b"MZ\x90 not a pdf").decode(),
    }
    answer = a.post(
        "/api/v1/me/mdf/claims", json={"request_id": request_id, "amount": "100", "files": [fake]}
    )
    assert answer.status_code == 422 and "invoice.pdf" in answer.get_json()["detail"]
    real = {"filename": "../../stand.png", "content_base64": base64.b64encode(png()).decode()}
    made = a.post(
        "/api/v1/me/mdf/claims", json={"request_id": request_id, "amount": "60", "files": [real]}
    )
    assert made.status_code == 201
    claim_id = made.get_json()["id"]
    accepted = marketer.post(f"/api/v1/mdf/claims/{claim_id}/accept", json={"amount": "50"})
    assert accepted.get_json()["approved_amount"] == "50.00"
    assert marketer.post(f"/api/v1/mdf/claims/{claim_id}/pay", json={}).status_code == 200
    assert marketer.post(f"/api/v1/mdf/claims/{claim_id}/pay", json={}).status_code == 409
    balance = a.get("/api/v1/me/mdf").get_json()["balance"]
    # 5,000 - 100 committed (the pending request asks 100 more) + 50 released
    assert (balance["available"], balance["committed"], balance["paid"]) == (
        "4950.00",
        "0.00",
        "50.00",
    )


def test_the_portal_form_names_the_field_and_keeps_what_was_typed(world):
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/mdf/")
    page = a.get("/portal/mdf/").get_data(as_text=True)
    assert "€4,900" in page or "4,900" in page
    bad = {**ask(world, "12.345"), "expected_outcome": "Meetings <b>bold</b>", "csrf_token": token}
    answer = a.post("/portal/mdf/requests", data=bad)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'aria-invalid="true" aria-describedby="amount-error"' in text
    assert "at most two decimals" in text
    assert "Meetings &lt;b&gt;bold&lt;/b&gt;" in text  # kept, and escaped
    good = {**bad, "amount": "250"}
    assert a.post("/portal/mdf/requests", data=good).status_code == 302
    assert "250" in a.get("/portal/mdf/").get_data(as_text=True)
    home = a.get("/portal/").get_data(as_text=True)
    assert 'id="mdf-available"' in home
