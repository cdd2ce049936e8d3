"""The co-construction module's notification texts, worded when read in the reader's language.

Keys are stored in the database: rename one only together with a data migration.
"""

from portal.core.translations import lazy_gettext as _l
from portal.notifications import register_messages

MESSAGES = {
    # to the wisher
    "projects.wish_claimed": _l("您的微心愿 %(no)s“%(title)s”已有人认领。"),
    "projects.wish_fulfilled": _l("您的微心愿 %(no)s“%(title)s”已完成，请确认。"),
    # to community staff
    "projects.wish_fulfilled_staff": _l("代居民发布的微心愿 %(no)s“%(title)s”已完成，请回访后确认。"),
    "projects.wish_unclaimed": _l("微心愿 %(no)s“%(title)s”14天无人认领，请协调。"),
    # to the claimer
    "projects.wish_confirmed": _l("您认领的微心愿 %(no)s“%(title)s”已确认完成，已记入服务记录。"),
    "projects.wish_withdrawn": _l("您认领的微心愿 %(no)s“%(title)s”已被撤回。"),
    # to the residents and owners' committees of the compounds a project concerns
    "projects.project_completed": _l("共建项目 %(no)s“%(title)s”已完成，请您评价。"),
}


def register() -> None:
    register_messages(MESSAGES)
