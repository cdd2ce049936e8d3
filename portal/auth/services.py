"""Login, logout and password change: the session rules live here, not in the views."""

import hmac
from collections.abc import Callable

from sqlalchemy import Row, or_, select

from portal.auth.models import User
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.core import stamps
from portal.core.audit import audit
from portal.core.kept_statements import kept_statement, param
from portal.core.models import utcnow
from portal.core.params import parse_id
from portal.extensions import db

#: what other modules read with the user on every request, by name: (columns, receive) as `read_with_user`
#: registers them (the statement's shape is the tuple of names)
_WITH_USER: dict[str, tuple[Callable[[], list], Callable[[Row], None]]] = {}


def read_with_user(name: str, columns: Callable[[], list], receive: Callable[[Row], None]) -> None:
    """Let a module read what every page shows of the signed-in person in the statement that loads them,
    as the structure stamp is: one round trip less on every page (the bell's count: notifications).

    `columns()` builds scalar columns, labelled with names of the module's own, whose only value is the
    parameter `user_id` (core.kept_statements); `receive(row)` reads them by those labels (`row.<label>`;
    `row[0]` is the user), once the session was found valid."""
    _WITH_USER[name] = (columns, receive)


def load_user_from_session_id(session_id: str):
    """Flask-Login's loader: the session holds `id:token`; a rotated token no longer matches."""
    user_id, _, token = session_id.partition(":")
    if parse_id(user_id) is None or not token:
        return None
    riders = tuple(_WITH_USER.items())
    statement = kept_statement(("auth.user_with_structure", tuple(name for name, _ in riders)),
                               lambda: _user_with_structure(riders))
    row = db.session.execute(statement, {"user_id": parse_id(user_id)}).first()
    if row is None or not row[0].active or not hmac.compare_digest(row[0].session_token, token):
        return None
    stamps.remember(stamps.STRUCTURE, row[1])  # read before anything derived from the structure
    for _name, (_columns, receive) in riders:
        receive(row)
    return row[0]


def _user_with_structure(riders=()):
    """The user, the structure stamp and what other modules read with the user, in one statement built once
    per set of readers (every page runs it)."""
    extra = [column for _name, (columns, _receive) in riders for column in columns()]
    return select(User, stamps.token_of(stamps.STRUCTURE), *extra).where(User.id == param("user_id"))


def find_login(identifier: str) -> User | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    return db.session.scalar(select(User).where(or_(User.username == identifier, User.phone == identifier)))


def authenticate(identifier: str, password: str) -> User | None:
    """The user for these credentials, or None; failures are audited without the password."""
    user = find_login(identifier)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit("login.failed", user, user=user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit("login", user, user=user)
    return user


def end_all_sessions(user: User) -> None:
    """Rotate the token behind get_id(): every session of this user stops working."""
    user.rotate_session()


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    audit("password.changed", user, user=user)


def set_active(user: User, active: bool, *, by: User) -> None:
    user.active = active
    if not active:
        end_all_sessions(user)
    audit("account.enabled" if active else "account.disabled", user, user=by)


def create_user(*, name: str, password: str, username: str | None = None, phone: str | None = None,
                is_party_member: bool = False) -> User:
    user = User(name=name, username=username or None, phone=phone or None,
                password_hash=hash_password(password), is_party_member=is_party_member)
    db.session.add(user)
    return user
