"""Forms for the structure. Choices that depend on the user's scope are filled by the view."""

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.core.concurrency import VersionField
from portal.core.forms import (
    PHONE,
    REQUIRED,
    ContextChoices,
    Form,
    choices_with_blank,
    coerce_id,
    id_choices,
    strip,
)
from portal.core.translations import lazy_gettext as _l


class CommunityForm(Form):
    row_version = VersionField()
    name = StringField(_l("社区名称"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)])
    address = StringField(_l("地址"), filters=[strip], validators=[Optional(), Length(max=200)])


class CompoundForm(ContextChoices, Form):
    context_names = ("communities",)
    row_version = VersionField()
    community_id = SelectField(_l("所属社区"), coerce=coerce_id, validators=[DataRequired(REQUIRED)])
    name = StringField(_l("小区名称"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)])
    address = StringField(_l("地址"), filters=[strip], validators=[Optional(), Length(max=200)])
    grid_name = StringField(_l("网格名称"), filters=[strip], validators=[Optional(), Length(max=100)])

    def fill(self, communities=None) -> None:
        self.community_id.choices = id_choices(communities or [])


class BuildingForm(Form):
    row_version = VersionField()
    name = StringField(_l("楼栋名称"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=50)])
    floors = IntegerField(_l("层数"), validators=[Optional(), NumberRange(1, 200, _l("层数须在 1 到 200 之间。"))])


class HouseholdForm(ContextChoices, Form):
    context_names = ("buildings",)
    row_version = VersionField()
    building_id = SelectField(_l("楼栋"), coerce=coerce_id, validators=[DataRequired(REQUIRED)])
    unit = StringField(_l("单元"), filters=[strip], validators=[Optional(), Length(max=20)])
    room = StringField(_l("房号"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=20)])
    area_m2 = DecimalField(_l("面积（平方米）"), places=2, validators=[Optional(), NumberRange(0.01, 99999, _l("面积须为大于 0 的数字。"))])
    owner_name = StringField(_l("业主姓名"), filters=[strip], validators=[Optional(), Length(max=64)])
    owner_phone = StringField(_l("联系电话"), filters=[strip], validators=[Optional(), PHONE])

    def fill(self, buildings=None) -> None:
        self.building_id.choices = [(b.id, b.name) for b in buildings or []]


class ImportForm(Form):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要导入的文件。"))])

    def validate_file(self, field):
        name = (field.data.filename or "").lower() if field.data else ""
        if not name.endswith(".xlsx"):
            raise ValidationError(_l("请上传 .xlsx 格式的 Excel 文件。"))


class MemberForm(Form):
    phone = StringField(_l("居民手机号"), filters=[strip], validators=[DataRequired(REQUIRED), PHONE])
    relation = SelectField(_l("关系"), choices=[("owner", _l("业主")), ("family", _l("家庭成员")), ("tenant", _l("租户"))])


class ContractForm(ContextChoices, Form):
    context_names = ("companies",)
    company_id = SelectField(_l("物业企业"), coerce=coerce_id, validators=[DataRequired(REQUIRED)])
    start_date = DateField(_l("开始日期"), validators=[DataRequired(_l("请输入正确的日期。"))])
    end_date = DateField(_l("结束日期"), validators=[DataRequired(_l("请输入正确的日期。"))])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), Length(max=500)])

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))

    def fill(self, companies=None) -> None:
        self.company_id.choices = id_choices(companies or [])


class OrganisationForm(Form):
    kind = SelectField(_l("组织类型"), validators=[DataRequired(REQUIRED)])
    name = StringField(_l("名称"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)])
    community_id = SelectField(_l("所属社区"), coerce=coerce_id, validators=[Optional()])
    compound_id = SelectField(_l("所属小区"), coerce=coerce_id, validators=[Optional()])
    parent_id = SelectField(_l("所在组织（党支部建在哪个组织）"), coerce=coerce_id, validators=[Optional()])
    contact_phone = StringField(_l("联系电话"), filters=[strip], validators=[Optional(), PHONE])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), Length(max=500)])


class PositionForm(ContextChoices, Form):
    """The roles that fit the organisation's kind; for grid workers, the community's compounds as grids.
    Both are checked again by the service, which gives its own message (hence no choice validation)."""

    context_names = ("roles", "grids")
    person = StringField(_l("人员（手机号或用户名）"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=64)])
    role = SelectField(_l("职责"), validators=[DataRequired(REQUIRED)])
    title = StringField(_l("职务名称（如 书记、委员、项目经理）"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=50)])
    compound_id = SelectField(_l("负责网格（仅网格员）"), coerce=coerce_id, validators=[Optional()])
    start_date = DateField(_l("任职开始日期"), validators=[DataRequired(_l("请输入正确的日期。"))])

    def fill(self, roles=None, grids=None) -> None:
        self.role.choices = list(roles or [])
        self.role.validate_choice = False
        self.compound_id.choices = choices_with_blank(id_choices(grids or []))
        self.compound_id.validate_choice = False


class EndPositionForm(Form):
    end_date = DateField(_l("结束日期"), validators=[DataRequired(_l("请输入正确的日期。"))])


class PersonForm(Form):
    name = StringField(_l("姓名"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=64)])
    phone = StringField(_l("手机号"), filters=[strip], validators=[Optional(), PHONE])
    username = StringField(_l("用户名"), filters=[strip], validators=[
        Optional(), Length(min=3, max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和横线。")),
    ])
    is_party_member = BooleanField(_l("中共党员"))

    def validate(self, extra_validators=None):
        """Field validators skip an empty optional field, so the either-or rule is checked here."""
        ok = super().validate(extra_validators)
        if not self.phone.data and not self.username.data:
            self.phone.errors = [*self.phone.errors, _l("手机号和用户名至少填写一项，用于登录。")]
            return False
        return ok


class NewPersonForm(PersonForm):
    password = StringField(_l("初始密码"), validators=[DataRequired(REQUIRED)])


class ResetPasswordForm(Form):
    password = StringField(_l("新的临时密码"), validators=[DataRequired(REQUIRED)])


def digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")
