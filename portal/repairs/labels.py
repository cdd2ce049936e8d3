"""What the screens call each code, in the user's language: one entry per enum member
(tests/core/test_enums.py checks that none is missing)."""

from flask_babel import lazy_pgettext

from portal.core.translations import lazy_gettext as _l
from portal.repairs.models import Category, Channel, Kind, Level, Status, Urgency

CATEGORY_LABELS = {
    Category.WATER_POWER: _l("水电"), Category.HEATING: _l("供暖"), Category.SEWER: _l("下水道"),
    Category.ELEVATOR: _l("电梯"), Category.ACCESS: _l("门禁"), Category.PARKING: _l("停车"),
    Category.CHARGING: _l("充电桩"), Category.SANITATION: _l("环境卫生"), Category.GREENING: _l("绿化"),
    Category.ROAD: _l("路面"), Category.NOISE: _l("噪音"), Category.NEIGHBOUR: _l("邻里纠纷"), Category.OTHER: _l("其他"),
}
KIND_LABELS = {
    Kind.HOUSEHOLD: _l("个事（物业办理）"), Kind.COMMUNITY: _l("社事（社区协商）"),
    Kind.DEPARTMENT: _l("专事（部门办理）"), Kind.HARD: _l("难事（街道会商）"),
}
STATUS_LABELS = {
    Status.SUBMITTED: _l("待派单"), Status.ASSIGNED: _l("待接单"), Status.IN_PROGRESS: _l("处理中"),
    Status.ON_HOLD: _l("已挂起"), Status.RESOLVED: _l("待评价"), Status.CLOSED: _l("已关闭"),
}
URGENCY_LABELS = {Urgency.NORMAL: _l("一般"), Urgency.URGENT: _l("紧急"), Urgency.EMERGENCY: _l("特急")}
CHANNEL_LABELS = {
    Channel.ONLINE: _l("居民线上"), Channel.PHONE: _l("电话"), Channel.WALK_IN: _l("来访"), Channel.PATROL: _l("巡查发现"),
}
# A context: "社区" alone is also the menu's "Communities".
LEVEL_LABELS = {Level.PROPERTY: lazy_pgettext("level", "物业"), Level.COMMUNITY: lazy_pgettext("level", "社区"),
                Level.STREET: lazy_pgettext("level", "街道")}
#: who answers for a request now, in the words a resident uses
WHO_LABELS = {Level.PROPERTY: _l("物业服务中心"), Level.COMMUNITY: _l("社区居委会"), Level.STREET: _l("街道办事处")}
# Timeline actions are not an enumeration (yet): keyed by the code RequestEvent.action stores.
ACTION_LABELS = {
    "filed": _l("提交诉求"), "triaged": _l("确认类型"), "department": _l("转交部门"), "assigned": _l("派单"),
    "transferred": _l("转单"), "accepted": _l("接单"), "returned": _l("退单"), "held": _l("挂起"),
    "resumed": _l("恢复处理"), "resolved": _l("办结"), "evaluated": _l("评价"), "reopened": _l("不满意，重办"),
    "escalated": _l("升级"), "overdue": _l("超时"), "auto_closed": _l("超过7天未评价，自动关闭"),
    "return_visit": _l("回访"),
    "agenda": _l("列入会议议题"), "outcome": _l("会议决议办理结果"),
}
