"""The forms of the request page, one per workflow step.

They only check the shape of the input (lengths, numbers); whether a step is allowed, and what is
required for it, is decided by portal.repairs.services, whose WorkflowError names the field it
concerns — the field names here match those names. Every form carries the request's `version`.
"""

from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.core.forms import ContextChoices, Form, int_or_none, strip, too_long
from portal.core.translations import lazy_gettext as _l
from portal.repairs.labels import KIND_LABELS
from portal.repairs.models import Kind


class ActionForm(Form):
    version = HiddenField()

    @property
    def version_number(self) -> int | None:
        return int_or_none(self.version.data)


class TriageForm(ActionForm):
    kind = SelectField(_l("诉求类型"), choices=[(k, KIND_LABELS[k]) for k in Kind.ALL], validate_choice=False)
    reason = TextAreaField(_l("理由（更改类型时必填）"), filters=[strip], validators=[Optional(), too_long(500)])


class AssignForm(ContextChoices, ActionForm):
    """The handlers the dispatcher may choose now, each with their post and how many orders they have in
    hand (permissions.handler_choices); the service checks the choice again."""

    context_names = ("candidates",)
    handler_id = SelectField(_l("处理人"), coerce=int_or_none, validate_choice=False)
    note = StringField(_l("备注"), filters=[strip], validators=[Optional(), too_long(200)])

    def fill(self, candidates=None) -> None:
        self.handler_id.choices = [("", _l("请选择处理人")), *(
            (user.id, _l("%(name)s · %(post)s · 在办 %(n)s 单", name=user.name, post=post, n=load))
            for user, post, load in candidates or [])]


class AcceptForm(ActionForm):
    pass


class ResumeForm(ActionForm):
    pass


class ReturnForm(ActionForm):
    reason = TextAreaField(_l("退单理由"), filters=[strip], validators=[Optional(), too_long(500)])


class HoldForm(ActionForm):
    reason = StringField(_l("挂起原因"), filters=[strip], validators=[Optional(), too_long(200)])


class ResolveForm(ActionForm):
    note = TextAreaField(_l("处理结果"), filters=[strip], validators=[Optional(), too_long(2000)])
    photos = MultipleFileField(_l("现场照片（最多 6 张）"))


STARS = [(n, "★" * n) for n in range(5, 0, -1)]
YES_NO = [("1", _l("满意")), ("0", _l("不满意"))]


class EvaluateForm(ActionForm):
    rating = RadioField(_l("总体评价"), choices=STARS, coerce=int_or_none, validate_choice=False)
    speed_rating = RadioField(_l("响应速度"), choices=STARS, coerce=int_or_none, validate_choice=False)
    attitude_rating = RadioField(_l("服务态度"), choices=STARS, coerce=int_or_none, validate_choice=False)
    satisfied = RadioField(_l("是否满意"), choices=YES_NO, validators=[InputRequired(_l("请选择满意或不满意。"))])
    comment = TextAreaField(_l("意见（不满意时必填）"), filters=[strip], validators=[Optional(), too_long(1000)])


class ReturnVisitForm(ActionForm):
    satisfied = RadioField(_l("居民是否满意"), choices=[*YES_NO, ("", _l("未表态"))], default="", validate_choice=False)
    note = TextAreaField(_l("回访情况"), filters=[strip], validators=[Optional(), too_long(1000)])


class DepartmentForm(ActionForm):
    department = StringField(_l("部门名称"), filters=[strip], validators=[Optional(), too_long(100)])
    reply = TextAreaField(_l("部门答复"), filters=[strip], validators=[Optional(), too_long(2000)])


def with_ids(form, step: str):
    """Distinct element ids for the several forms of one page (the field names stay as the routes expect)."""
    for field in form:
        field.id = f"{step}-{field.name}"
        field.label.field_id = field.id
    return form


FORMS = {
    "triage": TriageForm, "assign": AssignForm, "accept": AcceptForm, "return_": ReturnForm, "hold": HoldForm,
    "resume": ResumeForm, "resolve": ResolveForm, "evaluate": EvaluateForm, "return_visit": ReturnVisitForm,
    "department": DepartmentForm,
}
