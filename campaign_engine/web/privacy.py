"""Erasing a person and taking data away, from the web (services/stewardship).

Who may use what (docs/security.md; tests/security/test_matrix.py holds it):
  DELETE /api/v1/contacts/<email>       a vendor admin (session with CSRF header, or an
                                        admin's bearer token): every partner's data, or
                                        ?partner=<slug>'s alone
  DELETE /api/v1/me/contacts/<email>    a partner's users (session or their API token):
                                        their own partner's data only
  GET /api/v1/me/export                 the same users: their partner's contacts, leads
                                        and results as a zip
  POST /portal/privacy/erase            the portal's form (leads page), CSRF token
  GET /portal/privacy/export.zip        the portal's download link
The address is in the path, never echoed back: the answer gives counts only.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.errors import InvalidInput
from campaign_engine.services.stewardship.erasure import Erased
from campaign_engine.services.stewardship.export import partner_export
from campaign_engine.services.stewardship.request import erase
from campaign_engine.web.api_support import guard_writes, replied_through_model, reply
from campaign_engine.web.openapi_ops import ZIP, operation
from campaign_engine.web.partner_pages import current_partner, partner_required
from campaign_engine.web.privacy_schemas import EmailPath, Erasure, ErasureQuery
from campaign_engine.web.session import db, runtime

api_bp = Blueprint("privacy_api", __name__)
api_bp.before_request(guard_writes)
api_bp.after_request(replied_through_model)
portal_bp = Blueprint("portal_privacy", __name__)


def _answer(done: Erased) -> Response:
    return reply(Erasure, {"erased": done.counts(), "nothing_left": done.nothing_left})


def _erase(email: str, **scope: Any) -> Erased:
    """The erasure runs its own transactions: the request's session (read until now)
    is closed first so SQLite's log can be emptied behind it."""
    db().close()
    return erase(runtime(), email, actor=current_user.email, **scope)


@api_bp.delete("/contacts/<email>")
@operation(
    "Erase a person from every partner's data, or ?partner's (admins only)",
    path=EmailPath,
    query=ErasureQuery,
    replies={200: Erasure},
    problems=(404, 422),
)
def contact_erase(email: str) -> Response:
    """Admins only: erasing someone is not undone, so marketers cannot."""
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role != "admin":
        abort(403)
    return _answer(_erase(email, partner_slug=request.args.get("partner") or None))


@api_bp.delete("/me/contacts/<email>")
@operation(
    "Erase a person from your contacts, deliveries, opens and leads",
    path=EmailPath,
    replies={200: Erasure},
    problems=(422,),
)
@partner_required
def me_contact_erase(email: str) -> Response:
    return _answer(_erase(email, partner_id=current_partner().id))


def _export() -> Response:
    partner = current_partner()
    data = partner_export(db(), partner, now=runtime().clock())
    response = send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{partner.slug}-data.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/me/export")
@operation(
    "Your contacts, leads and results per campaign, as a zip",
    replies={200: ZIP},
    notes={200: "contacts.csv, leads.csv, results.csv, manifest.json"},
)
@partner_required
def me_export() -> Response:
    return _export()


@portal_bp.get("/export.zip")
@partner_required
def export_zip() -> Response:
    return _export()


@portal_bp.post("/erase")
@partner_required
def erase_form() -> Response:
    """The leads page's form: one address of the partner's customers, forgotten."""
    partner_id = current_partner().id
    try:
        done = _erase(request.form.get("email", ""), partner_id=partner_id)
    except InvalidInput:
        flash(
            gettext("Nothing erased: enter an email address such as name@company.example."), "error"
        )
    else:
        if done.nothing_left:
            flash(gettext("Nothing was left to erase for this address; it stays blocked."), "ok")
        else:
            flash(
                gettext(
                    "Erased: the address is gone from your contacts, leads and sent emails, "
                    "and will not be imported or mailed again. Your figures are unchanged."
                ),
                "ok",
            )
    return redirect(url_for("portal_leads.page") + "#your-data")
