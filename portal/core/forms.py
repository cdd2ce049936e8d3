"""Form helpers every module shares: trimming, phone numbers, ids and choice lists.

Forms check shape only (lengths, formats); what is allowed is decided by the services. A field
whose value is an id uses `int_or_none`, so junk becomes None and the service (or the form's own
message) says why — never WTForms' English "Not a valid choice".
"""

from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField, MultipleFileField
from wtforms.validators import Length, Regexp

from portal.core.params import coerce_id, parse_id
from portal.core.translations import lazy_gettext as _l

__all__ = ["PHONE", "NO_CHOICE", "REQUIRED", "Form", "choices_with_blank", "coerce_id", "id_choices", "int_or_none",
           "strip", "too_long"]

REQUIRED = _l("此项必填。")
NO_CHOICE = _l("（无）")
#: a mobile (11 digits) or a landline with its area code
PHONE = Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", message=_l("请输入正确的手机号（11位）或座机号。"))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def int_or_none(value):
    """Coerce without WTForms' English "invalid choice": a bad value becomes None."""
    return parse_id(value)


def too_long(limit: int):
    return Length(max=limit, message=_l("最多 %(max)d 个字。", max=limit))


def id_choices(rows) -> list[tuple]:
    """(id, name) rows from SQLAlchemy as the plain tuples WTForms wants."""
    return [tuple(row) for row in rows]


def choices_with_blank(pairs, blank=NO_CHOICE) -> list[tuple]:
    return [(0, blank), *pairs]


class ContextChoices:
    """A form that fills its own choices from the context the view gives it:

        form = CompoundForm(obj=compound, communities=rows)

    `context_names` lists the keyword arguments it takes; `fill(**context)` sets the choices. The
    context is kept, so a fresh copy of the form (after a conflict) gets the same choices.
    """

    context_names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        self.context = {name: kwargs.pop(name, None) for name in self.context_names}
        super().__init__(*args, **kwargs)
        self.fill(**self.context)

    def fill(self, **context) -> None:
        raise NotImplementedError

    def fresh(self, obj):
        """The same form showing `obj` as it is now, with the same choices."""
        return type(self)(formdata=None, obj=obj, **self.context)


class Form(FlaskForm):
    """Every form of the portal. Uploaded files reach only file fields: Flask-WTF mixes every file of a
    multipart request into the form data, so a file posted under a text field's name reached that
    field's validators (a crafted request answered 500)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict):
                return data
            file_fields = {name for name, field in form._fields.items()
                           if isinstance(field, FileField | MultipleFileField)}
            files, fields = data.dicts[0], data.dicts[1:]
            kept = MultiDict([(name, value) for name, value in files.items(multi=True) if name in file_fields])
            return CombinedMultiDict((kept, *fields))
