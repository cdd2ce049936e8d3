"""One transaction per request: it commits once, at the end, or rolls back on any error.

Views neither commit nor roll back. A successful response (below 400) commits what the request
changed; an error response or an exception rolls it all back. `refusals()` is how a view runs a
service: a RuleError (or a stale version, or a duplicate key) rolls back and lands beside its form
field, and the view re-renders the form with what was typed. Files written before the commit
(photos) register an `on_rollback` clean-up so a failed request leaves nothing on disk.

A commit that fails because the database is busy or unreachable answers 503 + Retry-After (see
portal.core.errors); one that fails on a concurrent change answers 409. Either way nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from flask import current_app, g, has_app_context
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.core.errors import Conflict, RuleError, database_unavailable, respond, unavailable
from portal.extensions import db


def on_rollback(callback: Callable[[], None]) -> None:
    """Run `callback` if this request's transaction is rolled back (e.g. delete written files)."""
    if has_app_context():
        g.setdefault("_on_rollback", []).append(callback)


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once this request's transaction has committed (e.g. send an SMS): never for a change
    that was rolled back."""
    if has_app_context():
        g.setdefault("_on_commit", []).append(callback)


def rollback() -> None:
    """Roll back, and run the clean-ups even if the rollback itself fails (a connection already lost)."""
    try:
        db.session.rollback()
    except DBAPIError:
        _discard_session("rollback")
    finally:
        if has_app_context():
            g.pop("_on_commit", None)
            for callback in g.pop("_on_rollback", []):
                callback()


def _discard_session(step: str) -> None:
    """The database dropped the connection under this session (a restart): let go of the session without
    a word to the database. SQLAlchemy has already invalidated the connection; the pool opens a new one
    for the next request, which therefore works as soon as the database is back."""
    if has_app_context():
        current_app.logger.warning("%s failed: the database connection was lost", step)
    with suppress(DBAPIError):
        db.session.close()
    db.session.registry.clear()


def _release(exc) -> None:
    """teardown: end the session, before Flask-SQLAlchemy's own teardown would — a session whose
    connection died must not turn an answered request into an error."""
    try:
        db.session.remove()
    except DBAPIError:
        _discard_session("closing the session")


def commit() -> None:
    """Commit now (for work outside a request: CLI commands, tasks, tests)."""
    db.session.commit()
    if has_app_context():
        g.pop("_on_rollback", None)
        for callback in g.pop("_on_commit", []):
            try:
                callback()
            except Exception:  # an outside service failing must not turn a saved change into an error
                current_app.logger.exception("after-commit callback failed")


def _finish(response):
    """after_request: commit a successful request's changes once, roll back a failed one."""
    if response.status_code >= 400:
        rollback()
        return response
    try:
        commit()
    except (StaleDataError, IntegrityError, DBAPIError) as error:
        rollback()
        if database_unavailable(error):
            return _instead(unavailable(error))
        if not isinstance(error, StaleDataError | IntegrityError):
            raise
        current_app.logger.warning("commit failed: a concurrent change", exc_info=True)
        from flask_babel import gettext as _

        return _instead(respond(409, _("这条记录刚被其他人修改过，请刷新后重试。")))
    return response


def _instead(replacement):
    """The error response that replaces a response whose commit failed. The other hooks ran before the
    commit, so the security headers are set here again (the session cookie is saved after all hooks)."""
    from portal.core.security import set_security_headers

    return set_security_headers(current_app.make_response(replacement))


def init_app(app) -> None:
    """Register before every other after_request hook (hooks run in reverse): the commit comes last."""
    app.after_request(_finish)
    app.teardown_appcontext(_release)  # registered after Flask-SQLAlchemy's, so it runs before it


@dataclass
class Outcome:
    error: RuleError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def conflict(self) -> bool:
        return isinstance(self.error, Conflict)


def place(form, error: RuleError, fields: dict[str, str] | None = None, default: str | None = None) -> None:
    """Put `error` beside the form field it names (renamed through `fields`; `default` when it names
    none), else at the form's top."""
    name = error.field or default
    name = (fields or {}).get(name, name) if name else None
    target = getattr(form, name, None) if name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@contextmanager
def refusals(form=None, *, fields: dict[str, str] | None = None, default: str | None = None,
             duplicate: RuleError | Callable[[], RuleError] | None = None):
    """Run a change; a refusal rolls back and (given a form) lands beside its field.

        with refusals(form) as outcome:
            services.assign(req, by=user, handler=handler)
        if outcome.ok:
            return hx_redirect(...)

    The change is flushed inside the block, so a stale version (StaleDataError) becomes a Conflict and
    a unique-key clash becomes `duplicate` (a RuleError, or a function asked after the rollback).
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.flush()
    except RuleError as error:
        outcome.error = error
    except StaleDataError:
        outcome.error = Conflict()
    except IntegrityError:
        if duplicate is None:
            raise
        rollback()
        outcome.error = duplicate() if callable(duplicate) else duplicate
    if outcome.error is not None:
        rollback()
        if form is not None:
            place(form, outcome.error, fields, default)
