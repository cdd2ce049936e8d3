"""The shape of the survey forms; what is allowed is decided in services. The answer forms are built
from the survey's questions (services.parse_answers), so only their CSRF token is a WTForms field."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.forms import REQUIRED, ContextChoices, Form, int_or_none, strip, too_long
from portal.core.translations import lazy_gettext as _l
from portal.surveys.labels import DIMENSION_LABELS, KIND_LABELS
from portal.surveys.models import Dimension, QuestionKind


class CsrfForm(Form):
    """Only the CSRF token: for the answer forms, whose fields come from the survey."""


class CopyForm(Form):
    name = StringField(_l("新问卷名称"), filters=[strip], validators=[DataRequired(REQUIRED), too_long(100)])


class QuestionForm(Form):
    section = StringField(_l("分组"), filters=[strip], validators=[too_long(50)])
    section_position = IntegerField(_l("分组顺序"), default=0, validators=[
        InputRequired(REQUIRED), NumberRange(0, 99, _l("请输入 0–99 的数字。"))])
    position = IntegerField(_l("组内顺序"), default=0, validators=[
        InputRequired(REQUIRED), NumberRange(0, 999, _l("请输入 0–999 的数字。"))])
    kind = SelectField(_l("题型"), validate_choice=False, choices=[(k, KIND_LABELS[k]) for k in QuestionKind.ALL])
    text = StringField(_l("题目"), filters=[strip], validators=[DataRequired(REQUIRED), too_long(300)])
    required = BooleanField(_l("必答"), default=True)
    dimension = SelectField(_l("计入服务维度"), validate_choice=False, choices=[("", _l("（不计入）"))] +
                            [(d, DIMENSION_LABELS[d]) for d in Dimension.ALL])
    options = TextAreaField(_l("选项（每行一个）"), validators=[too_long(2000)])

    def option_list(self) -> list[str]:
        return [line.strip()[:100] for line in (self.options.data or "").splitlines() if line.strip()]


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(ContextChoices, Form):
    context_names = ("surveys", "compounds")
    title = StringField(_l("测评名称"), filters=[strip], validators=[DataRequired(REQUIRED), too_long(100)])
    survey_id = SelectField(_l("问卷"), coerce=int_or_none, validate_choice=False)
    compound_ids = MultiCheckbox(_l("测评小区"), coerce=int_or_none, validate_choice=False)
    opens_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(REQUIRED)])
    closes_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(REQUIRED)])

    def fill(self, surveys=None, compounds=None) -> None:
        self.survey_id.choices = list(surveys or [])
        self.compound_ids.choices = list(compounds or [])


class CodeForm(Form):
    code = StringField(_l("入户码"), filters=[strip], validators=[DataRequired(REQUIRED), too_long(30)])


class ReissueForm(Form):
    household_id = IntegerField(validators=[Optional()])
