"""Response headers and session lifetime rules every page inherits (OWASP ASVS 5.0 L2 baseline)."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"


def set_security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("ENV_NAME") == "production":
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user.is_authenticated and not request.path.startswith("/static/") and "private" not in h.get(
        "Cache-Control", ""
    ):
        # Pages behind a login may hold residents' personal data; a view may allow private caching (photos).
        h["Cache-Control"] = "no-store"
    return response


def background(view):
    """Mark a view as a background refresh (the bell's poll): it does not count as the person being
    there, so an unattended open tab still reaches the idle timeout."""
    view.background = True
    return view


def _is_background() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "background", False))


def _login_again():
    """Back to the login page; for htmx (a poll, a fragment) the whole page goes there, with `next`
    the page the person was on rather than the fragment's URL."""
    if getattr(request, "htmx", False):
        here = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = here.path + (f"?{here.query}" if here.query else "")
        nxt = target if target.startswith("/") and not target.startswith("//") else None
        return "", 204, {"HX-Redirect": url_for("auth.login", next=nxt)}
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


#: seconds between two writes of "last seen": the idle timeout is half an hour, and a session left
#: unchanged is not signed and sent again with every answer
SEEN_EVERY = 60


def enforce_session_timeouts():
    """Idle and absolute timeouts: an abandoned phone in a lobby does not stay logged in."""
    if not current_user.is_authenticated:
        return None
    now = datetime.now(UTC).timestamp()
    started = session.get("_started", now)
    seen = session.get("_seen", now)
    cfg = current_app.config
    if now - seen > cfg["IDLE_TIMEOUT"].total_seconds() or now - started > cfg["ABSOLUTE_TIMEOUT"].total_seconds():
        logout_user()
        session.clear()
        flash(_("您的登录已超时，请重新登录。"), "warning")
        return _login_again()
    if now - seen >= SEEN_EVERY and not _is_background():
        session["_seen"] = now
    return None
