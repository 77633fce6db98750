"""One database session per request, committed at the end if the view succeeded.

"Succeeded" means no error answer: the error handlers (web/errors.py) turn exceptions into
4xx/5xx pages, after which Flask's teardown sees no exception, so they call discard()
and nothing a failing view wrote before it failed is committed."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from campaign_engine.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["campaign_engine"]


def db() -> Session:
    if "db" not in g:
        g.db = runtime().sessions()
    return g.db


def discard() -> None:
    """Rolls back what this request wrote so far (the request failed)."""
    session: Session | None = g.get("db")
    if session is not None:
        session.rollback()


def _finish(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is None:
        return
    try:
        if exc is None:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_request(_finish)
