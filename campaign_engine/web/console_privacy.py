"""A partner leaving the programme, from its console page (services/stewardship/offboard.py).

Who may use what (docs/security.md; tests/security/test_matrix.py holds it):
  POST /partners/<slug>/offboard                   a vendor admin (password session, CSRF
                                                   token), with the partner's slug typed
                                                   again (else nothing changes): exports,
                                                   then erases its customers; not undone,
                                                   so not marketers
  GET /partners/<slug>/offboarded/<name>           a vendor admin: one of that partner's
                                                   export zips, kept offboard_days
Routes on the console blueprint (vendor users only; these check for an admin too).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.stewardship.archives import archive_file, archive_path
from campaign_engine.services.stewardship.offboard import offboard, offboarded_at
from campaign_engine.web.console import bp
from campaign_engine.web.session import db, runtime


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.post("/partners/<slug>/offboard")
def partner_offboard(slug: str) -> Response:
    """Typing the slug again is the confirmation: the erasure is not undone."""
    _admin_only()
    partner = get_partner(db(), slug)
    left = offboarded_at(db(), partner)
    if left is not None:
        flash(f"{partner.slug} left the programme on {left:%Y-%m-%d %H:%M} UTC already.", "error")
        return redirect(url_for("console.partner_page", slug=slug))
    if request.form.get("confirm", "").strip() != partner.slug:
        flash(f"Nothing changed: type {partner.slug} in the confirm field to offboard it.", "error")
        return redirect(url_for("console.partner_page", slug=slug))  # the flash is at the top
    rt = runtime()
    archive = archive_path(rt.settings.storage_dir, partner.slug, rt.clock())
    db().close()  # offboard runs its own transactions; SQLite's log is emptied after them
    done = offboard(rt, slug, archive, actor=current_user.email)
    flash(
        f"{slug} has left: its data is in {archive.name} (below, kept "
        f"{rt.settings.retention.offboard_days} days); {done.contacts} contacts and "
        f"{done.leads} leads' details erased, {done.deliveries} email deliveries "
        f"pseudonymised, {done.files} outbox emails deleted; switched off everywhere.",
        "ok",
    )
    return redirect(url_for("console.partner_page", slug=slug))  # the flash is at the top


@bp.get("/partners/<slug>/offboarded/<name>")
def partner_offboarded(slug: str, name: str) -> Response:
    _admin_only()
    partner = get_partner(db(), slug)
    path = archive_file(runtime().settings.storage_dir, partner.slug, name)
    if path is None:
        abort(404)
    response = send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
