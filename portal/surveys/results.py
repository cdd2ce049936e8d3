"""Results of a campaign, aggregated in SQL, with the k = 5 rule applied before anything leaves here.

满意率 = share of overall ratings of 4 or 5 among valid answers (those that rated the overall question).
A breakdown — a compound, a question, the free texts of a question, a row of an export — with fewer than
K_MIN answers is returned as hidden: its numbers are not computed for the page at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs.models import Compound, Organisation
from portal.surveys.models import (
    K_MIN,
    TARGET,
    Answer,
    AnswerItem,
    Campaign,
    CampaignCompound,
    Dimension,
    Participation,
    Question,
    QuestionKind,
)


@dataclass
class QuestionResult:
    question: Question
    answers: int  #: answers that answered this question
    hidden: bool
    counts: dict[int, int] = field(default_factory=dict)  #: rating (1–5) or option index → answers
    mean: float | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def satisfied_share(self) -> float | None:
        """Share of ratings of 4 or 5 (%): the dimension's own 满意率, compared with TARGET."""
        if self.hidden or self.question.kind != QuestionKind.RATING or not self.answers:
            return None
        return round(100 * (self.counts[4] + self.counts[5]) / self.answers, 1)


@dataclass
class Results:
    campaign: Campaign
    compound_ids: list[int]
    households: int
    participants: int
    answers: int
    hidden: bool  #: fewer than K_MIN answers: nothing but the response rate is shown
    satisfied: int = 0
    valid: int = 0
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.participants / self.households, 1) if self.households else None

    @property
    def satisfaction(self) -> float | None:
        return round(100 * self.satisfied / self.valid, 1) if self.valid and not self.hidden else None

    @property
    def below_target(self) -> bool:
        return self.satisfaction is not None and self.satisfaction < TARGET

    @property
    def dimensions(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.question.dimension and not q.hidden]


def participants_by_compound(campaign_ids) -> dict[tuple[int, int], int]:
    """(campaign, compound) → households that took part (one grouped query)."""
    from portal.orgs.models import Building, Household

    rows = db.session.execute(
        select(Participation.campaign_id, Building.compound_id, func.count())
        .join(Household, Household.id == Participation.household_id).join(Building, Building.id == Household.building_id)
        .where(Participation.campaign_id.in_(list(campaign_ids))).group_by(Participation.campaign_id, Building.compound_id)
    ).all()
    return {(campaign, compound): n for campaign, compound, n in rows}


def campaign_results(campaign: Campaign, compound_ids: list[int] | None = None) -> Results:
    """The campaign's results over `compound_ids` (default: all of its compounds)."""
    scopes = [s for s in campaign.scopes if compound_ids is None or s.compound_id in compound_ids]
    ids = [s.compound_id for s in scopes]
    took_part = participants_by_compound([campaign.id])
    where = (Answer.campaign_id == campaign.id, Answer.compound_id.in_(ids))
    answers = db.session.scalar(select(func.count()).select_from(Answer).where(*where)) or 0
    result = Results(campaign, ids, sum(s.households for s in scopes),
                     sum(took_part.get((campaign.id, i), 0) for i in ids), answers, answers < K_MIN)
    if result.hidden:
        return result
    per_question = dict(db.session.execute(
        select(AnswerItem.question_id, func.count(AnswerItem.answer_id.distinct()))
        .join(Answer, Answer.id == AnswerItem.answer_id).where(*where).group_by(AnswerItem.question_id)).all())
    counts: dict[int, dict[int, int]] = {}
    for question_id, rating, option, n in db.session.execute(
        select(AnswerItem.question_id, AnswerItem.rating, AnswerItem.option, func.count())
        .join(Answer, Answer.id == AnswerItem.answer_id).where(*where, AnswerItem.text.is_(None))
        .group_by(AnswerItem.question_id, AnswerItem.rating, AnswerItem.option)):
        counts.setdefault(question_id, {})[rating if rating is not None else option] = n
    texts: dict[int, list[str]] = {}
    for question_id, value in db.session.execute(
        select(AnswerItem.question_id, AnswerItem.text).join(Answer, Answer.id == AnswerItem.answer_id)
        .where(*where, AnswerItem.text.is_not(None)).order_by(AnswerItem.question_id, AnswerItem.text)):
        texts.setdefault(question_id, []).append(value)
    for q in campaign.survey.questions:
        n = per_question.get(q.id, 0)
        qr = QuestionResult(q, n, n < K_MIN)
        if not qr.hidden:
            qr.counts = counts.get(q.id, {})
            if q.kind == QuestionKind.RATING:
                qr.counts = {r: qr.counts.get(r, 0) for r in range(1, 6)}
                qr.mean = round(sum(r * c for r, c in qr.counts.items()) / n, 2)
                if q.dimension == Dimension.OVERALL:
                    result.valid, result.satisfied = n, qr.counts[4] + qr.counts[5]
            elif q.kind in QuestionKind.CHOICE:
                qr.counts = {i: qr.counts.get(i, 0) for i in range(len(q.options or []))}
            else:
                qr.texts = texts.get(q.id, [])
        result.questions.append(qr)
    return result


def below_target(campaign: Campaign, compound_id: int) -> list[dict]:
    """For the lead's "put on the joint meeting's agenda" button: the dimensions of this compound whose
    share of 4–5 ratings is below TARGET, with their figures (empty when hidden by k = 5)."""
    result = campaign_results(campaign, [compound_id])
    rows = []
    for qr in result.dimensions:
        share = qr.satisfied_share
        if share < TARGET:
            rows.append({"dimension": qr.question.dimension, "question": qr.question.text, "answers": qr.answers,
                         "mean": qr.mean, "satisfaction": share, "target": TARGET})
    return rows


# --- satisfaction rows for comparisons, trends and rankings -----------------------------------------------

@dataclass
class Row:
    campaign_id: int
    compound_id: int
    company_id: int | None
    answers: int
    satisfied: int

    @property
    def hidden(self) -> bool:
        return self.answers < K_MIN

    @property
    def satisfaction(self) -> float | None:
        return None if self.hidden else round(100 * self.satisfied / self.answers, 1)


def _overall(*conditions):
    """Answers and ratings of 4 or 5 to the overall question, per (campaign, compound), for the
    campaign-compounds matching `conditions` (those the caller joins it to): the answers are narrowed by
    campaign and by compound first, so the cost follows the rows asked for, not every answer ever given."""
    chosen = (select(CampaignCompound.campaign_id).join(Campaign, Campaign.id == CampaignCompound.campaign_id)
              .where(*conditions))
    return (select(Answer.campaign_id, Answer.compound_id, func.count().label("n"),
                   func.count().filter(AnswerItem.rating >= 4).label("good"))
            .join(AnswerItem, AnswerItem.answer_id == Answer.id).join(Question, Question.id == AnswerItem.question_id)
            .where(Question.dimension == Dimension.OVERALL, Answer.campaign_id.in_(chosen),
                   Answer.compound_id.in_(chosen.with_only_columns(CampaignCompound.compound_id)))
            .group_by(Answer.campaign_id, Answer.compound_id).subquery())


def overall_counts(campaign_id, compound_id) -> tuple:
    """_overall's two figures (answers to the overall question, and those rated 4 or 5) for one
    campaign-compound, as correlated scalar subqueries to put beside its row in a larger statement."""
    def counted(*extra):
        return (select(func.count()).select_from(Answer)
                .join(AnswerItem, AnswerItem.answer_id == Answer.id).join(Question, Question.id == AnswerItem.question_id)
                .where(Question.dimension == Dimension.OVERALL, Answer.campaign_id == campaign_id,
                       Answer.compound_id == compound_id, *extra).scalar_subquery())
    return counted().label("answers"), counted(AnswerItem.rating >= 4).label("good")


def participants_of(campaign_id, compound_id):
    """participants_by_compound for one campaign-compound, as a correlated scalar subquery."""
    from portal.orgs.models import Building, Household

    return (select(func.count()).select_from(Participation)
            .join(Household, Household.id == Participation.household_id).join(Building, Building.id == Household.building_id)
            .where(Participation.campaign_id == campaign_id, Building.compound_id == compound_id)
            .scalar_subquery().label("took_part"))


def satisfaction_rows(*conditions) -> list[Row]:
    """满意率 per (campaign, compound) for the campaign-compounds matching `conditions`, in one query."""
    overall = _overall(*conditions)
    rows = db.session.execute(
        select(CampaignCompound.campaign_id, CampaignCompound.compound_id, CampaignCompound.company_id,
               func.coalesce(overall.c.n, 0), func.coalesce(overall.c.good, 0))
        .join(Campaign, Campaign.id == CampaignCompound.campaign_id)
        .outerjoin(overall, (overall.c.campaign_id == CampaignCompound.campaign_id)
                   & (overall.c.compound_id == CampaignCompound.compound_id))
        .where(*conditions).order_by(Campaign.opens_at, CampaignCompound.id)).all()
    return [Row(*row) for row in rows]


def _below_target(*conditions):
    """The campaign-compounds matching `conditions` whose 满意率 is below TARGET, unordered.

    Row.satisfaction is round(100 * good / n, 1) for n >= K_MIN; it is below a whole TARGET exactly when
    100 * good / n < TARGET - 0.05, that is 2000 * good < (20 * TARGET - 1) * n, compared in integers
    (a quotient of small integers never lands on the rounding edge's other side)."""
    overall = _overall(*conditions)
    return (select(CampaignCompound.campaign_id)
            .join(Campaign, Campaign.id == CampaignCompound.campaign_id)
            .join(overall, (overall.c.campaign_id == CampaignCompound.campaign_id)
                  & (overall.c.compound_id == CampaignCompound.compound_id))
            .where(*conditions, overall.c.n >= K_MIN, 2000 * overall.c.good < (20 * TARGET - 1) * overall.c.n))


def below_target_rows(*conditions):
    """The campaign ids of the rows `satisfaction_rows(*conditions)` would give with a 满意率 below
    TARGET, in the same order (_below_target)."""
    return _below_target(*conditions).order_by(Campaign.opens_at, CampaignCompound.id)


def below_target_count_and_first(*conditions) -> tuple:
    """How many rows `below_target_rows(*conditions)` gives, and the campaign id of its first, as two
    scalar subqueries of a larger statement that read one CTE: the aggregate behind them is computed
    once (SQLite and PostgreSQL materialise a CTE read twice). The CTE carries the ordering columns, so
    "first" is ordered explicitly, as below_target_rows orders."""
    rows = _below_target(*conditions).add_columns(Campaign.opens_at.label("opens_at"),
                                                  CampaignCompound.id.label("row_id")).cte("below_target")
    count = select(func.count()).select_from(rows).scalar_subquery()
    first = select(rows.c.campaign_id).order_by(rows.c.opens_at, rows.c.row_id).limit(1).scalar_subquery()
    return count, first


def pooled(rows: list[Row]) -> tuple[int, float | None]:
    """Several rows pooled (a company over its compounds): answers, and 满意率 if at least K_MIN."""
    answers = sum(r.answers for r in rows)
    satisfied = sum(r.satisfied for r in rows)
    return answers, (round(100 * satisfied / answers, 1) if answers >= K_MIN else None)


def compare(campaign: Campaign, compound_ids) -> tuple[list[tuple], list[tuple]]:
    """(compound id, name, answers, 满意率) and (company name, answers, 满意率) for one campaign, over the
    compounds given (those the reader is staff of)."""
    rows = satisfaction_rows(CampaignCompound.campaign_id == campaign.id,
                             CampaignCompound.compound_id.in_(list(compound_ids)))
    names = _names(Compound, {r.compound_id for r in rows})
    companies = _names(Organisation, {r.company_id for r in rows if r.company_id})
    compounds = [(r.compound_id, names[r.compound_id], r.answers, r.satisfaction) for r in rows]
    by_company: dict[int, list[Row]] = {}
    for r in rows:
        if r.company_id:
            by_company.setdefault(r.company_id, []).append(r)
    return compounds, [(companies[cid], *pooled(group)) for cid, group in sorted(by_company.items())]


def trend(compound_id: int, campaign_ids=None) -> list[tuple]:
    """(campaign title, month it opened, answers, 满意率) over the compound's closed campaigns, oldest first."""
    from portal.core.clock import now_utc

    conditions = [CampaignCompound.compound_id == compound_id, Campaign.is_closed(now_utc())]
    if campaign_ids is not None:
        conditions.append(CampaignCompound.campaign_id.in_(list(campaign_ids)))
    rows = satisfaction_rows(*conditions)
    titles = _names(Campaign, {r.campaign_id for r in rows}, "title")
    months = opening_months({r.campaign_id for r in rows})
    return [(titles[r.campaign_id], months[r.campaign_id], r.answers, r.satisfaction) for r in rows]


def opening_months(campaign_ids) -> dict[int, str]:
    """campaign id → the local month it opened ("2026-03"): a short label for a chart's axis."""
    from portal.core.clock import TZ, aware

    if not campaign_ids:
        return {}
    rows = db.session.execute(select(Campaign.id, Campaign.opens_at).where(Campaign.id.in_(list(campaign_ids))))
    return {cid: aware(opened).astimezone(TZ).strftime("%Y-%m") for cid, opened in rows}


def _names(model, ids, column: str = "name") -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())


# --- pooled over an area and a period: the dashboards' figures -------------------------------------------

@dataclass
class Summary:
    """Campaign-compounds pooled (an area over a period): response rate and 满意率 as the results pages
    compute them — households at launch, households that took part, overall ratings of 4–5 among valid
    answers, 满意率 hidden below K_MIN answers."""

    rows: list[Row]
    households_of: dict[tuple[int, int], int]  #: (campaign, compound) → households at launch
    took_part: dict[tuple[int, int], int]  #: (campaign, compound) → households that took part

    @property
    def campaigns(self) -> int:
        return len({r.campaign_id for r in self.rows})

    @property
    def households(self) -> int:
        return sum(self.households_of.get((r.campaign_id, r.compound_id), 0) for r in self.rows)

    @property
    def participants(self) -> int:
        return sum(self.took_part.get((r.campaign_id, r.compound_id), 0) for r in self.rows)

    @property
    def answers(self) -> int:
        return sum(r.answers for r in self.rows)

    @property
    def satisfied(self) -> int:
        return sum(r.satisfied for r in self.rows)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.participants / self.households, 1) if self.households else None

    @property
    def satisfaction(self) -> float | None:
        return pooled(self.rows)[1]

    def part(self, compound_id: int | None = None, company_id: int | None = None) -> Summary:
        """The rows of one compound or one company, pooled the same way."""
        rows = [r for r in self.rows if (compound_id is None or r.compound_id == compound_id)
                and (company_id is None or r.company_id == company_id)]
        return Summary(rows, self.households_of, self.took_part)


def summary(*conditions) -> Summary:
    """The campaign-compounds matching `conditions` (on CampaignCompound joined to Campaign), pooled:
    three queries whatever their number."""
    rows = satisfaction_rows(*conditions)
    households = {(c, p): n for c, p, n in db.session.execute(
        select(CampaignCompound.campaign_id, CampaignCompound.compound_id, CampaignCompound.households)
        .join(Campaign, Campaign.id == CampaignCompound.campaign_id).where(*conditions))}
    took_part = participants_by_compound({r.campaign_id for r in rows}) if rows else {}
    return Summary(rows, households, took_part)
