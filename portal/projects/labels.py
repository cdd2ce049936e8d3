"""Words for the module's codes, in the reader's language."""

from flask_babel import lazy_gettext as _l

WISH_STATUS_LABELS = {
    "open": _l("待认领"),
    "claimed": _l("已认领"),
    "fulfilled": _l("待确认"),
    "confirmed": _l("已完成"),
    "withdrawn": _l("已撤回"),
}
WISH_CATEGORY_LABELS = {
    "daily": _l("生活用品"),
    "study": _l("学习用品"),
    "health": _l("就医陪护"),
    "repair": _l("小修小补"),
    "company": _l("陪伴关爱"),
    "other": _l("其他"),
}
CLAIMANT_LABELS = {"party_member": _l("在职党员"), "unit": _l("驻区单位")}
EVENT_LABELS = {
    "posted": _l("发布心愿"),
    "claimed": _l("认领"),
    "released": _l("放弃认领"),
    "fulfilled": _l("登记完成"),
    "confirmed": _l("确认完成"),
    "withdrawn": _l("撤回"),
    "raised": _l("14天无人认领，已提请社区协调"),
}
