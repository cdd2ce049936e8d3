"""Saving an edited record: duplicates become field errors, and of two people editing one record
the second is told and sees the fresh record — nothing is overwritten silently. The request
commits the saved record once, at its end (core.transaction)."""

from collections.abc import Callable

from wtforms import HiddenField

from portal.core.audit import audit
from portal.core.errors import CONFLICT, RuleError
from portal.core.transaction import place, refusals
from portal.extensions import db


class VersionField(HiddenField):
    """The version the form was loaded with (named row_version so populate_obj leaves `version` alone)."""


def load_version(form, obj) -> None:
    """On first display, remember which version of the record the form shows."""
    if obj is not None and not form.is_submitted():
        form.row_version.data = str(obj.version)


def is_stale(form, obj) -> bool:
    return str(form.row_version.data or "") != str(obj.version)


def save_form(form, obj, *, duplicate: tuple[str, str], prepare: Callable | None = None):
    """Populate `obj` from `form` for the request to commit. Returns (saved, form to show).

    `prepare(obj)` tidies the record before the flush. A unique-constraint clash puts `duplicate[1]`
    next to field `duplicate[0]`; a stale version shows the fresh record (with the form's own choices).
    """
    is_new = obj.id is None
    if not is_new and is_stale(form, obj):
        return False, _fresh(form, obj)
    with refusals(duplicate=RuleError(duplicate[1], duplicate[0])) as outcome:
        form.populate_obj(obj)
        if prepare:
            prepare(obj)
        db.session.add(obj)
        db.session.flush()
        audit(f"{type(obj).__name__.lower()}.{'created' if is_new else 'updated'}", obj)
    if outcome.conflict:
        return False, _fresh(form, obj)
    if not outcome.ok:
        place(form, outcome.error)
    return outcome.ok, form


def _fresh(form, obj):
    db.session.refresh(obj)
    fresh = form.fresh(obj) if hasattr(form, "fresh") else type(form)(formdata=None, obj=obj)
    fresh.row_version.data = str(obj.version)
    fresh.form_errors.append(CONFLICT)
    return fresh
