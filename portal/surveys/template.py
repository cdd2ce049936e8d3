"""The standard property-service survey (物业服务满意度测评) shipped with the portal.

It lives here, in code, and is written to the database on first use (`services.standard_template`),
not by a migration: a data row added by a migration would be missing from every database emptied and
rebuilt without it (the tests empty their tables), while this is created wherever it is first needed,
exactly once (the `builtin` column is unique). The texts are data a community edits in its copy, so
they are stored in Chinese as residents read them.
"""

from portal.surveys.models import Dimension, QuestionKind

NAME = "物业服务满意度测评（标准模板）"
DESCRIPTION = "请根据您家近一个季度的感受评价物业服务：1分很不满意，5分很满意。答卷匿名，结果只按小区汇总。"
RATINGS_SECTION = "服务评价"
OPINION_SECTION = "意见建议"

#: (dimension, question)
DIMENSIONS = (
    (Dimension.SECURITY, "治安防控（门岗、巡逻、监控）"),
    (Dimension.CLEANING, "卫生保洁（楼道、垃圾清运）"),
    (Dimension.REPAIR, "设施维修（报修响应、维修质量）"),
    (Dimension.ORDER, "秩序与停车（车辆管理、消防通道）"),
    (Dimension.GREENING, "绿化养护"),
    (Dimension.ATTITUDE, "服务态度"),
    (Dimension.FEES, "收费公开（收费标准、公共收益公示）"),
    (Dimension.OVERALL, "总体满意度"),
)
MOST_WANTED = ("环境卫生", "停车秩序", "维修及时", "安全防范", "绿化", "收费透明")


def questions() -> list[dict]:
    """The template's questions as keyword arguments for Question."""
    rows = [dict(section=RATINGS_SECTION, section_position=0, position=n, kind=QuestionKind.RATING, text=text,
                 required=True, dimension=dimension) for n, (dimension, text) in enumerate(DIMENSIONS)]
    rows.append(dict(section=OPINION_SECTION, section_position=1, position=0, kind=QuestionKind.MULTIPLE,
                     text="您最希望物业改进的方面（可多选）", required=False, options=list(MOST_WANTED)))
    rows.append(dict(section=OPINION_SECTION, section_position=1, position=1, kind=QuestionKind.LONG_TEXT,
                     text="其他意见和建议", required=False))
    return rows
