"""The meetings module's notification texts (keys are stored: rename only with a data migration).

`when` is stored as an ISO datetime and worded in the reader's language and Asia/Shanghai time.
"""

from datetime import datetime

from flask_babel import format_datetime

from portal.core.translations import lazy_gettext as _l
from portal.notifications import register_formatters, register_messages

MESSAGES = {
    "meetings.invited": _l("您受邀参加会议“%(title)s”：%(when)s，%(place)s。"),
    "meetings.rescheduled": _l("会议“%(title)s”改期为 %(when)s，%(place)s。"),
    "meetings.cancelled": _l("会议“%(title)s”（原定 %(when)s）已取消。"),
    "meetings.reminder": _l("提醒：会议“%(title)s”将于 %(when)s 在%(place)s召开。"),
    "meetings.to_confirm": _l("会议“%(title)s”的纪要（第%(number)s版）请您确认。"),
    "meetings.correction_asked": _l("会议“%(title)s”的纪要有更正意见，请答复。"),
    "meetings.correction_answered": _l("您对会议“%(title)s”纪要的更正意见已有答复。"),
    "meetings.locked": _l("会议“%(title)s”的纪要已经三方确认。"),
    "meetings.resolution_assigned": _l("会议决议事项由您负责：%(what)s（期限 %(deadline)s）。"),
    "meetings.resolution_overdue": _l("决议事项已超期：%(what)s（期限 %(deadline)s）。"),
    "meetings.resolution_escalated": _l("决议事项超期未办，请督办：%(what)s（期限 %(deadline)s）。"),
    "meetings.resolution_done": _l("决议事项已办结：%(what)s。"),
    "meetings.proposal_new": _l("居民提出了议题“%(title)s”，请答复。"),
    "meetings.proposal_accepted": _l("您提出的议题“%(title)s”已列入会议议程。"),
    "meetings.proposal_declined": _l("您提出的议题“%(title)s”暂不列入议程：%(reason)s"),
}

#: notices that stop being to-dos once acted on
CONFIRM_NOW = ("meetings.to_confirm",)
ANSWER_NOW = ("meetings.correction_asked",)
PROPOSAL_NOW = ("meetings.proposal_new",)


def _when(value: str) -> str:
    return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm")


def register() -> None:
    register_messages(MESSAGES)
    register_formatters("meetings.", {"when": _when})
