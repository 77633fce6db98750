"""The Flask app factory: no work at import; the runtime is built by the caller."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from campaign_engine.runtime import Runtime
from campaign_engine.services.attribution.groupcommit import GroupCommitter
from campaign_engine.services.attribution.tracking import visitor_salt
from campaign_engine.web.callbacks import SignedCallbacks
from campaign_engine.web.clicks import TrackedRedirects
from campaign_engine.web.recorder import EventRecorder


class DatabaseId(IntegerConverter):
    """<int:...> in every route: ids the database can hold, so /campaigns/99999999999999999999
    is a 404 rather than an overflow deep in the driver."""

    def __init__(self, url_map: Map, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, **kwargs)


def create_app(runtime: Runtime | None = None) -> Flask:
    """The web app for `runtime`, or for one built from the configuration: its settings,
    extensions and blueprints, and the WSGI layers that answer before Flask."""
    if runtime is None:
        from campaign_engine.bootstrap import build_runtime
        from campaign_engine.settings import load_settings, refuse_published_secrets

        settings = load_settings()
        refuse_published_secrets(settings)  # Granian: a WSGI server we do not start
        runtime = build_runtime(settings)
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=runtime.settings.secret_key,
        SECRET_KEY_FALLBACKS=list(runtime.settings.secret_key_fallbacks),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=runtime.settings.base_url.startswith("https://"),
        # No body beyond what the largest upload needs (a zipped kit is at most 50 MB
        # unpacked): werkzeug answers 413 instead of buffering whatever a client sends.
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
    )
    app.url_map.converters["int"] = DatabaseId
    app.extensions["campaign_engine"] = runtime
    recorder = app.extensions["event_recorder"] = EventRecorder(runtime.sessions)

    _init_extensions(app, runtime)
    _register_blueprints(app)
    _answer_before_flask(app, runtime, recorder)
    _trust_proxies(app, runtime.settings.web.trusted_proxies)
    return app


def _init_extensions(app: Flask, runtime: Runtime) -> None:
    """Sessions, error pages, formats, security headers, white-labelling and sign-in, and
    the POSTs whose token is their authorisation, exempt from CSRF."""
    from campaign_engine.web import (
        api,
        auth,
        errors,
        feedback,
        formats,
        headers,
        leads,
        mdf_api,
        portal_notices,
        privacy,
        public,
        ratings,
        session,
        whitelabel,
    )

    session.init_app(app)
    errors.init_app(app)
    formats.init_app(app)
    headers.init_app(app)
    whitelabel.init_app(app, runtime.settings)
    auth.init_app(app)
    # Token-authorised POSTs: mail clients' one-click unsubscribe (RFC 8058) and the
    # signed opt-out link: the token in the URL is the authorisation. The API checks CSRF
    # itself (web/api.py): required with the session cookie, not with a bearer token.
    auth.csrf.exempt(public.unsubscribe_now)
    auth.csrf.exempt(portal_notices.opt_out)
    auth.csrf.exempt(feedback.notice_reason)  # the notice link's token, like the opt-out
    auth.csrf.exempt(api.bp)
    auth.csrf.exempt(mdf_api.bp)
    auth.csrf.exempt(leads.api_bp)
    auth.csrf.exempt(ratings.api_bp)
    auth.csrf.exempt(privacy.api_bp)


def _register_blueprints(app: Flask) -> None:
    """Every audience's pages and the API under their prefixes, then the sign-in limits."""
    from campaign_engine.web import (  # console_runway/_privacy add routes to console.bp
        api,
        auth,
        console,
        console_campaigns,  # noqa: F401
        console_mdf,
        console_privacy,  # noqa: F401
        console_runway,  # noqa: F401
        embed,
        feedback,
        landing,
        leads,
        mdf_api,
        portal,
        portal_library,  # noqa: F401
        portal_mdf,
        portal_review,  # noqa: F401
        privacy,
        public,
        ratings,
        signature,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(signature.bp)
    app.register_blueprint(landing.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(console_mdf.bp, url_prefix="/mdf")
    app.register_blueprint(portal.bp, url_prefix="/portal")
    app.register_blueprint(portal_mdf.bp, url_prefix="/portal/mdf")
    app.register_blueprint(feedback.bp, url_prefix="/portal/feedback")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(mdf_api.bp, url_prefix="/api/v1")
    app.register_blueprint(leads.api_bp, url_prefix="/api/v1")
    app.register_blueprint(feedback.api_bp, url_prefix="/api/v1")
    app.register_blueprint(ratings.portal_bp, url_prefix="/portal/ratings")
    app.register_blueprint(ratings.console_bp)
    app.register_blueprint(ratings.api_bp, url_prefix="/api/v1")
    app.register_blueprint(leads.portal_bp, url_prefix="/portal/leads")
    app.register_blueprint(privacy.api_bp, url_prefix="/api/v1")
    app.register_blueprint(privacy.portal_bp, url_prefix="/portal/privacy")
    app.register_blueprint(api.spec_bp)
    auth.limit_sign_ins(app)


def _answer_before_flask(app: Flask, runtime: Runtime, recorder: EventRecorder) -> None:
    """The two WSGI layers in front of Flask: signed callbacks and tracked redirects."""
    # Signed callbacks are answered before Flask is entered (see web/callbacks.py).
    callbacks = app.extensions["callbacks"] = GroupCommitter(runtime.sessions)
    secret = runtime.settings.webhooks.inbound_secret
    app.wsgi_app = SignedCallbacks(  # type: ignore[method-assign]
        app.wsgi_app, secret, callbacks, https=app.config["SESSION_COOKIE_SECURE"]
    )
    # So are tracked redirects to known links (see web/clicks.py).
    app.wsgi_app = TrackedRedirects(  # type: ignore[method-assign]
        app.wsgi_app,
        runtime.sessions,
        recorder,
        runtime.clock,
        https=app.config["SESSION_COOKIE_SECURE"],
        salt=visitor_salt(runtime.settings.secret_key),
    )


def _trust_proxies(app: Flask, hops: int) -> None:
    """Outermost, so the redirect layer and every limit see the address the trusted
    proxies give: the client's. With 0 no X-Forwarded-For is read at all; a client could
    otherwise name any address and escape every per-address limit."""
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
