from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.passwords import password_problem
from portal.core.forms import Form
from portal.core.translations import lazy_gettext as _l


class LoginForm(Form):
    login = StringField(_l("手机号或用户名"), validators=[DataRequired(_l("请输入手机号或用户名。")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=128)])


class ReauthForm(Form):
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=128)])


class ChangePasswordForm(Form):
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。"))])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的密码不一致。"))],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_new_password(self, field):
        problem = password_problem(field.data or "", user=self._user)
        if problem:
            raise ValidationError(problem)
