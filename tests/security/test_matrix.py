"""The authorization matrix, generated from the app's own url_map: every route and method
times every role (anonymous, partner A, partner B, marketer, admin, a bearer token, a
revoked token, partner A's member's API token), each with the answer it must get. A route
without an entry in ROUTES fails the test, so nobody adds a route without saying who may
use it.

Policies (docs/security.md says what each grants):
  vendor        console pages: marketers and admins (password session)
  vendor-api    /api/v1 for vendor users: session (with CSRF header) or bearer token
  admin-api     the same, for vendor admins only (erasing a person everywhere)
  partner       portal pages: members of a partner, for their own partner only
  partner-api   /api/v1/me...: the same, as data
  capability    a signed or random token in the URL is the whole permission, for one
                partner and one purpose; the caller's own session neither adds nor removes
  public        anyone (sign-in forms, health, static files, the API description)
  signed        Standard Webhooks signature required (CRMs, an LMS); nobody else
  signout       anyone may end their own session (and lands on the sign-in page)
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_engine.db import Delivery, Lead, Partner, TrackedLink
from campaign_engine.services.access.confirmations import request_contact_change
from campaign_engine.services.attribution.leads.optin import ConfirmLinks
from campaign_engine.services.attribution.links import OpenTokens, UnsubscribeTokens
from campaign_engine.services.workspace.snippet import SignatureTokens
from campaign_engine.services.workspace.syndication import EmbedTokens
from tests.security.conftest import ADMIN, PARTNER_A, PARTNER_B, partner_client, vendor_client

ROLES = [
    "anonymous",
    "partner A",
    "partner B",
    "marketer",
    "admin",
    "bearer",
    "revoked",
    "partner token",
]

# (rule, method): (policy, path with {placeholders}, request options)
JSON = {"json": {}}
ROUTES: dict[tuple[str, str], tuple[str, str, dict]] = {
    ("/", "GET"): ("vendor", "/", {}),
    ("/partners", "GET"): ("vendor", "/partners", {}),
    ("/partners/<slug>", "GET"): ("vendor", "/partners/partner-01", {}),
    ("/partners/<slug>/milestones", "POST"): ("vendor", "/partners/partner-01/milestones", {}),
    # offboarding (web/console_privacy.py) is not undone: a vendor admin's alone; without
    # the slug typed again it changes nothing, so the matrix can call it
    ("/partners/<slug>/offboard", "POST"): ("admin-page", "/partners/partner-01/offboard", {}),
    ("/partners/<slug>/offboarded/<name>", "GET"): (
        "admin-page",
        "/partners/partner-01/offboarded/partner-01-data-20260101-000000.zip",
        {},
    ),
    ("/partners/import", "POST"): ("vendor", "/partners/import", {}),
    ("/partners/owner", "POST"): ("vendor", "/partners/owner", {}),
    ("/kits", "GET"): ("vendor", "/kits", {}),
    # The MDF desk (web/console_mdf.py); allocations above mdf.admin_limit need an admin
    ("/mdf/", "GET"): ("vendor", "/mdf/", {}),
    ("/mdf/requests/<int:request_id>/<any(approve, reject, changes):action>", "POST"): (
        "vendor",
        "/mdf/requests/{mdf_request}/changes",
        {"data": {"reason": "a smaller stand"}},
    ),
    ("/mdf/claims/<int:claim_id>/<any(accept, reject, pay):action>", "POST"): (
        "vendor",
        "/mdf/claims/{mdf_claim}/accept",
        {},
    ),
    ("/mdf/claims/<int:claim_id>/files/<int:file_id>", "GET"): (
        "vendor",
        "/mdf/claims/{mdf_claim}/files/1",
        {},
    ),
    ("/mdf/allocations", "POST"): ("vendor", "/mdf/allocations", {}),
    ("/mdf/report.csv", "GET"): ("vendor", "/mdf/report.csv", {}),
    ("/kits", "POST"): ("vendor", "/kits", {}),
    ("/campaigns", "POST"): ("vendor", "/campaigns", {}),
    ("/campaigns/<int:campaign_id>/edit", "POST"): ("vendor", "/campaigns/{campaign}/edit", {}),
    ("/campaigns/new", "GET"): ("vendor", "/campaigns/new", {}),
    ("/campaigns/audience-count", "GET"): ("vendor", "/campaigns/audience-count", {}),
    ("/campaigns/<int:campaign_id>", "GET"): ("vendor", "/campaigns/{campaign}", {}),
    (
        "/campaigns/<int:campaign_id>/<any(launch, pause, resume, cancel, retry):action>",
        "POST",
    ): ("vendor", "/campaigns/{campaign}/retry", {}),
    ("/campaigns/<int:campaign_id>/not-sent", "GET"): (
        "vendor",
        "/campaigns/{campaign}/not-sent?reason=opted_out",
        {},
    ),
    ("/campaigns/<int:campaign_id>/preview", "GET"): (
        "vendor",
        "/campaigns/{campaign}/preview",
        {},
    ),
    ("/campaigns/<int:campaign_id>/preview/email", "GET"): (
        "vendor",
        "/campaigns/{campaign}/preview/email?partner=partner-01",
        {},
    ),
    ("/campaigns/<int:campaign_id>/contact-sheet", "GET"): (
        "vendor",
        "/campaigns/{campaign}/contact-sheet?held=1",
        {},
    ),
    ("/campaigns/<int:campaign_id>/report.csv", "GET"): (
        "vendor",
        "/campaigns/{campaign}/report.csv",
        {},
    ),
    ("/programme", "GET"): ("vendor", "/programme", {}),
    ("/programme/report.csv", "GET"): ("vendor", "/programme/report.csv", {}),
    ("/runway", "GET"): ("vendor", "/runway", {}),
    ("/runway/report.csv", "GET"): ("vendor", "/runway/report.csv", {}),
    ("/api/v1/audience-count", "GET"): ("vendor-api", "/api/v1/audience-count", {}),
    ("/api/v1/campaigns", "GET"): ("vendor-api", "/api/v1/campaigns", {}),
    ("/api/v1/campaigns", "POST"): ("vendor-api", "/api/v1/campaigns", JSON),
    ("/api/v1/campaigns/<int:campaign_id>", "GET"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}",
        {},
    ),
    ("/api/v1/campaigns/<int:campaign_id>", "PATCH"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}",
        JSON,
    ),
    (
        "/api/v1/campaigns/<int:campaign_id>/<any(launch, pause, resume, cancel, retry):action>",
        "POST",
    ): ("vendor-api", "/api/v1/campaigns/{campaign}/retry", JSON),
    ("/api/v1/campaigns/<int:campaign_id>/report", "GET"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}/report",
        {},
    ),
    ("/api/v1/campaigns/<int:campaign_id>/not-sent", "GET"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}/not-sent",
        {},
    ),
    ("/api/v1/campaigns/<int:campaign_id>/status", "GET"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}/status",
        {},
    ),
    ("/api/v1/kits", "POST"): (
        "vendor-api",
        "/api/v1/kits",
        {"data": b"PK", "content_type": "application/zip"},
    ),
    ("/api/v1/owners", "PUT"): ("vendor-api", "/api/v1/owners", JSON),
    ("/api/v1/partners", "GET"): ("vendor-api", "/api/v1/partners", {}),
    ("/api/v1/partners", "POST"): (
        "vendor-api",
        "/api/v1/partners",
        {"data": b"slug\n", "content_type": "text/csv"},
    ),
    ("/api/v1/partners/<slug>", "GET"): ("vendor-api", "/api/v1/partners/partner-01", {}),
    ("/api/v1/partners/<slug>/milestones", "POST"): (
        "vendor-api",
        "/api/v1/partners/partner-01/milestones",
        JSON,
    ),
    ("/api/v1/programme/report", "GET"): ("vendor-api", "/api/v1/programme/report", {}),
    ("/api/v1/runway/report", "GET"): ("vendor-api", "/api/v1/runway/report", {}),
    ("/portal/", "GET"): ("public", "/portal/", {}),  # the sign-in form, or the partner's home
    ("/portal/consent", "POST"): ("partner", "/portal/consent", {"data": {"mode": "auto"}}),
    ("/portal/profile", "GET"): ("partner", "/portal/profile", {}),
    ("/portal/profile", "POST"): ("partner", "/portal/profile", {}),
    ("/portal/signature/pin", "POST"): ("partner", "/portal/signature/pin", {}),
    ("/portal/review", "GET"): ("partner", "/portal/review", {}),
    ("/portal/review/<int:delivery_id>", "POST"): ("partner", "/portal/review/{held}", {}),
    # The kit's choice of posts, for the partner's own campaign (another's answers 404).
    ("/portal/review/posts/<int:campaign_id>", "POST"): (
        "partner",
        "/portal/review/posts/{campaign}",
        {"data": {"posts": "launch"}},
    ),
    ("/portal/review/<int:delivery_id>/email", "GET"): (
        "partner",
        "/portal/review/{held}/email",
        {},
    ),
    ("/portal/review/<int:delivery_id>/preview", "POST"): (
        "partner",
        "/portal/review/{held}/preview",
        {},
    ),
    # The asset library: the partner's own campaigns only (another's answers 404).
    ("/portal/campaigns/<int:campaign_id>", "GET"): ("partner", "/portal/campaigns/{campaign}", {}),
    ("/portal/campaigns/<int:campaign_id>/email", "GET"): (
        "partner",
        "/portal/campaigns/{campaign}/email",
        {},
    ),
    ("/portal/campaigns/<int:campaign_id>/files/<asset>/<name>", "GET"): (
        "partner",
        "/portal/campaigns/{campaign}/files/talking-points/talking-points.md",
        {},
    ),
    ("/api/v1/me/campaigns/<int:campaign_id>/assets", "GET"): (
        "partner-api",
        "/api/v1/me/campaigns/{campaign}/assets",
        {},
    ),
    ("/api/v1/me/campaigns/<int:campaign_id>/assets/<asset>/<name>", "GET"): (
        "partner-api",
        "/api/v1/me/campaigns/{campaign}/assets/talking-points/talking-points.md",
        {},
    ),
    ("/portal/signature", "GET"): ("partner", "/portal/signature", {}),
    # The partner's co-funding (web/portal_mdf.py): its own requests only (another's: 404)
    ("/portal/mdf/", "GET"): ("partner", "/portal/mdf/", {}),
    ("/portal/mdf/requests", "POST"): ("partner", "/portal/mdf/requests", {}),
    ("/portal/mdf/requests/<int:request_id>/resubmit", "POST"): (
        "partner",
        "/portal/mdf/requests/{mdf_request}/resubmit",
        {},
    ),
    ("/portal/mdf/requests/<int:request_id>/cancel", "POST"): (
        "partner",
        "/portal/mdf/requests/{mdf_request}/cancel",
        {},
    ),
    ("/portal/mdf/claims", "POST"): ("partner", "/portal/mdf/claims", {}),
    ("/api/v1/me/signature", "GET"): ("partner-api", "/api/v1/me/signature", {}),
    ("/api/v1/me", "GET"): ("partner-api", "/api/v1/me", {}),
    ("/api/v1/me/campaigns", "GET"): ("partner-api", "/api/v1/me/campaigns", {}),
    ("/api/v1/me/consent", "PUT"): (
        "partner-api",
        "/api/v1/me/consent",
        {"json": {"mode": "auto"}},
    ),
    ("/api/v1/me/profile", "PATCH"): ("partner-api", "/api/v1/me/profile", JSON),
    ("/api/v1/me/results", "GET"): ("partner-api", "/api/v1/me/results", {}),
    # MDF and the dashboard (web/mdf_api.py): a partner's own funds; another's id is a 404
    ("/api/v1/me/mdf", "GET"): ("partner-api", "/api/v1/me/mdf", {}),
    ("/api/v1/me/dashboard", "GET"): ("partner-api", "/api/v1/me/dashboard", {}),
    # Feedback (web/feedback.py): a reason after switching off; the vendor reads them
    ("/portal/feedback/reason", "POST"): (
        "partner",
        "/portal/feedback/reason",
        {"data": {"kind": "pause", "reason": "timing"}},
    ),
    ("/api/v1/campaigns/<int:campaign_id>/feedback", "GET"): (
        "vendor-api",
        "/api/v1/campaigns/{campaign}/feedback",
        {},
    ),
    ("/api/v1/kits/<slug>/feedback", "GET"): (
        "vendor-api",
        "/api/v1/kits/secure-cloud-q3/feedback",
        {},
    ),
    ("/kits/<slug>/feedback", "GET"): ("vendor", "/kits/secure-cloud-q3/feedback", {}),
    # Asset ratings and replies (web/ratings.py): a partner rates its own campaigns' assets
    # (another audience's campaign is a 404); the vendor replies (an unknown id: 404)
    ("/portal/ratings", "POST"): ("partner", "/portal/ratings", {"data": {"useful": "yes"}}),
    ("/api/v1/me/campaigns/<int:campaign_id>/assets/<asset>/rating", "POST"): (
        "partner-api",
        "/api/v1/me/campaigns/{campaign}/assets/email/rating",
        {"json": {"useful": True}},
    ),
    ("/api/v1/me/feedback", "GET"): ("partner-api", "/api/v1/me/feedback", {}),
    ("/campaigns/<int:campaign_id>/feedback/<int:feedback_id>/reply", "POST"): (
        "vendor",
        "/campaigns/{campaign}/feedback/999/reply",
        {"data": {"reply": "Thank you"}},
    ),
    ("/api/v1/feedback/<int:feedback_id>/reply", "POST"): (
        "vendor-api",
        "/api/v1/feedback/999/reply",
        {"json": {"reply": "Thank you"}},
    ),
    # Leads (web/leads.py): a partner's own; another's id is a 404
    ("/api/v1/me/leads", "GET"): ("partner-api", "/api/v1/me/leads", {}),
    ("/api/v1/me/leads/<int:lead_id>", "PATCH"): (
        "partner-api",
        "/api/v1/me/leads/{lead}",
        {"json": {"state": "accepted"}},
    ),
    ("/portal/leads/", "GET"): ("partner", "/portal/leads/", {}),
    ("/portal/leads/<int:lead_id>", "POST"): (
        "partner",
        "/portal/leads/{lead}",
        {"data": {"state": "contacted"}},
    ),
    ("/api/v1/me/mdf/requests", "POST"): ("partner-api", "/api/v1/me/mdf/requests", JSON),
    ("/api/v1/me/mdf/requests/<int:request_id>/cancel", "POST"): (
        "partner-api",
        "/api/v1/me/mdf/requests/{mdf_request}/cancel",
        {},
    ),
    ("/api/v1/me/mdf/claims", "POST"): ("partner-api", "/api/v1/me/mdf/claims", JSON),
    # the vendor decides; allocations above mdf.admin_limit need an admin (test_mdf_api)
    ("/api/v1/mdf/requests", "GET"): ("vendor-api", "/api/v1/mdf/requests", {}),
    ("/api/v1/mdf/requests/<int:request_id>/<any(approve, reject, changes):action>", "POST"): (
        "vendor-api",
        "/api/v1/mdf/requests/{mdf_request}/changes",
        {"json": {"reason": "a smaller stand"}},
    ),
    ("/api/v1/mdf/claims", "GET"): ("vendor-api", "/api/v1/mdf/claims", {}),
    ("/api/v1/mdf/claims/<int:claim_id>/<any(accept, reject, pay):action>", "POST"): (
        "vendor-api",
        "/api/v1/mdf/claims/{mdf_claim}/accept",
        JSON,
    ),
    ("/api/v1/mdf/allocations", "POST"): (
        "vendor-api",
        "/api/v1/mdf/allocations",
        {"json": {"partner": "partner-01", "amount": "10"}},
    ),
    ("/api/v1/mdf/report", "GET"): ("vendor-api", "/api/v1/mdf/report", {}),
    ("/api/v1/me/review", "GET"): ("partner-api", "/api/v1/me/review", {}),
    ("/api/v1/me/review/<int:delivery_id>", "POST"): (
        "partner-api",
        "/api/v1/me/review/{held}",
        {"json": {"action": "approve"}},
    ),
    ("/portal/preview/<token>", "GET"): ("capability", "/portal/preview/{notice}", {}),
    ("/portal/preview/<token>/email", "GET"): ("capability", "/portal/preview/{notice}/email", {}),
    ("/portal/opt-out/<token>", "GET"): ("capability", "/portal/opt-out/{notice}", {}),
    ("/portal/opt-out/<token>", "POST"): ("capability", "/portal/opt-out/{notice}", {}),
    # why, after the notice link's opt-out: the same token, that partner and campaign only
    ("/portal/feedback/notice/<token>", "POST"): (
        "capability",
        "/portal/feedback/notice/{notice}",
        {"data": {"reason": "timing"}},
    ),
    ("/portal/confirm-email/<token>", "GET"): ("capability", "/portal/confirm-email/{confirm}", {}),
    ("/portal/confirm-email/<token>", "POST"): (
        "capability",
        "/portal/confirm-email/{confirm}",
        {},
    ),
    ("/portal/sign-in/<token>", "GET"): ("capability", "/portal/sign-in/not-a-token", {}),
    # A valid token would sign the caller in (tested in test_identity); here a used one.
    ("/portal/sign-in/<token>", "POST"): ("capability", "/portal/sign-in/not-a-token", {}),
    ("/u/<token>", "GET"): ("capability", "/u/{unsubscribe}", {}),
    ("/u/<token>", "POST"): ("capability", "/u/{unsubscribe}", {}),
    ("/o/<token>.gif", "GET"): ("capability", "/o/{open}.gif", {}),
    ("/r/<token>", "GET"): ("capability", "/r/{tracked}", {}),
    ("/embed/<token>", "GET"): ("capability", "/embed/{embed}", {}),
    ("/embed/<token>.js", "GET"): ("capability", "/embed/{embed}.js", {}),
    ("/s/<token>.png", "GET"): ("capability", "/s/{signature}.png", {}),
    ("/l/<token>", "GET"): ("capability", "/l/{tracked}", {}),
    ("/l/<token>", "POST"): ("capability", "/l/{tracked}", {"data": {"email": "bad"}}),
    # a lead's signed double opt-in link: confirms that one lead, nothing else
    ("/l/confirm/<signed>", "GET"): ("capability", "/l/confirm/{lead_confirm}", {}),
    ("/l/confirm/<signed>", "POST"): ("capability", "/l/confirm/{lead_confirm}", {}),
    ("/s/<token>", "GET"): ("capability", "/s/{signature}", {}),
    ("/login", "GET"): ("public", "/login", {}),
    ("/login", "POST"): ("public", "/login", {"data": {"email": "x@y.example"}}),
    ("/logout", "POST"): ("signout", "/logout", {}),
    ("/portal/sign-in", "POST"): ("public", "/portal/sign-in", {"data": {"email": "x@y.example"}}),
    ("/healthz", "GET"): ("public", "/healthz", {}),
    # readiness: names its checks ("smtp": "failing"), never a host, port or path
    ("/readyz", "GET"): ("public", "/readyz", {}),
    ("/favicon.ico", "GET"): ("public", "/favicon.ico", {}),
    ("/static/<path:filename>", "GET"): ("public", "/static/app.js", {}),
    ("/api/openapi.json", "GET"): ("public", "/api/openapi.json", {}),
    ("/api/v1/milestones", "POST"): ("signed", "/api/v1/milestones", JSON),
    # erasure (web/privacy.py): not undone, so a vendor admin's alone; a partner's users
    # erase and download their own partner's customers only
    ("/api/v1/contacts/<email>", "DELETE"): (
        "admin-api",
        "/api/v1/contacts/nobody@customer.example",
        {},
    ),
    ("/api/v1/me/contacts/<email>", "DELETE"): (
        "partner-api",
        "/api/v1/me/contacts/nobody@customer.example",
        {},
    ),
    ("/api/v1/me/export", "GET"): ("partner-api", "/api/v1/me/export", {}),
    ("/portal/privacy/export.zip", "GET"): ("partner", "/portal/privacy/export.zip", {}),
    ("/portal/privacy/erase", "POST"): (
        "partner",
        "/portal/privacy/erase",
        {"data": {"email": "nobody@customer.example"}},
    ),
}
# Answered by the WSGI layer in front of Flask (web/callbacks.py), so not in url_map.
OUTSIDE_FLASK = {("/api/v1/events", "POST"): ("signed", "/api/v1/events", JSON)}

ALLOWED = "allowed"  # reached the view: not 401/403, not sent to a sign-in page, no 500
EXPECTED: dict[str, dict[str, object]] = {
    "vendor": {
        "anonymous": "login",
        "partner A": 403,
        "partner B": 403,
        "marketer": ALLOWED,
        "admin": ALLOWED,
        "bearer": "login",  # bearer tokens are for the API, never for pages
        "revoked": "login",
        "partner token": "login",
    },
    "admin-page": {
        "anonymous": "login",
        "partner A": 403,
        "partner B": 403,
        "marketer": 403,
        "admin": ALLOWED,
        "bearer": "login",
        "revoked": "login",
        "partner token": "login",
    },
    "vendor-api": {
        "anonymous": 401,
        "partner A": 403,
        "partner B": 403,
        "marketer": ALLOWED,
        "admin": ALLOWED,
        "bearer": ALLOWED,
        "revoked": 401,
        "partner token": 403,
    },
    "admin-api": {
        "anonymous": 401,
        "partner A": 403,
        "partner B": 403,
        "marketer": 403,
        "admin": ALLOWED,
        "bearer": 403,  # the marketer's token
        "revoked": 401,
        "partner token": 403,
    },
    "partner": {
        "anonymous": "portal",
        "partner A": ALLOWED,
        "partner B": "own",  # its own data; partner A's items are a 404
        "marketer": 403,
        "admin": 403,
        "bearer": "portal",
        "revoked": "portal",
        "partner token": "portal",  # pages take the browser's session only
    },
    "partner-api": {
        "anonymous": 401,
        "partner A": ALLOWED,
        "partner B": "own",
        "marketer": 403,
        "admin": 403,
        "bearer": 403,
        "revoked": 401,
        "partner token": ALLOWED,  # partner A's own data, as data
    },
    "capability": dict.fromkeys(ROLES, ALLOWED),
    "public": dict.fromkeys(ROLES, ALLOWED),
    "signed": dict.fromkeys(ROLES, 401),
    # anyone may end their own session; partners land on the portal's sign-in page
    "signout": {**dict.fromkeys(ROLES, "login"), "partner A": "portal", "partner B": "portal"},
}


def _values(world) -> dict[str, object]:
    secret = world.runtime.settings.secret_key
    with world.runtime.sessions.begin() as session:
        a = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        email = session.scalar(
            select(Delivery.id).where(Delivery.partner_id == a.id, Delivery.channel == "email")
        )
        tracked = session.scalar(select(TrackedLink.token).where(TrackedLink.partner_id == a.id))
        confirm = request_contact_change(
            session, a, "new@partner01.example", now=world.runtime.clock(), actor="test"
        )
        return {
            "campaign": world.campaign,
            "held": world.held,
            "notice": world.notice["A"],
            "confirm": confirm,
            "unsubscribe": UnsubscribeTokens(secret).make(email),
            "open": OpenTokens(secret).make(email),
            "tracked": tracked,
            "embed": EmbedTokens(secret).make(a.id),
            "signature": SignatureTokens(secret).make(a.id),
            "mdf_request": world.mdf_request,
            "mdf_claim": world.mdf_claim,
            "lead": world.lead,
            "lead_confirm": _lead_confirm(world, session),
        }


def _lead_confirm(world, session) -> str:
    """Partner A's lead's confirmation link (already a lead: confirming it changes nothing)."""
    lead = session.get(Lead, world.lead)
    settings = world.runtime.settings
    return ConfirmLinks(settings.signing_keys, 1).make(lead.id, lead.external_id)


def _client(world, role: str):
    if role in ("marketer", "admin"):
        return vendor_client(world, ADMIN if role == "admin" else "marketer@vendor.example"), {}
    if role in ("partner A", "partner B"):
        return partner_client(world, PARTNER_A if role == "partner A" else PARTNER_B), {}
    token = {
        "bearer": world.bearer,
        "revoked": world.revoked,
        "partner token": world.partner_bearer,
    }.get(role)
    return world.app.test_client(), ({"Authorization": f"Bearer {token}"} if token else {})


def _verdict(answer, expected: object, path: str) -> str | None:
    status, location = answer.status_code, answer.headers.get("Location", "")
    if path == "/readyz" and status == 503:  # this world runs no loops: not ready, said so
        return None if set(answer.get_json()) == {"status", "checks", "failing"} else "503"
    if status >= 500:
        return f"{status}"
    if expected == ALLOWED:
        denied = status in (401, 403) or (status == 302 and location.startswith("/login"))
        return f"denied with {status} {location}" if denied else None
    if expected == "login":
        ok = status == 302 and location.startswith("/login")
        return None if ok else f"{status} {location}, not sent to /login"
    if expected == "portal":
        ok = status == 302 and location.startswith("/portal/")
        return None if ok else f"{status} {location}, not sent to the portal's sign-in"
    if expected == "own":
        theirs = ("{held}", "{mdf_request}", "{mdf_claim}", "{lead}")  # partner A's items
        mine = not any(item in path for item in theirs)
        if mine:
            return _verdict(answer, ALLOWED, path)
        return None if status == 404 else f"{status}: partner A's item reached by partner B"
    return None if status == expected else f"{status}, expected {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_the_authorization_matrix(world, role):
    world.app.config["WTF_CSRF_ENABLED"] = False  # forgery has its own tests
    rules = {
        (rule.rule, method)
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(rules - set(ROUTES))
    assert not missing, f"routes without an authorization entry: {missing}"
    assert not set(ROUTES) - rules, "entries for routes that no longer exist"
    values = _values(world)
    client, headers = _client(world, role)
    failures = []
    # Sign-out last: it ends the session the other calls need.
    ordered = sorted({**ROUTES, **OUTSIDE_FLASK}.items(), key=lambda kv: kv[0][0] == "/logout")
    for (_, method), (policy, path, options) in ordered:
        url = path.format(**values)
        answer = client.open(url, method=method, headers=headers, **options)
        problem = _verdict(answer, EXPECTED[policy][role], path)
        if problem:
            failures.append(f"{method} {url} ({policy}) as {role}: {problem}")
    assert not failures, "\n".join(failures)


FORGED = {
    "/portal/preview/{notice}": 404,
    "/portal/preview/{notice}/email": 404,
    "/portal/opt-out/{notice}": 404,
    "/u/{unsubscribe}": 404,
    "/embed/{embed}": 404,
    "/embed/{embed}.js": 404,
    "/s/{signature}.png": 404,
    "/s/{signature}": 404,
    "/l/{tracked}": 404,
    "/r/{tracked}": 404,
    "/l/confirm/{lead_confirm}": 400,
}


@pytest.mark.parametrize("role", ["anonymous", "partner B", "marketer"])
def test_capability_links_refuse_forged_tokens_and_sign_nobody_in(world, role):
    world.app.config["WTF_CSRF_ENABLED"] = False
    values = _values(world)
    client, headers = _client(world, role)
    for path, expected in FORGED.items():
        real = path.format(**values)
        forged = real.replace(real.rsplit("/", 1)[1].split(".")[0], "WzEsMV0.forged.sig")
        for method in ("GET", "POST") if "opt-out" in path or "/u/" in path else ("GET",):
            answer = client.open(forged, method=method, headers=headers)
            assert answer.status_code == expected, f"{method} {forged} as {role}"
    for path in ("/portal/confirm-email/forged", "/portal/sign-in/forged"):
        assert client.post(path, headers=headers).status_code == 422, path
    # A valid notice link, used by a stranger, leaves the stranger a stranger.
    stranger = world.app.test_client()
    stranger.get(f"/portal/preview/{values['notice']}")
    stranger.post(f"/portal/opt-out/{values['notice']}")
    assert stranger.get("/api/v1/me").status_code == 401
