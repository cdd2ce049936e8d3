"""The filing form (点单). The view fills the choices that depend on who is filing.

Residents see a short form: where (their home or a public area of their compound), category,
description, urgency, photos. Staff filing on a resident's behalf also pick the compound, the
building and room, the channel the request came in by and the contact person.
"""

from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from portal.core.forms import PHONE, Form, int_or_none, strip
from portal.core.translations import lazy_gettext as _l
from portal.repairs.labels import CATEGORY_LABELS, CHANNEL_LABELS, URGENCY_LABELS
from portal.repairs.models import CATEGORIES, CHANNELS, URGENCIES


class FilingForm(Form):
    """What every filer fills in."""

    # "h:<household id>" or "c:<compound id>" (a public area); loaded in the user's scope by the view.
    location = RadioField(_l("报修位置"), validate_choice=False, validators=[InputRequired(_l("请选择报修位置。"))])
    place = StringField(_l("公共区域位置"), filters=[strip], validators=[Length(max=100)])
    category = RadioField(_l("类别"), choices=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
                          validators=[InputRequired(_l("请选择类别。"))])
    description = TextAreaField(_l("问题描述"), filters=[strip], validators=[
        DataRequired(_l("请描述遇到的问题。")), Length(max=1000, message=_l("问题描述最多 1000 字。"))])
    urgency = RadioField(_l("紧急程度"), choices=[(u, URGENCY_LABELS[u]) for u in URGENCIES], default="normal",
                         validators=[InputRequired(_l("请选择紧急程度。"))])
    photos = MultipleFileField(_l("照片（可选，最多 6 张，每张不超过 10 MB）"))

    def is_public(self) -> bool:
        return (self.location.data or "").startswith("c:")

    def validate_place(self, field):
        if self.is_public() and not field.data:
            raise StopValidation(_l("请填写公共区域的位置，如：3号楼电梯、北门。"))


class OnBehalfForm(FilingForm):
    """Staff filing for a resident (phone call, walk-in) or for what they saw on patrol."""

    location = None  # replaced by compound + where + building/room
    compound_id = SelectField(_l("小区"), coerce=int_or_none, validate_choice=False,
                              validators=[DataRequired(_l("请选择小区。"))])
    where = RadioField(_l("报修位置"), choices=[("household", _l("住户家中")), ("public", _l("公共区域"))],
                       default="household", validators=[InputRequired(_l("请选择报修位置。"))])
    building_id = SelectField(_l("楼栋"), coerce=int_or_none, validate_choice=False)
    unit = StringField(_l("单元"), filters=[strip], validators=[Length(max=20)])
    room = StringField(_l("房号"), filters=[strip], validators=[Length(max=20)])
    channel = RadioField(_l("来源渠道"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS], default="phone",
                         validators=[InputRequired(_l("请选择来源渠道。"))])
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[Optional(), Length(max=64)])
    contact_phone = StringField(_l("联系电话"), filters=[strip], validators=[Optional(), PHONE])

    def is_public(self) -> bool:
        return self.where.data == "public"

    def by_phone(self) -> bool:
        """A home given only by the caller's phone: the view looks the household up (if the user may)."""
        phone = self.contact_phone.data or ""
        return (not self.is_public() and not self.building_id.data and not self.room.data
                and PHONE.regex.match(phone) is not None)

    def validate_building_id(self, field):
        if not self.is_public() and not field.data and not self.by_phone():
            raise StopValidation(_l("请选择楼栋。"))

    def validate_room(self, field):
        if not self.is_public() and not field.data and not self.by_phone():
            raise StopValidation(_l("请填写房号。"))
