"""Forms of the co-construction module: they check shape only; the services decide what is allowed."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from portal.core.forms import PHONE, Form, int_or_none, strip, too_long
from portal.core.translations import lazy_gettext as _l
from portal.orgs.forms import ImportForm
from portal.projects.labels import (
    DEMAND_CATEGORY_LABELS,
    DEMAND_SOURCE_LABELS,
    RESOURCE_KIND_LABELS,
    WISH_CATEGORY_LABELS,
)
from portal.projects.models import DEMAND_CATEGORIES, DEMAND_SOURCES, RESOURCE_KINDS, WISH_CATEGORIES


class WishForm(Form):
    """A resident's own wish (the household is theirs), or one a worker posts for a resident."""

    household_id = SelectField(_l("哪一户的心愿"), coerce=int_or_none, validate_choice=False)
    compound_id = SelectField(_l("小区"), coerce=int_or_none, validate_choice=False)
    title = StringField(_l("心愿（一句话）"), filters=[strip], validators=[too_long(60)])
    category = RadioField(_l("类别"), choices=[(c, WISH_CATEGORY_LABELS[c]) for c in WISH_CATEGORIES], default="other",
                          validators=[InputRequired(_l("请选择类别。"))])
    description = TextAreaField(_l("详细说明（可选）"), filters=[strip], validators=[Optional(), too_long(1000)])
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[Optional(), too_long(64)])
    contact_phone = StringField(_l("联系电话"), filters=[strip], validators=[Optional(), PHONE])


class ActionForm(Form):
    version = HiddenField()

    @property
    def version_number(self) -> int | None:
        return int_or_none(self.version.data)


class ClaimForm(ActionForm):
    #: "party_member:<id>" or "unit:<id>"
    claimant = RadioField(_l("以谁的名义认领"), validate_choice=False)


class FulfilForm(ActionForm):
    note = TextAreaField(_l("完成情况"), filters=[strip], validators=[Optional(), too_long(1000)])
    photos = MultipleFileField(_l("照片（可选，最多 3 张）"))


class ReleaseForm(ActionForm):
    reason = StringField(_l("原因（可选）"), filters=[strip], validators=[Optional(), too_long(200)])


class ConfirmForm(ActionForm):
    pass


class WithdrawForm(ActionForm):
    pass


FORMS = {"claim": ClaimForm, "fulfil": FulfilForm, "release": ReleaseForm, "confirm": ConfirmForm,
         "withdraw": WithdrawForm}


def with_ids(form, step: str):
    for f in form:
        f.id = f"{step}-{f.name}"
        f.label.field_id = f.id
    return form


class PartyMemberForm(Form):
    phone = StringField(_l("党员的手机号（居民账号）"), filters=[strip], validators=[InputRequired(_l("请填写手机号。")), PHONE])
    compound_id = SelectField(_l("居住小区"), coerce=int_or_none, validate_choice=False)
    unit_id = SelectField(_l("工作单位（驻区单位）"), coerce=int_or_none, validate_choice=False)
    workplace = StringField(_l("工作单位（不是驻区单位时填写）"), filters=[strip], validators=[Optional(), too_long(100)])
    registered_on = DateField(_l("报到日期"), validators=[InputRequired(_l("请填写日期。"))])


class UnitForm(Form):
    community_id = SelectField(_l("社区"), coerce=int_or_none, validate_choice=False)
    name = StringField(_l("单位名称"), filters=[strip], validators=[InputRequired(_l("请填写单位名称。")), too_long(100)])
    registered_on = DateField(_l("报到日期"), validators=[InputRequired(_l("请填写日期。"))])
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[InputRequired(_l("请填写联系人。")), too_long(64)])
    contact_phone = StringField(_l("联系电话"), filters=[strip], validators=[InputRequired(_l("请填写联系电话。")), PHONE])
    offers = TextAreaField(_l("可提供的资源"), filters=[strip], validators=[Optional(), too_long(1000)])


class AgreementForm(Form):
    start_date = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写日期。"))])
    end_date = DateField(_l("结束日期"), validators=[InputRequired(_l("请填写日期。"))])
    content = TextAreaField(_l("共建内容"), filters=[strip], validators=[InputRequired(_l("请填写共建内容。")), too_long(2000)])


class ProjectForm(Form):
    community_id = SelectField(_l("社区"), coerce=int_or_none, validate_choice=False)
    parent_id = SelectField(_l("上级项目（可选）"), coerce=int_or_none, validate_choice=False)
    title = StringField(_l("项目名称"), filters=[strip], validators=[too_long(100)])
    content = TextAreaField(_l("项目内容"), filters=[strip], validators=[too_long(2000)])
    responsible_body = StringField(_l("责任主体"), filters=[strip], validators=[too_long(100)])
    responsible_person = StringField(_l("责任人"), filters=[strip], validators=[too_long(64)])
    start_date = DateField(_l("开始日期"), validators=[Optional()])
    deadline = DateField(_l("完成时限"), validators=[Optional()])
    budget = StringField(_l("预算（元，可选）"), filters=[strip], validators=[Optional(), too_long(12)])
    compound_ids = SelectMultipleField(_l("涉及小区"), coerce=int_or_none, validate_choice=False)
    partner_ids = SelectMultipleField(_l("合作单位"), coerce=int_or_none, validate_choice=False)
    demand_ids = SelectMultipleField(_l("对接的需求"), coerce=int_or_none, validate_choice=False)
    resource_ids = SelectMultipleField(_l("使用的资源"), coerce=int_or_none, validate_choice=False)


class MilestoneForm(Form):
    title = StringField(_l("环节名称"), filters=[strip], validators=[too_long(100)])
    due_date = DateField(_l("到期日期"), validators=[Optional()])
    weight = StringField(_l("权重"), default="1", filters=[strip], validators=[Optional(), too_long(6)])
    move_deadline = BooleanField(_l("把完成时限延后到这一天"))


class MilestoneDoneForm(Form):
    done_on = DateField(_l("完成日期"), validators=[Optional()])
    doer = SelectField(_l("由谁完成（记入服务记录）"), validate_choice=False)


class UpdateForm(Form):
    note = TextAreaField(_l("进展情况"), filters=[strip], validators=[Optional(), too_long(2000)])
    photos = MultipleFileField(_l("照片（可选，最多 3 张）"))


class StepForm(ActionForm):
    step = HiddenField()
    reason = StringField(_l("取消理由"), filters=[strip], validators=[Optional(), too_long(500)])


class EvaluateForm(Form):
    rating = RadioField(_l("评分"), choices=[(n, "★" * n) for n in range(5, 0, -1)], coerce=int_or_none,
                        validate_choice=False)
    comment = TextAreaField(_l("意见（可选）"), filters=[strip], validators=[Optional(), too_long(1000)])


class DemandForm(Form):
    community_id = SelectField(_l("社区"), coerce=int_or_none, validate_choice=False)
    compound_id = SelectField(_l("小区"), coerce=int_or_none, validate_choice=False)
    source = RadioField(_l("来源"), choices=[(s, DEMAND_SOURCE_LABELS[s]) for s in DEMAND_SOURCES], default="resident",
                        validate_choice=False)
    category = RadioField(_l("类别"), choices=[(c, DEMAND_CATEGORY_LABELS[c]) for c in DEMAND_CATEGORIES],
                          validate_choice=False)
    title = StringField(_l("需求"), filters=[strip], validators=[too_long(100)])
    description = TextAreaField(_l("说明（可选）"), filters=[strip], validators=[Optional(), too_long(1000)])


class ResourceForm(Form):
    unit_id = SelectField(_l("驻区单位"), coerce=int_or_none, validate_choice=False)
    kind = RadioField(_l("资源类型"), choices=[(k, RESOURCE_KIND_LABELS[k]) for k in RESOURCE_KINDS], validate_choice=False)
    category = SelectField(_l("适合的需求类别"), validate_choice=False)
    title = StringField(_l("资源"), filters=[strip], validators=[too_long(100)])
    quantity = StringField(_l("数量（如：200平方米、10人）"), filters=[strip], validators=[Optional(), too_long(50)])
    availability = StringField(_l("可用时间（如：周末）"), filters=[strip], validators=[Optional(), too_long(100)])


class ResourceImportForm(ImportForm):
    community_id = SelectField(_l("社区"), coerce=int_or_none, validate_choice=False)


class AgendaForm(Form):
    """One click: put the project on this compound's next joint meeting."""

    compound_id = HiddenField()
