"""Issue 30, reasons never a barrier: a partner switches a campaign off and is offered an
optional reason afterwards; given through the portal or the API, the vendor's feedback
(page, API) shows it with the opt-out against the programme's baseline."""

from __future__ import annotations

from tests.security.conftest import PARTNER_A, PARTNER_B, page_csrf, partner_client, vendor_client


def test_an_opt_out_with_a_reason_reaches_the_vendor(world):
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/")
    switched = a.post(
        "/portal/consent",
        data={"mode": "off", "campaign_id": world.campaign, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    text = switched.get_data(as_text=True)
    assert switched.status_code == 200
    assert f'id="reasons-{world.campaign}"' in text and 'hx-swap-oob="true"' in text
    assert 'value="too_frequent"' in text  # the reasons come after, the switch is done
    given = a.post(
        "/portal/feedback/reason",
        data={
            "kind": "opt_out",
            "campaign_id": world.campaign,
            "reason": "other",
            "comment": "We <b>only</b> sell to hospitals",
            "csrf_token": token,
        },
        headers={"HX-Request": "true"},
    )
    assert "Thank you" in given.get_data(as_text=True)
    marketer = vendor_client(world, "marketer@vendor.example")
    feedback = marketer.get(f"/api/v1/campaigns/{world.campaign}/feedback").get_json()
    assert (feedback["opted_out"], feedback["targeted"], feedback["opt_out_rate"]) == (1, 2, 0.5)
    assert feedback["reasons"] == {"other": 1}
    assert feedback["comments"][0]["comment"] == "We <b>only</b> sell to hospitals"
    page = marketer.get(f"/campaigns/{world.campaign}").get_data(as_text=True)
    assert 'id="opted-out">1<' in page
    assert "We &lt;b&gt;only&lt;/b&gt; sell to hospitals" in page


def test_the_api_takes_a_reason_with_switching_off_only(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    b = partner_client(world, PARTNER_B)
    body = {"mode": "off", "campaign_id": world.campaign, "reason": "too_frequent"}
    assert b.put("/api/v1/me/consent", json=body).get_json()["reason"] == "too_frequent"
    assert b.put("/api/v1/me/consent", json={**body, "mode": "auto"}).status_code == 422
    bad = b.put("/api/v1/me/consent", json={**body, "reason": "because"})
    assert bad.status_code == 422
    marketer = vendor_client(world, "marketer@vendor.example")
    feedback = marketer.get(f"/api/v1/campaigns/{world.campaign}/feedback").get_json()
    assert feedback["reasons"] == {"too_frequent": 1}
