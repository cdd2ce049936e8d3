"""Notification texts of the surveys module (keys are stored: rename only with a data migration)."""

from portal.core.translations import lazy_gettext as _l
from portal.notifications import register_messages

MESSAGES = {
    "surveys.launched": _l("物业服务满意度测评「%(title)s」已开始，请您代表本户填写（匿名，每户一份）。"),
    "surveys.published": _l("满意度测评「%(title)s」已结束，本小区的结果已公布。"),
}


def register() -> None:
    register_messages(MESSAGES)
