"""The repairs module's notification texts, worded when read in the reader's language.

Keys are stored in the database: rename one only together with a data migration.
"""

from flask_babel import lazy_gettext as _l

from portal.notifications import register_messages

MESSAGES = {
    "repairs.assigned": _l("您有一条新派单：%(no)s"),
    "repairs.accepted": _l("您的诉求 %(no)s 已受理，正在处理。"),
    "repairs.resolved": _l("您的诉求 %(no)s 已处理完毕，请评价。"),
    "repairs.closed": _l("您的诉求 %(no)s 已关闭，感谢评价。"),
    "repairs.escalated_unsatisfied": _l("诉求 %(no)s 两次评价不满意，已升级由您处理。"),
    "repairs.reopened": _l("诉求 %(no)s 居民不满意，已退回重办。"),
    "repairs.overdue_escalated": _l("诉求 %(no)s 已超时，已升级至社区督办。"),
    "repairs.overdue": _l("诉求 %(no)s 已超时，请尽快处理。"),
    "repairs.auto_closed": _l("您的诉求 %(no)s 7天未评价，已自动关闭。"),
}


def register() -> None:
    register_messages(MESSAGES)
