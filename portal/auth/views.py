"""Login, logout, re-authentication, password change and the language switch.

Like every view, these never commit: the request commits once at its end (a failed login's audit
entry too, since the page answers 200), or rolls back on an error."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import devices, services
from portal.auth.forms import ChangePasswordForm, LoginForm, ReauthForm
from portal.auth.passwords import verify_password
from portal.core.audit import audit
from portal.core.rendering import render
from portal.extensions import limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")

REAUTH_WINDOW_SECONDS = 300


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _name_limit() -> str:
    return current_app.config["LOGIN_NAME_RATE_LIMIT"]


def _login_key() -> str:
    return "login:" + (request.form.get("login") or "").strip().lower()


def _failed(response) -> bool:
    """Only failed attempts count against the limits: a successful login answers 303."""
    return response.status_code != 303


def _known_device() -> bool:
    """This device logged in before as the account being typed (asked once per request)."""
    if "_known_device" not in g:
        known = devices.known_accounts()
        user = services.find_login(request.form.get("login") or "") if known else None
        g._known_device = user is not None and user.id in known
    return g._known_device


def _device_key() -> str:
    return f"login-device:{request.cookies.get(devices.COOKIE, '')[:64]}:{_login_key()}"


def _start_session(user) -> None:
    session.clear()  # a new session at login: nothing from before carries over
    login_user(user)
    now = datetime.now(UTC).timestamp()
    session["_started"] = session["_seen"] = session["_auth_at"] = now
    if user.locale:
        session["locale"] = user.locale


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, exempt_when=_known_device)
@limiter.limit(_name_limit, methods=["POST"], key_func=_login_key, deduct_when=_failed, exempt_when=_known_device)
@limiter.limit(_name_limit, methods=["POST"], key_func=_device_key, deduct_when=_failed,
               exempt_when=lambda: not _known_device())
def login():
    """Guessing is limited per address and per account name, counting failures only. A device that
    logged in as that account before (auth.devices) has a budget of its own instead, so a stranger who
    exhausts the shared ones cannot lock the owner out — and a stolen phone still cannot guess freely."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            locale = session.get("locale")
            _start_session(user)
            if locale and not user.locale:
                session["locale"] = locale
            response = redirect(_safe_next(request.args.get("next")), code=303)
            devices.remember(response, user.id)
            return response
        error = _("手机号/用户名或密码不正确。")
    return render("auth/login.html", "login_form", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("您已安全退出。"), "success")
    return redirect(url_for("auth.login"), code=303)


def _reauth_key() -> str:
    return f"reauth:{current_user.get_id() if current_user.is_authenticated else request.remote_addr}"


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_reauth_key)
def reauth():
    """A password typed again before a sensitive change: limited like login, so an unattended
    logged-in phone cannot be used to guess the password."""
    form = ReauthForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data):
            session["_auth_at"] = datetime.now(UTC).timestamp()
            return redirect(_safe_next(request.args.get("next")), code=303)
        audit("reauth.failed", current_user._get_current_object())
        form.password.errors.append(_("密码不正确。"))
    return render("auth/reauth.html", "reauth_form", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    auth_at = session.get("_auth_at", 0)
    if datetime.now(UTC).timestamp() - auth_at > REAUTH_WINDOW_SECONDS:
        return redirect(url_for("auth.reauth", next=url_for("auth.change_password")))
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        services.change_password(user, form.new_password.data)
        _start_session(user)  # this device stays logged in with the new token; others are out
        flash(_("密码已修改。其他设备上的登录已全部退出。"), "success")
        return redirect(url_for("dashboard.home"), code=303)
    return render("auth/password.html", "password_form", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen language in the session and, when logged in, on the account."""
    code = request.form.get("locale", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    return redirect(_safe_next(request.form.get("next")), code=303)
