"""GET /r/<token>, the tracked redirect, answered in front of Flask.

Every click on every link a partner sent passes here, and the visitor waits for it. A
redirect through Flask spent most of its time in the request context, the session, login
and CSRF hooks and the Response object, none of which a redirect uses: p99 9-17 ms in
bench/ingest.py. So, like the signed callbacks (web/callbacks.py), a known token is
answered by this small WSGI layer: the target is looked up once per process, the click is
queued for the recorder, and the 302 carries the headers web/headers.py gives every
answer. Anything else (an unknown token, another method, a longer path) passes to Flask,
whose /r/ view gives the partner-facing 404 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker
from werkzeug.urls import iri_to_uri

from campaign_engine.db import TrackedLink
from campaign_engine.domain.visitors import visitor_key
from campaign_engine.errors import NotFound
from campaign_engine.services.attribution.links import (
    CampaignLinks,
    campaign_links,
    redirect_target,
)
from campaign_engine.services.attribution.tracking import click_event
from campaign_engine.web.headers import security_headers
from campaign_engine.web.recorder import EventRecorder

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/r/"
UNKNOWN = "campaign_engine.unknown_link"  # set in the WSGI environ when the lookup found none
log = logging.getLogger(__name__)


class TrackedRedirects:
    """The WSGI layer; one per app, so its cache belongs to that app's database."""

    def __init__(
        self,
        app: WSGIApplication,
        sessions: sessionmaker[Session],
        recorder: EventRecorder,
        clock: Callable[[], datetime],
        *,
        https: bool,
        salt: bytes,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.recorder = recorder
        self.clock = clock
        self.salt = salt
        self.headers = security_headers(https=https)
        # Tokens never change once issued, so each is looked up once per process, and a
        # campaign's part of every target (its kit's links) once per campaign.
        self.target = lru_cache(maxsize=100_000)(self._lookup)
        self.campaigns: dict[int, CampaignLinks] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        token = path[len(PREFIX) :]
        if (
            not path.startswith(PREFIX)
            or method not in ("GET", "HEAD")
            or not token
            or "/" in token
        ):
            return self.app(environ, start_response)
        try:
            link, location = self.target(token)
        except NotFound:
            environ[UNKNOWN] = True  # Flask's view answers the 404 without looking again
            return self.app(environ, start_response)
        except Exception:  # the database is down: Flask's error page, with its headers
            log.exception("tracked redirect %s", token)
            return self.app(environ, start_response)
        agent = environ.get("HTTP_USER_AGENT", "")
        visitor = visitor_key(environ.get("REMOTE_ADDR"), agent, self.salt)
        self.recorder.add(**click_event(link, agent, self.clock(), visitor))
        start_response(
            "302 Found",
            [("Location", location), ("Content-Length", "0"), *self.headers],
        )
        return [b""]

    def _lookup(self, token: str) -> tuple[TrackedLink, str]:
        with self.sessions() as session:
            link, target = redirect_target(session, token, self._links_of)
            session.expunge(link)
        # A WSGI header is latin-1: a kit's non-ASCII target is sent percent-encoded.
        return link, iri_to_uri(target)

    def _links_of(self, session: Session, campaign_id: int) -> CampaignLinks:
        """In the lookup's own session: a second one would wait on SQLite's writer lock."""
        found = self.campaigns.get(campaign_id)
        if found is None:
            if len(self.campaigns) >= 1_000:
                self.campaigns.clear()
            found = self.campaigns[campaign_id] = campaign_links(session, campaign_id)
        return found
