"""What the screens call each code, in the user's language."""

from flask_babel import lazy_gettext as _l

from portal.repairs.models import Kind, Status

CATEGORY_LABELS = {
    "water_power": _l("水电"), "heating": _l("供暖"), "sewer": _l("下水道"), "elevator": _l("电梯"),
    "access": _l("门禁"), "parking": _l("停车"), "charging": _l("充电桩"), "sanitation": _l("环境卫生"),
    "greening": _l("绿化"), "road": _l("路面"), "noise": _l("噪音"), "neighbour": _l("邻里纠纷"), "other": _l("其他"),
}
KIND_LABELS = {
    Kind.HOUSEHOLD: _l("个事（物业办理）"), Kind.COMMUNITY: _l("社事（社区协商）"),
    Kind.DEPARTMENT: _l("专事（部门办理）"), Kind.HARD: _l("难事（街道会商）"),
}
STATUS_LABELS = {
    Status.SUBMITTED: _l("待派单"), Status.ASSIGNED: _l("待接单"), Status.IN_PROGRESS: _l("处理中"),
    Status.ON_HOLD: _l("已挂起"), Status.RESOLVED: _l("待评价"), Status.CLOSED: _l("已关闭"),
}
URGENCY_LABELS = {"normal": _l("一般"), "urgent": _l("紧急"), "emergency": _l("特急")}
CHANNEL_LABELS = {"online": _l("居民线上"), "phone": _l("电话"), "walk_in": _l("来访"), "patrol": _l("巡查发现")}
LEVEL_LABELS = {0: _l("物业"), 1: _l("社区"), 2: _l("街道")}
ACTION_LABELS = {
    "filed": _l("提交诉求"), "triaged": _l("确认类型"), "department": _l("转交部门"), "assigned": _l("派单"),
    "transferred": _l("转单"), "accepted": _l("接单"), "returned": _l("退单"), "held": _l("挂起"),
    "resumed": _l("恢复处理"), "resolved": _l("办结"), "evaluated": _l("评价"), "reopened": _l("不满意，重办"),
    "escalated": _l("升级"), "overdue": _l("超时"), "auto_closed": _l("超过7天未评价，自动关闭"),
    "return_visit": _l("回访"),
}
