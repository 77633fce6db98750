"""Who is asking: vendor users sign in with a password; API clients send a bearer token;
partner members sign in by emailed link. Views declare who may call them.

The session cookie holds only a random session id; its row (services/access/sessions.py)
decides on every request whether it still stands, so sign-out ends every copy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from campaign_engine.db import User
from campaign_engine.infra.ratelimit import SIGN_IN_BUCKETS, Limit, try_acquire
from campaign_engine.services.access.accounts import (
    VENDOR_ROLES,
    authenticate,
    partner_of,
    user_for_token,
)
from campaign_engine.services.access.sessions import (
    SignedIn,
    end_session,
    resolve_session,
    start_session,
)
from campaign_engine.web.redirects import safe_next
from campaign_engine.web.session import db, runtime

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
# Ten attempts at once, then one every six seconds (ten a minute), per address.
LOGIN_RATE = (10 / 60, 10.0)


class SessionUser:
    """What a request acts as: the user's id, email, role and partner (from its
    membership), and the session id when it came through the browser."""

    def __init__(self, who: SignedIn, session_token: str | None = None) -> None:
        self.id, self.email, self.role, self.partner_id = (
            who.user_id,
            who.email,
            who.role,
            who.partner_id,
        )
        self.session_token = session_token
        self.is_authenticated, self.is_active, self.is_anonymous = True, True, False

    def get_id(self) -> str | None:
        return self.session_token


@login_manager.user_loader
def _load(session_token: str) -> SessionUser | None:
    rt = runtime()
    who = resolve_session(
        db(),
        session_token,
        now=rt.clock(),
        idle=timedelta(minutes=rt.settings.auth.idle_minutes),
        lifetime=timedelta(hours=rt.settings.auth.session_hours),
    )
    return SessionUser(who, session_token) if who else None


@login_manager.request_loader
def _bearer(req: Any) -> SessionUser | None:
    """Bearer tokens are for the JSON API only; pages take the browser's session."""
    header = req.headers.get("Authorization", "")
    if not (req.path.startswith("/api/") and header.startswith("Bearer ")):
        return None
    user = user_for_token(db(), header[7:].strip())
    if user is None:
        return None
    return SessionUser(SignedIn(user.id, user.email, user.role, partner_of(db(), user.id)))


def sign_in(user: User) -> None:
    """A new server-side session for this user; the old cookie content is dropped first,
    so a session id planted before sign-in is never reused."""
    session.clear()
    token = start_session(db(), user, now=runtime().clock())
    who = SignedIn(user.id, user.email, user.role, partner_of(db(), user.id))
    login_user(SessionUser(who, token))


def vendor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages and API calls for the vendor's marketers and admins."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in VENDOR_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        user = authenticate(db(), request.form.get("email", ""), request.form.get("password", ""))
        if user is not None and user.role in VENDOR_ROLES:
            sign_in(user)
            return redirect(safe_next(request.args.get("next"), url_for("console.home")))
        error = "That email and password do not match an account."
    return render_template("auth/login.html", error=error)


@bp.post("/logout")
def logout() -> Response:
    """Ends this session server-side: a copy of the cookie is worthless afterwards."""
    token = getattr(current_user, "session_token", None)
    partner = getattr(current_user, "role", None) == "partner"
    if token:
        end_session(db(), token, now=runtime().clock())
    logout_user()
    session.clear()
    return redirect(url_for("portal.home" if partner else "auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(bp)


def limit_sign_ins(app: Flask) -> None:
    """Password logins and magic-link requests, per client address; called once every
    blueprint is registered. The database's token buckets (infra/ratelimit), as sending
    uses: one budget per address however many web processes answer, and no check on the
    app's other requests (Flask-Limiter's before_request hook cost a quarter of a signed
    callback's CPU to guard two forms)."""
    for endpoint in ("auth.login", "portal.sign_in"):
        app.view_functions[endpoint] = _limited(app.view_functions[endpoint], endpoint)


def _limited(view: Callable[..., Any], endpoint: str) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            address = request.remote_addr or "unknown"
            limit = Limit(f"{SIGN_IN_BUCKETS}{endpoint}:{address}", *LOGIN_RATE)
            with runtime().sessions.begin() as session:
                wait = try_acquire(session, [limit], runtime().clock())
            if wait > 0:
                raise TooManyRequests(
                    "Too many attempts from this address. Wait a minute and retry."
                )
        return view(*args, **kwargs)

    return wrapper
