"""The meetings forms. They check shape only; the services decide what is allowed and name the
field a refusal concerns (the names here match). Times are typed as local (Asia/Shanghai) times."""

from datetime import datetime

from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from portal.core.clock import TZ
from portal.core.forms import Form, int_or_none, strip, too_long
from portal.core.translations import lazy_gettext as _l
from portal.meetings.models import MeetingKind

KIND_LABELS = {MeetingKind.REGULAR: _l("例会"), MeetingKind.AD_HOC: _l("临时会议")}


def local_datetime(value) -> datetime | None:
    """"2026-12-01T19:30" (a datetime-local input) as an aware Asia/Shanghai datetime; junk is None."""
    try:
        parsed = datetime.strptime((value or "").strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return parsed.replace(tzinfo=TZ) if 2000 <= parsed.year <= 2100 else None


class VersionedForm(Form):
    version = HiddenField()

    @property
    def version_number(self) -> int | None:
        return int_or_none(self.version.data)


class MeetingForm(Form):
    #: "c<compound id>" or "m<community id>" (the whole community)
    place_of = SelectField(_l("范围"), validate_choice=False)
    title = StringField(_l("会议名称"), filters=[strip], validators=[too_long(100)])
    kind = RadioField(_l("会议类型"), choices=[(k, KIND_LABELS[k]) for k in MeetingKind], default=MeetingKind.REGULAR,
                      validate_choice=False)
    starts_at = StringField(_l("开始时间"), render_kw={"type": "datetime-local"})
    ends_at = StringField(_l("结束时间"), render_kw={"type": "datetime-local"})
    place = StringField(_l("地点"), filters=[strip], validators=[too_long(100)])
    reminders = StringField(_l("提前提醒（分钟，逗号分隔）"), default="1440,60", filters=[strip], validators=[too_long(60)])
    invite = SelectMultipleField(_l("1+3 参会单位人员"), validate_choice=False)
    x_ids = SelectMultipleField(_l("X：其他参会人员"), coerce=int_or_none, validate_choice=False)


class RescheduleForm(VersionedForm):
    starts_at = StringField(_l("开始时间"), render_kw={"type": "datetime-local"})
    ends_at = StringField(_l("结束时间"), render_kw={"type": "datetime-local"})
    place = StringField(_l("地点"), filters=[strip], validators=[too_long(100)])


class CancelForm(VersionedForm):
    reason = StringField(_l("取消原因"), filters=[strip], validators=[too_long(200)])


class AgendaForm(Form):
    #: "" (free text) or "<kind>:<id>" from the sources offered
    source = SelectField(_l("来源"), validate_choice=False)
    title = StringField(_l("议题"), filters=[strip], validators=[too_long(100)])
    description = TextAreaField(_l("说明"), filters=[strip], validators=[too_long(2000)])
    expected_minutes = StringField(_l("预计时长（分钟）"), default="15", render_kw={"inputmode": "numeric"})


class SignInForm(Form):
    code = StringField(_l("签到码"), filters=[strip], render_kw={"inputmode": "numeric", "autocomplete": "off"})


class AnswerForm(Form):
    number = HiddenField()
    answer = RadioField(_l("您的意见"), choices=[("confirmed", _l("确认无误")), ("correction", _l("需要更正"))],
                        default="confirmed", validate_choice=False)
    comment = TextAreaField(_l("更正意见"), filters=[strip], validators=[too_long(1000)])


class ReplyForm(Form):
    reply = TextAreaField(_l("答复"), filters=[strip], validators=[too_long(1000)])


class ResolutionForm(Form):
    what = StringField(_l("决议事项"), filters=[strip], validators=[too_long(200)])
    item_id = SelectField(_l("对应议题"), coerce=int_or_none, validate_choice=False)
    responsible = SelectField(_l("负责单位和负责人"), validate_choice=False)
    deadline = StringField(_l("完成期限"), render_kw={"type": "date"})


class UpdateForm(VersionedForm):
    note = TextAreaField(_l("进展情况"), filters=[strip], validators=[too_long(1000)])


class CompleteForm(VersionedForm):
    evidence = TextAreaField(_l("办结情况"), filters=[strip], validators=[too_long(2000)])
    resolve_source = RadioField(_l("同时办结来源诉求"), choices=[("1", _l("是，诉求已解决")), ("0", _l("否，只记录结果"))],
                                default="0", validate_choice=False)


class ProposalForm(Form):
    compound_id = SelectField(_l("小区"), coerce=int_or_none, validate_choice=False)
    title = StringField(_l("议题"), filters=[strip], validators=[too_long(100)])
    description = TextAreaField(_l("说明"), filters=[strip], validators=[too_long(2000)])


class AcceptForm(Form):
    meeting_id = SelectField(_l("列入哪次会议"), coerce=int_or_none, validate_choice=False)


class DeclineForm(Form):
    reason = StringField(_l("暂不列入的理由（居民会看到）"), filters=[strip], validators=[too_long(200)])


class StageForm(Form):
    month = HiddenField()
    stage = HiddenField()
    community_id = HiddenField()
