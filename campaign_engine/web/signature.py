"""The email-signature banner a partner pastes once (services/workspace/signature.py):

<a href="<base_url>/s/<token>"><img src="<base_url>/s/<token>.png" ...></a>

Who may use it: anyone holding the token (it is in every email the partner's staff
send). What it grants: the partner's current banner image, and a redirect to its
current campaign's tracked link. Nothing else, and no sign-in.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, redirect, request

from campaign_engine.errors import NotFound
from campaign_engine.services.workspace.signature import current_banner
from campaign_engine.services.workspace.snippet import SignatureTokens
from campaign_engine.web.session import db, runtime

bp = Blueprint("signature", __name__)


def _banner(token: str):
    partner_id = SignatureTokens(runtime().settings.signing_keys).read(token)
    try:
        return current_banner(runtime(), db(), partner_id)
    except LookupError:
        raise NotFound(SignatureTokens.invalid) from None


@bp.get("/s/<token>.png")
def image(token: str) -> Response:
    """Mail clients fetch it on every open: an ETag on the bytes, so a revalidation costs
    no image, and a minute's freshness, so a new campaign shows within a minute."""
    png = _banner(token).png
    etag = hashlib.sha256(png).hexdigest()[:32]
    response = (
        Response(status=304)
        if etag in request.if_none_match
        else Response(png, mimetype="image/png")
    )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    return response


@bp.get("/s/<token>")
def click(token: str) -> Response:
    """To the campaign's tracked link (which counts the click, utm_medium=signature), or
    the partner's or vendor's site when no campaign is shown."""
    link = _banner(token).link
    if not link:
        raise NotFound("this signature has no link yet")
    return redirect(link, code=302)
