"""Saving an edited record: duplicates become field errors, and of two people editing one record
the second is told and sees the fresh record — nothing is overwritten silently."""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from portal.core.audit import audit
from portal.extensions import db

CONFLICT = _l("这条记录刚被其他人修改过。下面显示的是最新内容，请核对后重新保存。")


class VersionField(HiddenField):
    """The version the form was loaded with (named row_version so populate_obj leaves `version` alone)."""


def load_version(form, obj) -> None:
    """On first display, remember which version of the record the form shows."""
    if obj is not None and not form.is_submitted():
        form.row_version.data = str(obj.version)


def is_stale(form, obj) -> bool:
    return str(form.row_version.data or "") != str(obj.version)


def save_form(form, obj, *, duplicate: tuple[str, str], prepare: Callable | None = None,
              setup: Callable | None = None):
    """Populate `obj` from `form` and commit. Returns (saved, form to show).

    `prepare(obj)` tidies the record before the flush; `setup(form)` fills the choices of a
    refreshed form. A unique-constraint clash puts `duplicate[1]` next to field `duplicate[0]`.
    """
    is_new = obj.id is None
    if not is_new and is_stale(form, obj):
        return False, _fresh(form, obj, setup)
    form.populate_obj(obj)
    if prepare:
        prepare(obj)
    db.session.add(obj)
    try:
        db.session.flush()
        audit(f"{type(obj).__name__.lower()}.{'created' if is_new else 'updated'}", obj)
        db.session.commit()
        return True, form
    except IntegrityError:
        db.session.rollback()
        getattr(form, duplicate[0]).errors.append(duplicate[1])
        return False, form
    except StaleDataError:
        return False, _fresh(form, obj, setup)


def _fresh(form, obj, setup):
    db.session.rollback()
    db.session.refresh(obj)
    fresh = type(form)(formdata=None, obj=obj)
    if setup:
        setup(fresh)
    fresh.row_version.data = str(obj.version)
    fresh.form_errors.append(CONFLICT)
    return fresh
