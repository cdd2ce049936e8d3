"""The spreadsheet of a campaign's results: the aggregates the page shows, and the anonymous answers.

Built from the same Results object as the page, so the two cannot disagree. Answers are listed only
for compounds with at least K_MIN answers, without any key, sorted by their values (row order says
nothing about who answered when); a free-text column is blank where its question has fewer than
K_MIN texts.
"""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs.models import Compound
from portal.surveys.labels import DIMENSION_LABELS
from portal.surveys.models import K_MIN, TARGET, Answer, AnswerItem, QuestionKind
from portal.surveys.results import Results


def workbook(result: Results) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("汇总")
    sheet.append([_("测评"), result.campaign.title])
    sheet.append([_("应答户数"), result.households])
    sheet.append([_("参与户数"), result.participants])
    sheet.append([_("参与率(%)"), result.response_rate])
    sheet.append([_("有效答卷"), None if result.hidden else result.valid])
    sheet.append([_("满意率(%)"), result.satisfaction])
    sheet.append([_("目标(%)"), TARGET])
    sheet.append([])
    sheet.append([_("题目"), _("服务维度"), _("作答数"), _("平均分"), _("分布")])
    for qr in result.questions:
        q = qr.question
        if qr.hidden:
            sheet.append([q.text, _dimension(q), _("不足%(k)s份，不显示", k=K_MIN)])
            continue
        if q.kind == QuestionKind.RATING:
            spread = " ".join(f"{r}:{qr.counts[r]}" for r in range(1, 6))
        elif q.kind in QuestionKind.CHOICE:
            spread = " ".join(f"{q.options[i]}:{n}" for i, n in qr.counts.items())
        else:
            spread = ""
        sheet.append([q.text, _dimension(q), qr.answers, qr.mean, spread])
    _answers_sheet(book, result)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _dimension(q) -> str:
    return str(DIMENSION_LABELS[q.dimension]) if q.dimension else ""


def _answers_sheet(book, result: Results) -> None:
    sheet = book.create_sheet(_("匿名答卷"))
    questions = result.campaign.survey.questions
    sheet.append([_("小区"), *[q.text for q in questions]])
    if result.hidden:
        return
    counts = dict(db.session.execute(select(Answer.compound_id, func.count()).where(
        Answer.campaign_id == result.campaign.id, Answer.compound_id.in_(result.compound_ids))
        .group_by(Answer.compound_id)).all())
    shown = [cid for cid, n in counts.items() if n >= K_MIN]
    text_ok = {qr.question.id for qr in result.questions if not qr.hidden}
    names = dict(db.session.execute(select(Compound.id, Compound.name).where(Compound.id.in_(shown))).all())
    answers: dict[str, tuple[int, dict]] = {}
    for answer_id, compound_id, question_id, option, rating, text in db.session.execute(
        select(Answer.id, Answer.compound_id, AnswerItem.question_id, AnswerItem.option, AnswerItem.rating,
               AnswerItem.text).join(AnswerItem, AnswerItem.answer_id == Answer.id)
        .where(Answer.campaign_id == result.campaign.id, Answer.compound_id.in_(shown))):
        values = answers.setdefault(answer_id, (compound_id, {}))[1]
        values.setdefault(question_id, []).append(rating if rating is not None else text if text is not None else option)
    rows = []
    for compound_id, values in answers.values():
        row = [names[compound_id]]
        for q in questions:
            got = values.get(q.id, [])
            if q.kind in QuestionKind.CHOICE:
                row.append("、".join(q.options[i] for i in sorted(got)))
            elif q.kind in QuestionKind.TEXT:
                row.append(got[0] if got and q.id in text_ok else "")
            else:
                row.append(got[0] if got else None)
        rows.append(row)
    for row in sorted(rows, key=lambda r: [str(v) for v in r]):
        sheet.append(row)
