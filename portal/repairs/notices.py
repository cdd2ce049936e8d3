"""The repairs module's notification texts, worded when read in the reader's language.

Keys are stored in the database: rename one only together with a data migration.
"""

from portal.core.translations import lazy_gettext as _l
from portal.notifications import register_formatters, register_messages
from portal.repairs.labels import CATEGORY_LABELS, KIND_LABELS

MESSAGES = {
    # to whoever must act now: which request, what and where in a few words
    "repairs.filed": _l("新诉求 %(no)s（%(category)s）：%(summary)s，请派单。"),
    "repairs.returned": _l("诉求 %(no)s 被处理人退回（%(summary)s），请重新派单。"),
    "repairs.reclassified": _l("诉求 %(no)s 已确认为%(kind)s，请您派单。"),
    "repairs.assigned": _l("您有一条新派单：%(no)s（%(category)s）%(summary)s"),
    "repairs.escalated_unsatisfied": _l("诉求 %(no)s（%(category)s）两次评价不满意，已升级由您处理：%(summary)s"),
    "repairs.reopened": _l("诉求 %(no)s（%(category)s）居民不满意，已退回重办：%(summary)s"),
    "repairs.overdue_escalated": _l("诉求 %(no)s（%(category)s）已超时，已升级至社区督办：%(summary)s"),
    "repairs.overdue": _l("诉求 %(no)s（%(category)s）已超时，请尽快处理：%(summary)s"),
    # to the resident, about their own request
    "repairs.accepted": _l("您的%(category)s诉求 %(no)s 已受理，正在处理。"),
    "repairs.resolved": _l("您的%(category)s诉求 %(no)s 已处理完毕，请评价。"),
    "repairs.closed": _l("您的%(category)s诉求 %(no)s 已关闭，感谢评价。"),
    "repairs.auto_closed": _l("您的%(category)s诉求 %(no)s 7天未评价，已自动关闭。"),
}


#: requests, for the notifications that stop being to-dos once they are acted on (services.settle)
DISPATCH_NOW = ("repairs.filed", "repairs.returned", "repairs.reclassified", "repairs.escalated_unsatisfied",
                "repairs.overdue")
ACCEPT_NOW = ("repairs.assigned", "repairs.reopened")
RATE_NOW = ("repairs.resolved",)


def register() -> None:
    register_messages(MESSAGES)
    register_formatters("repairs.", {"category": lambda code: CATEGORY_LABELS[code],
                                     "kind": lambda code: KIND_LABELS[code]})
