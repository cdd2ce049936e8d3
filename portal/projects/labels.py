"""Words for the module's codes, in the reader's language."""

from portal.core.translations import lazy_gettext as _l

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
PROJECT_STATUS_LABELS = {
    "proposed": _l("已提出"),
    "approved": _l("已立项"),
    "in_progress": _l("实施中"),
    "completed": _l("已完成，待评价"),
    "evaluated": _l("已评价"),
    "cancelled": _l("已取消"),
}
STEP_LABELS = {
    "approve": _l("批准立项"),
    "start": _l("开始实施"),
    "complete": _l("项目完成"),
    "close": _l("结束评价"),
    "cancel": _l("取消项目"),
}
TIMING_LABELS = {"on_time": _l("按时"), "late": _l("逾期完成"), "overdue": _l("已逾期"), "pending": _l("进行中")}
TIMING_TAGS = {"on_time": "tag-ok", "late": "tag-warn", "overdue": "tag-bad", "pending": ""}
PROJECT_EVENT_LABELS = {
    "proposed": _l("提出项目"),
    "approve": _l("批准立项"),
    "start": _l("开始实施"),
    "complete": _l("项目完成"),
    "close": _l("结束评价"),
    "cancel": _l("取消项目"),
    "milestone_added": _l("添加流程环节"),
    "milestone_done": _l("环节完成"),
    "deadline_moved": _l("完成时限延后"),
    "update": _l("进展"),
    "evaluated": _l("居民评价"),
    "agenda": _l("列入联席会议议程"),
    "meeting_outcome": _l("联席会议决议办结"),
}
DEMAND_SOURCE_LABELS = {
    "resident": _l("居民"),
    "compound": _l("小区"),
    "owners_committee": _l("业委会"),
    "joint_meeting": _l("联席会议"),
    "survey": _l("问卷结果"),
}
DEMAND_CATEGORY_LABELS = {
    "environment": _l("环境设施"),
    "elderly": _l("为老服务"),
    "children": _l("儿童青少年"),
    "safety": _l("平安建设"),
    "culture": _l("文体活动"),
    "health": _l("医疗健康"),
    "other": _l("其他"),
}
RESOURCE_KIND_LABELS = {
    "venue": _l("场地"),
    "funds": _l("资金"),
    "volunteers": _l("志愿者"),
    "expertise": _l("专业服务"),
    "equipment": _l("设备物资"),
}
