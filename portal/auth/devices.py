"""Known devices: a signed cookie, set when an account logs in, that lets the same device past the
login-guessing limits later — so a stranger who types a resident's phone number thirty times cannot
lock that resident out of their own phone. It proves only an earlier login; the password is still
asked every time.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "portal_device"
MAX_AGE = 180 * 24 * 3600  # half a year: a phone that logged in this season is known
MAX_ACCOUNTS = 5  # a family's shared phone


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal.known-device")


def known_accounts() -> list[int]:
    """Account ids this device has logged in as (empty if the cookie is missing, forged or too old)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return []
    try:
        ids = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember(response, user_id: int) -> None:
    """Add `user_id` to this device's known accounts (most recent first)."""
    ids = [user_id, *(i for i in known_accounts() if i != user_id)][:MAX_ACCOUNTS]
    response.set_cookie(COOKIE, _serializer().dumps(ids), max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/auth/")
