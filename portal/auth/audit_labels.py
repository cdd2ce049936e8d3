"""The words a street administrator reads in the audit log for accounts and logins."""

from portal.core.audit import register_audit_labels
from portal.core.translations import lazy_gettext as _l

ACTIONS = {
    "login": _l("登录"), "login.failed": _l("登录失败"), "reauth.failed": _l("再次验证密码失败"),
    "password.changed": _l("修改密码"), "account.enabled": _l("启用账号"), "account.disabled": _l("停用账号"),
}
TARGETS = {"User": _l("账号"), "-": _l("无")}


def register() -> None:
    register_audit_labels(ACTIONS, TARGETS)
