"""Who is asking: vendor users sign in with a password; API clients send a bearer token;
partners come through signed links. Views declare who may call them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from campaign_engine.db import User
from campaign_engine.services.accounts import VENDOR_ROLES, authenticate, user_for_token
from campaign_engine.web.session import db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
LOGIN_LIMIT = parse("10 per minute")


class SessionUser:
    """What Flask-Login keeps: the id and role, not a live ORM object."""

    def __init__(self, user: User) -> None:
        self.id, self.email, self.role, self.partner_id = (
            user.id,
            user.email,
            user.role,
            user.partner_id,
        )
        self.is_authenticated, self.is_active, self.is_anonymous = True, True, False

    def get_id(self) -> str:
        return str(self.id)


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    user = db().get(User, int(user_id))
    return SessionUser(user) if user else None


@login_manager.request_loader
def _bearer(req: Any) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(db(), header[7:].strip())
        return SessionUser(user) if user else None
    return None


def vendor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages and API calls for the vendor's marketers and admins."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.path))
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
            login_user(SessionUser(user))
            target = request.args.get("next", "")
            return redirect(
                target
                if target.startswith("/") and not target.startswith("//")
                else url_for("console.home")
            )
        error = "That email and password do not match an account."
    return render_template("auth/login.html", error=error)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(bp)


def limit_sign_ins(app: Flask) -> None:
    """Password logins and magic-link requests, per client address; called once every
    blueprint is registered.

    The `limits` library directly rather than Flask-Limiter: Flask-Limiter checks every
    request of the app in a before_request hook (a quarter of a signed callback's CPU) to
    guard two forms. One limiter per app, so its counters belong to this app; behind several
    gunicorn workers each counts alone (a redis:// storage would share one budget)."""
    limiter = MovingWindowRateLimiter(storage_from_string("memory://"))
    for endpoint in ("auth.login", "portal.sign_in"):
        app.view_functions[endpoint] = _limited(app.view_functions[endpoint], limiter, endpoint)


def _limited(
    view: Callable[..., Any], limiter: MovingWindowRateLimiter, endpoint: str
) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        address = request.remote_addr or "unknown"
        if request.method == "POST" and not limiter.hit(LOGIN_LIMIT, endpoint, address):
            raise TooManyRequests("Too many attempts from this address. Wait a minute and retry.")
        return view(*args, **kwargs)

    return wrapper
