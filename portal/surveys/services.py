"""The survey workflow: templates and copies, campaigns (launch, close), household codes, and the one
submission every channel goes through.

Campaign steps are declared once in STEPS (who may ever → 403, what must hold now → the refusal
message); the views and the page ask the same table. A submission writes the participation (household,
channel) and the anonymous answer in one transaction; the unique (campaign, household) pair refuses a
second answer by any channel, also when twenty arrive at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.clock import TZ, aware, now_utc, today
from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.notifications.services import notify
from portal.orgs.models import Building, Compound, Household, HouseholdMember
from portal.orgs.services import current_contracts
from portal.surveys import template
from portal.surveys.models import (
    Answer,
    AnswerItem,
    Campaign,
    CampaignCompound,
    Channel,
    HouseholdCode,
    Participation,
    Question,
    QuestionKind,
    Survey,
)
from portal.surveys.permissions import launch_compound_ids, may_key_paper, may_launch_in, may_print_codes

ALREADY = _l("这户已经参加过本次测评，每户只能提交一份答卷。")
NOT_OPEN = _l("本次测评不在开放时间内。")
LOCKED = _l("这份问卷已有答卷，不能再修改题目。请复制一份再修改。")
BUILTIN = _l("标准模板不能直接修改，请先复制到本社区。")
BAD_CODE = _l("入户码不正确、已使用或已作废，请核对纸上的入户码。")
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper without mistakes
CODE_LENGTH = 10


# --- surveys ----------------------------------------------------------------------------------------

def standard_template() -> Survey:
    """The built-in template, written on first use (see portal.surveys.template for why not a migration)."""
    found = db.session.scalar(select(Survey).where(Survey.builtin == "standard"))
    if found is not None:
        return found
    survey = Survey(builtin="standard", name=template.NAME, description=template.DESCRIPTION)
    survey.questions = [Question(**row) for row in template.questions()]
    try:
        with db.session.begin_nested():
            db.session.add(survey)
    except IntegrityError:  # another request created it at the same moment
        return db.session.scalar(select(Survey).where(Survey.builtin == "standard"))
    return survey


def has_answers(survey: Survey) -> bool:
    return db.session.scalar(select(exists().where(
        Answer.campaign_id == Campaign.id, Campaign.survey_id == survey.id))) or False


def copy_survey(survey: Survey, *, community_id: int, by, name: str | None = None) -> Survey:
    """A community's own copy, questions and all; the copy has no answers, so it can be edited."""
    copy = Survey(community_id=community_id, name=(name or survey.name)[:100], description=survey.description,
                  copied_from_id=survey.id, created_by_id=by.id)
    copy.questions = [Question(section=q.section, section_position=q.section_position, position=q.position,
                               kind=q.kind, text=q.text, required=q.required, dimension=q.dimension,
                               options=list(q.options) if q.options else None) for q in survey.questions]
    db.session.add(copy)
    db.session.flush()
    return copy


def check_editable(survey: Survey) -> None:
    if survey.community_id is None:
        raise RuleError(BUILTIN)
    if has_answers(survey):
        raise RuleError(LOCKED)


def save_question(survey: Survey, question: Question | None, *, kind: str, text: str, section: str,
                  section_position: int, position: int, required: bool, dimension: str | None,
                  options: list[str]) -> Question:
    """Add or change a question; refused once the survey has answers."""
    check_editable(survey)
    if kind not in QuestionKind.ALL:
        raise RuleError(_l("请选择题型。"), "kind")
    if kind in QuestionKind.CHOICE and len(options) < 2:
        raise RuleError(_l("选择题至少需要两个选项，每行一个。"), "options")
    if len(set(options)) != len(options):
        raise RuleError(_l("选项不能重复。"), "options")
    if dimension and kind != QuestionKind.RATING:
        raise RuleError(_l("只有评分题可以计入服务维度。"), "dimension")
    if dimension and any(q.dimension == dimension and q is not question for q in survey.questions):
        raise RuleError(_l("这个服务维度已经有一道题了。"), "dimension")
    if question is None:
        question = Question(survey=survey)
        db.session.add(question)
    question.kind, question.text, question.section = kind, text, section
    question.section_position, question.position, question.required = section_position, position, required
    question.dimension = dimension or None
    question.options = options if kind in QuestionKind.CHOICE else None
    db.session.flush()
    return question


def delete_question(survey: Survey, question: Question) -> None:
    check_editable(survey)
    db.session.delete(question)
    db.session.flush()


# --- campaign steps, declared once ----------------------------------------------------------------

Who = Callable[[object, Campaign], bool]


@dataclass(frozen=True)
class Step:
    name: str
    states: tuple[str, ...]  #: campaign states (scheduled, open, closed) the step may be taken in
    ever: Who  #: no: 403
    message: object  #: the refusal when the campaign is in another state

    def allowed(self, user, campaign: Campaign, now: datetime | None = None) -> bool:
        return self.ever(user, campaign) and campaign.state(now) in self.states

    def check(self, user, campaign: Campaign, now: datetime | None = None) -> None:
        if not self.ever(user, campaign):
            raise RuleError(_l("您没有权限执行此操作。"))
        if campaign.state(now) not in self.states:
            raise RuleError(self.message)


STEPS: dict[str, Step] = {step.name: step for step in (
    Step("close", ("scheduled", "open"), may_launch_in, _l("本次测评已经结束。")),
    Step("codes", ("scheduled", "open"), may_print_codes, _l("本次测评已经结束，不能再发放入户码。")),
    Step("paper", ("open",), may_key_paper, NOT_OPEN),
)}


def may_ever(step: str, user, campaign: Campaign) -> bool:
    return STEPS[step].ever(user, campaign)


def offered_steps(user, campaign: Campaign, now: datetime | None = None) -> list[str]:
    return [name for name, step in STEPS.items() if step.allowed(user, campaign, now)]


# --- campaigns --------------------------------------------------------------------------------------

def launch_campaign(*, by, survey: Survey | None, compound_ids: list[int], title: str, opens_at: datetime,
                    closes_at: datetime, now: datetime | None = None) -> Campaign:
    """Open a campaign over compounds of one community; residents of those compounds are told."""
    now = now or now_utc()
    opens_at, closes_at = opens_at.astimezone(UTC), closes_at.astimezone(UTC)  # stored as UTC (SQLite keeps no zone)
    if survey is None:
        raise RuleError(_l("请选择问卷。"), "survey_id")
    if not compound_ids:
        raise RuleError(_l("请至少选择一个小区。"), "compound_ids")
    allowed = launch_compound_ids(by)
    if set(compound_ids) - allowed:
        raise RuleError(_l("所选小区不在您可以发起测评的范围内。"), "compound_ids")
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(compound_ids))).all()
    communities = {c.community_id for c in compounds}
    if len(communities) != 1:
        raise RuleError(_l("一次测评只能覆盖同一个社区的小区。"), "compound_ids")
    if closes_at <= opens_at:
        raise RuleError(_l("结束时间必须晚于开始时间。"), "closes_at")
    if closes_at <= now:
        raise RuleError(_l("结束时间已经过去。"), "closes_at")
    if survey.community_id not in (None, *communities):
        raise RuleError(_l("请选择本社区的问卷或标准模板。"), "survey_id")
    if not survey.questions:
        raise RuleError(_l("这份问卷还没有题目。"), "survey_id")
    campaign = Campaign(survey=survey, community_id=communities.pop(), title=title, opens_at=opens_at,
                        closes_at=closes_at, created_by_id=by.id)
    db.session.add(campaign)
    contracts = current_contracts(compound_ids, today())
    counts = dict(db.session.execute(
        select(Building.compound_id, func.count(Household.id)).join(Household, Household.building_id == Building.id)
        .where(Building.compound_id.in_(compound_ids)).group_by(Building.compound_id)).all())
    for compound in sorted(compounds, key=lambda c: c.name):
        contract = contracts.get(compound.id)
        db.session.add(CampaignCompound(campaign=campaign, compound_id=compound.id,
                                        company_id=contract.company_id if contract else None,
                                        households=counts.get(compound.id, 0)))
    db.session.flush()
    _notify_residents(campaign, compound_ids)
    return campaign


def _residents(compound_ids) -> list[int]:
    return db.session.scalars(
        select(HouseholdMember.user_id).join(Household, Household.id == HouseholdMember.household_id)
        .join(Building, Building.id == Household.building_id).where(Building.compound_id.in_(compound_ids))
        .distinct().order_by(HouseholdMember.user_id)).all()


def _notify_residents(campaign: Campaign, compound_ids) -> None:
    link = f"/surveys/campaigns/{campaign.id}/answer"
    for user_id in _residents(compound_ids):
        notify(user_id, "surveys.launched", link=link, title=campaign.title)


def announce_results(now: datetime | None = None) -> int:
    """Tell the residents of each campaign that has closed (by hand or by its end time) that their
    compound's results are published; each campaign once. A periodic task, and part of closing."""
    now = now or now_utc()
    campaigns = db.session.scalars(select(Campaign).where(
        Campaign.is_closed(now), Campaign.results_announced_at.is_(None)).order_by(Campaign.id)).all()
    for campaign in campaigns:
        campaign.results_announced_at = now
        link = f"/surveys/campaigns/{campaign.id}/results"
        for user_id in _residents([s.compound_id for s in campaign.scopes]):
            notify(user_id, "surveys.published", link=link, title=campaign.title)
    db.session.flush()
    return len(campaigns)


def close_campaign(campaign: Campaign, *, by, now: datetime | None = None) -> None:
    """Close now (before its planned end): the results become final and residents may see them."""
    now = now or now_utc()
    STEPS["close"].check(by, campaign, now)
    campaign.closes_at = now
    if aware(campaign.opens_at) >= now:  # closed before it ever opened
        campaign.opens_at = now - timedelta(seconds=1)
    db.session.flush()
    announce_results(now)


# --- household codes ----------------------------------------------------------------------------------

def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_LENGTH * 2]


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def show_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def new_code() -> str:
    """Random, derived from nothing (31^10 ≈ 8·10^14 values)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_code(campaign: Campaign, household: Household, *, by, now: datetime | None = None) -> str:
    """A fresh code for the household; the live one, if any, dies. Returns the code (stored only hashed)."""
    now = now or now_utc()
    STEPS["codes"].check(by, campaign, now)
    if household.building.compound_id not in {s.compound_id for s in campaign.scopes}:
        raise RuleError(_l("这户不在本次测评的范围内。"))
    if answered(campaign, household.id):
        raise RuleError(ALREADY)
    db.session.execute(update(HouseholdCode).where(
        HouseholdCode.campaign_id == campaign.id, HouseholdCode.household_id == household.id,
        HouseholdCode.used_at.is_(None), HouseholdCode.revoked_at.is_(None)).values(revoked_at=now))
    code = new_code()
    db.session.add(HouseholdCode(campaign_id=campaign.id, household_id=household.id, code_hash=hash_code(code),
                                 issued_at=now, issued_by_id=by.id))
    db.session.flush()
    return code


def issue_sheet(campaign: Campaign, building: Building, *, by, now: datetime | None = None) -> list[tuple]:
    """(household, code) for every household of the building that has not answered; earlier codes die."""
    done = set(db.session.scalars(select(Participation.household_id).where(Participation.campaign_id == campaign.id)))
    households = sorted((h for h in building.households if h.id not in done), key=lambda h: (h.unit, h.room))
    return [(household, issue_code(campaign, household, by=by, now=now)) for household in households]


def find_code(code: str, now: datetime | None = None) -> HouseholdCode:
    """The live code typed or scanned, in an open campaign; else one message for every failure (a guess
    learns nothing about which part was wrong)."""
    if len(normalise_code(code)) != CODE_LENGTH:
        raise RuleError(BAD_CODE, "code")
    row = db.session.scalar(select(HouseholdCode).where(HouseholdCode.code_hash == hash_code(code)))
    if row is None or row.used_at is not None or row.revoked_at is not None:
        raise RuleError(BAD_CODE, "code")
    campaign = db.session.get(Campaign, row.campaign_id)
    if not campaign.is_open(now):
        raise RuleError(_l("本次测评不在开放时间内，入户码无法使用。"), "code")
    return row


# --- answering ------------------------------------------------------------------------------------------

def answered(campaign: Campaign, household_id: int) -> bool:
    return db.session.scalar(select(exists().where(
        Participation.campaign_id == campaign.id, Participation.household_id == household_id))) or False


def answerable_households(user, campaign: Campaign) -> list[Household]:
    """The user's own households inside the campaign's scope."""
    from portal.orgs.permissions import scope_of

    ids = scope_of(user).household_ids
    if not ids:
        return []
    compounds = {s.compound_id for s in campaign.scopes}
    return [h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)).order_by(Household.id))
            if h.building.compound_id in compounds]


def parse_answers(questions: list[Question], form) -> tuple[dict[int, object], dict[int, str]]:
    """What was typed, checked against the questions: (values by question id, errors by question id)."""
    values: dict[int, object] = {}
    errors: dict[int, str] = {}
    for q in questions:
        name = f"q{q.id}"
        if q.kind == QuestionKind.MULTIPLE:
            raw = [v for v in form.getlist(name) if v != ""]
        else:
            raw = (form.get(name) or "").strip()
        if not raw:
            if q.required:
                errors[q.id] = str(_l("此题必答。"))
            continue
        value, error = _parse_one(q, raw)
        if error:
            errors[q.id] = str(error)
        else:
            values[q.id] = value
    return values, errors


def _parse_one(q: Question, raw):
    if q.kind == QuestionKind.RATING:
        return (int(raw), None) if raw in ("1", "2", "3", "4", "5") else (None, _l("评分只能是 1 到 5 分。"))
    if q.kind in QuestionKind.CHOICE:
        picked = raw if isinstance(raw, list) else [raw]
        indexes = [int(v) for v in picked if v.isascii() and v.isdigit() and int(v) < len(q.options or [])]
        if len(indexes) != len(picked) or len(set(indexes)) != len(indexes):
            return None, _l("所选项不在本题的选项中。")
        return sorted(indexes), None
    limit = 100 if q.kind == QuestionKind.SHORT_TEXT else 1000
    if len(raw) > limit:
        return None, _l("最多 %(max)d 个字。", max=limit)
    return raw, None


def submit(campaign: Campaign, household: Household, values: dict[int, object], *, channel: str,
           keyed_by=None, code: HouseholdCode | None = None, now: datetime | None = None) -> None:
    """Record one household's answer: participation and anonymous answer in one transaction.

    The participation row is written and flushed first: a second one for the household (any channel,
    also one committing at this very moment) breaks the unique key, and nothing of this answer is kept."""
    now = now or now_utc()
    if not campaign.is_open(now):
        raise RuleError(NOT_OPEN)
    if channel == Channel.PAPER and not may_key_paper(keyed_by, campaign):
        raise RuleError(_l("只有社区工作者可以录入纸质答卷。"))
    scope = next((s for s in campaign.scopes if s.compound_id == household.building.compound_id), None)
    if scope is None:
        raise RuleError(_l("这户不在本次测评的范围内。"))
    _check_complete(campaign, values)
    try:
        with db.session.begin_nested():
            db.session.add(Participation(
                campaign_id=campaign.id, household_id=household.id, channel=channel,
                keyed_by_id=keyed_by.id if channel == Channel.PAPER else None,
                keyed_on=now.astimezone(TZ).date() if channel == Channel.PAPER else None))
            db.session.flush()
    except IntegrityError:
        raise RuleError(ALREADY) from None
    if code is not None:
        used = db.session.execute(update(HouseholdCode).where(
            HouseholdCode.id == code.id, HouseholdCode.used_at.is_(None), HouseholdCode.revoked_at.is_(None))
            .values(used_at=now)).rowcount
        if used != 1:
            raise RuleError(BAD_CODE, "code")
    else:  # answered another way: any live code of the household dies with it
        db.session.execute(update(HouseholdCode).where(
            HouseholdCode.campaign_id == campaign.id, HouseholdCode.household_id == household.id,
            HouseholdCode.used_at.is_(None), HouseholdCode.revoked_at.is_(None)).values(revoked_at=now))
    answer = Answer(campaign_id=campaign.id, compound_id=scope.compound_id)
    db.session.add(answer)
    db.session.flush()
    db.session.add_all(_items(answer.id, campaign, values))
    db.session.flush()


def _check_complete(campaign: Campaign, values: dict) -> None:
    for q in campaign.survey.questions:
        if q.required and q.id not in values:
            raise RuleError(_l("此题必答。"), f"q{q.id}")


def _items(answer_id: str, campaign: Campaign, values: dict) -> list[AnswerItem]:
    by_id = {q.id: q for q in campaign.survey.questions}
    items = []
    for question_id, value in values.items():
        q = by_id.get(question_id)
        if q is None:
            continue
        if q.kind == QuestionKind.RATING:
            items.append(AnswerItem(answer_id=answer_id, question_id=q.id, option=0, rating=int(value)))
        elif q.kind in QuestionKind.CHOICE:
            items.extend(AnswerItem(answer_id=answer_id, question_id=q.id, option=i) for i in value)
        else:
            items.append(AnswerItem(answer_id=answer_id, question_id=q.id, option=0, text=str(value)))
    return items


def reorder_after_close() -> None:
    """PostgreSQL stores new rows in the order they come (ctid): rewrite the anonymous tables in the order
    of their random keys, so the physical order no longer follows the order of participation. SQLite
    needs nothing: those tables are WITHOUT ROWID, stored in key order from the start."""
    if db.engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    with db.engine.begin() as conn:
        for table in ("survey_participation", "survey_answer", "survey_answer_item"):
            conn.execute(text(f"CLUSTER {table} USING pk_{table}"))
