"""Words for the codes, in the reader's language."""

from portal.core.translations import lazy_gettext as _l

KIND_LABELS = {
    "rating": _l("评分（1–5分）"),
    "single": _l("单选"),
    "multiple": _l("多选"),
    "short_text": _l("简答"),
    "long_text": _l("意见（长文本）"),
}
DIMENSION_LABELS = {
    "security": _l("治安防控"),
    "cleaning": _l("卫生保洁"),
    "repair": _l("设施维修"),
    "order": _l("秩序与停车"),
    "greening": _l("绿化"),
    "attitude": _l("服务态度"),
    "fees": _l("收费公开"),
    "overall": _l("总体满意度"),
}
CHANNEL_LABELS = {"online": _l("居民在线"), "code": _l("入户码"), "paper": _l("纸质录入")}
STATE_LABELS = {"scheduled": _l("未开始"), "open": _l("进行中"), "closed": _l("已结束")}
RATING_WORDS = {1: _l("很不满意"), 2: _l("不满意"), 3: _l("一般"), 4: _l("满意"), 5: _l("很满意")}
