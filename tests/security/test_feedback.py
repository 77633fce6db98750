"""Issue 30, reasons never a barrier: a partner switches a campaign off and is offered an
optional reason afterwards; given through the portal or the API, the vendor's feedback
(page, API) shows it with the opt-out against the programme's baseline."""

from __future__ import annotations

import json

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


def _feedback(world, path: str = "") -> dict:
    marketer = vendor_client(world, "marketer@vendor.example")
    return marketer.get(path or f"/api/v1/campaigns/{world.campaign}/feedback").get_json()


def test_the_notice_page_asks_why_after_the_opt_out_with_its_own_token(world):
    """No session on a notice link: the opt-out is done first, then the same signed token
    takes one reason for that partner and campaign; a second replaces the first."""
    stranger = world.app.test_client()
    token = world.notice["A"]
    done = stranger.post(f"/portal/opt-out/{token}").get_data(as_text=True)
    assert "will not go out for Partner 01 Systems" in done  # done before anything is asked
    assert f'action="/portal/feedback/notice/{token}"' in done
    assert 'value="not_relevant"' in done and "csrf_token" not in done
    assert _feedback(world)["opted_out"] == 1
    answer = stranger.post(
        f"/portal/feedback/notice/{token}",
        data={"reason": "too_frequent"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and "Thank you" in answer.get_data(as_text=True)
    again = stranger.post(
        f"/portal/feedback/notice/{token}", data={"reason": "other", "comment": "Wrong season"}
    )
    assert again.status_code == 200 and "Thank you" in again.get_data(as_text=True)
    feedback = _feedback(world)
    assert feedback["reasons"] == {"other": 1}  # replaced, not added: a link cannot inflate
    assert feedback["reasons_by_kind"] == {"opt_out": {"other": 1}}
    assert feedback["comments"][0]["partner"] == "partner-01"
    assert feedback["comments"][0]["comment"] == "Wrong season"
    # partner B's link says nothing for B until B has opted out, and never for A
    early = stranger.post(f"/portal/feedback/notice/{world.notice['B']}", data={"reason": "timing"})
    assert early.status_code == 409
    assert (
        stranger.post(
            "/portal/feedback/notice/WzEsMV0.forged.sig", data={"reason": "timing"}
        ).status_code
        == 404
    )
    bad = stranger.post(f"/portal/feedback/notice/{token}", data={"reason": "because"})
    assert bad.status_code == 422
    assert _feedback(world)["reasons"] == {"other": 1}
    assert stranger.get("/api/v1/me").status_code == 401  # the link signed nobody in


def _held_asset(world) -> str:
    from campaign_engine.db import Delivery

    with world.runtime.sessions() as session:
        return session.get(Delivery, world.held).asset


def test_a_skip_is_done_first_then_asks_why_naming_the_item(world):
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/review")
    skipped = a.post(f"/portal/review/{world.held}", data={"action": "skip", "csrf_token": token})
    assert skipped.status_code == 302 and f"skipped={world.held}" in skipped.headers["Location"]
    asset = _held_asset(world)
    page = a.get(skipped.headers["Location"]).get_data(as_text=True)
    assert 'id="skipped"' in page and 'name="kind" value="skip"' in page
    assert f'name="asset" value="{asset}"' in page and 'name="channel" value="social"' in page
    assert _feedback(world)["skipped"] == 1  # before any reason
    reason = {
        "kind": "skip",
        "campaign_id": world.campaign,
        "channel": "social",
        "asset": asset,
        "reason": "quality",
        "csrf_token": token,
    }
    assert a.post("/portal/feedback/reason", data=reason).status_code == 302
    # an asset the partner never had, or partner B naming A's item: refused, nothing added
    assert a.post("/portal/feedback/reason", data={**reason, "asset": "made-up"}).status_code == 404
    b = partner_client(world, PARTNER_B)
    b_token = page_csrf(b, "/portal/review")
    assert (
        b.post("/portal/feedback/reason", data={**reason, "csrf_token": b_token}).status_code == 404
    )
    feedback = _feedback(world)
    assert feedback["reasons_by_kind"] == {"skip": {"quality": 1}}
    assert feedback["reasons_by_channel"] == {"social": {"quality": 1}}
    assert feedback["review_items"] == 1 and feedback["skip_rate"] == 1.0
    social = next(r for r in feedback["segments"]["channel"] if r["name"] == "social")
    assert (social["skipped"], social["reasons"]) == (1, {"quality": 1})
    gold = next(r for r in feedback["segments"]["tier"] if r["name"] == "gold")
    assert (gold["skipped"], gold["review_items"]) == (1, 1)
    # someone else's delivery id in ?skipped= asks nothing
    assert 'id="skipped"' not in b.get(f"/portal/review?skipped={world.held}").get_data(
        as_text=True
    )


def test_pausing_a_channel_asks_why_too(world):
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/")
    paused = a.post(
        "/portal/consent",
        data={"mode": "off", "channel": "social", "csrf_token": token},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert 'id="reasons-programme"' in paused and 'name="kind" value="pause"' in paused
    # the question names the switch it is about (it sits below every switch on a phone)
    assert "Social for every campaign is off. If you like" in paused
    assert 'name="channel" value="social"' in paused


def test_the_api_takes_a_comment_with_the_reason(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    b = partner_client(world, PARTNER_B)
    body = {
        "mode": "off",
        "campaign_id": world.campaign,
        "reason": "other",
        "comment": "Our customers are hospitals",
    }
    assert b.put("/api/v1/me/consent", json=body).status_code == 200
    assert b.put("/api/v1/me/consent", json={**body, "comment": "x" * 1001}).status_code == 422
    feedback = _feedback(world)
    assert feedback["comments"][0]["comment"] == "Our customers are hospitals"
    silver = next(r for r in feedback["segments"]["tier"] if r["name"] == "silver")
    assert (silver["opted_out"], silver["targeted"], silver["opt_out_rate"]) == (1, 1, 1.0)
    assert silver["reasons"] == {"other": 1}
    assert feedback["reasons_by_region"] == {"emea": {"other": 1}}


def test_an_edit_in_review_reaches_the_vendor_as_a_change_of_the_kits_words(world, make_cli):
    """Partner A rewrites part of a post before approving it: the vendor's campaign and
    kit feedback (API, console, command line) show the kit's words, the partner's, and
    how many partners made that change; the kit's own text is kept beside the edit."""
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/review")
    asset = _held_asset(world)
    key = f"post:{asset}:linkedin"
    page = a.get("/portal/review").get_data(as_text=True)
    kit_words = "every copy is immutable and off site."
    assert kit_words in page  # what the partner starts from
    text = (
        "Ransomware goes after your backups first. With Secure Cloud Backup from Partner 01 "
        "Systems, every copy is immutable and kept in Frankfurt."
    )
    approved = a.post(
        f"/portal/review/{world.held}",
        data={"action": "approve", f"edit_{key}": text, "csrf_token": token},
    )
    assert approved.status_code == 302
    expected = {"field": key, "before": "off site.", "after": "kept in Frankfurt.", "partners": 1}
    feedback = _feedback(world)
    assert feedback["common_edits"] == [expected]
    assert feedback["edited_by"] == 1
    edit = feedback["recent_edits"][0]
    assert edit["original"].endswith(kit_words) and edit["edited"] == text
    assert "-off" in edit["diff"] and "+Frankfurt." in edit["diff"]
    kit = _feedback(world, "/api/v1/kits/secure-cloud-q3/feedback")
    assert kit["scope"] == "kit" and kit["kit"]["slug"] == "secure-cloud-q3"
    assert [c["id"] for c in kit["campaigns"]] == [world.campaign]
    assert kit["common_edits"] == [expected]
    marketer = vendor_client(world, "marketer@vendor.example")
    assert "/kits/secure-cloud-q3/feedback" in marketer.get("/kits").get_data(as_text=True)
    console = marketer.get("/kits/secure-cloud-q3/feedback").get_data(as_text=True)
    assert "<del>off site.</del>" in console and "<ins>kept in Frankfurt.</ins>" in console
    assert marketer.get("/kits/no-such-kit/feedback").status_code == 404
    assert marketer.get("/api/v1/kits/no-such-kit/feedback").status_code == 404
    cli = make_cli(world.runtime.settings.database_url)
    out = cli("kits", "feedback", "secure-cloud-q3").output
    assert "'off site.' -> 'kept in Frankfurt.', 1 partner(s)" in out
    assert json.loads(cli("kits", "feedback", "secure-cloud-q3", "--json").output) == kit
    as_json = json.loads(cli("campaigns", "feedback", str(world.campaign), "--json").output)
    assert as_json == feedback
