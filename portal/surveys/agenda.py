"""Acting on results (issue 8 item 7): a dimension below target becomes a topic of the joint meeting.

Registers the "survey" agenda source with portal.meetings (which never imports this module). One source
record is one dimension of one compound in one closed campaign; since an agenda item links its source by a
single integer, that triple is packed into `source_id` as

    source_id = CampaignCompound.id * 10 + position of the dimension in Dimension.ALL (0–7)

(`pack`/`unpack`), so describe() needs no table of its own and no migration.

Who may act: those who run the campaign for that compound — the community party secretary and the owners'
committee members (surveys' launchers) and the community workers (who print codes and key paper forms) —
once the campaign has closed (final figures). It is the same set the meetings module tells about
proposals, minus compound branch secretaries who convene and can put the topic on an agenda themselves
(the agenda page offers the same dimensions as candidates).

Once only: a dimension is refused while a topic filed for it waits for the convener or once it is on any
meeting's agenda (a topic the convener declined may be filed again). The check runs with the campaign's
compound row locked, so two clicks at once file one topic. Figures are those of `results.below_target`,
which returns nothing under k = 5, so a hidden breakdown can never be put on an agenda.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.permissions import scope_of
from portal.surveys.labels import DIMENSION_LABELS
from portal.surveys.models import (
    K_MIN,
    TARGET,
    Answer,
    AnswerItem,
    Campaign,
    CampaignCompound,
    Dimension,
    Question,
)
from portal.surveys.permissions import LAUNCH_ROLES, WORKER_ROLES, campaign_compound_ids
from portal.surveys.results import below_target

KIND = "survey"
ACT_ROLES = LAUNCH_ROLES | WORKER_ROLES


def pack(scope_id: int, dimension: str) -> int:
    return scope_id * 10 + Dimension.ALL.index(dimension)


def unpack(source_id: int) -> tuple[int, str] | None:
    scope_id, index = divmod(int(source_id), 10)
    return (scope_id, Dimension.ALL[index]) if index < len(Dimension.ALL) else None


def results_url(scope: CampaignCompound) -> str:
    return f"/surveys/campaigns/{scope.campaign_id}/results?compound={scope.compound_id}"


def describe(source_id: int):
    """(campaign · compound · dimension, the compound's results page), or None."""
    unpacked = unpack(source_id)
    scope = db.session.get(CampaignCompound, unpacked[0]) if unpacked else None
    if scope is None:
        return None
    return (f"{scope.campaign.title} · {scope.compound.name} · {DIMENSION_LABELS[unpacked[1]]}", results_url(scope))


def describe_many(source_ids) -> dict[int, tuple[str, str]]:
    """`describe` for many dimensions: their campaigns' compounds read in one query."""
    from sqlalchemy.orm import joinedload

    unpacked = {sid: unpack(sid) for sid in source_ids}
    wanted = {found[0] for found in unpacked.values() if found}
    scopes = {scope.id: scope for scope in db.session.scalars(
        select(CampaignCompound).where(CampaignCompound.id.in_(wanted))
        .options(joinedload(CampaignCompound.campaign), joinedload(CampaignCompound.compound)))} if wanted else {}
    return {sid: (f"{scopes[found[0]].campaign.title} · {scopes[found[0]].compound.name} · {DIMENSION_LABELS[found[1]]}",
                  results_url(scopes[found[0]]))
            for sid, found in unpacked.items() if found and found[0] in scopes}


def _figures_words(campaign_title: str, compound_name: str, dimension: str, share: float) -> str:
    return _("%(campaign)s · %(compound)s：%(dimension)s 满意率 %(share)s%%（目标 %(target)s%%）",
             campaign=campaign_title, compound=compound_name, dimension=DIMENSION_LABELS[dimension],
             share=f"{share:g}", target=TARGET)


def taken(source_ids) -> set[int]:
    """Which of these dimensions already wait for a convener or sit on an agenda (one query)."""
    from portal.meetings.services import sources_taken

    return sources_taken(KIND, source_ids)


def candidates(meeting) -> list[tuple[int, str]]:
    """Dimensions below target in the closed campaigns of the meeting's compound (a community meeting: of
    its community's compounds), each shown from K_MIN answers on, not yet filed: one grouped query."""
    from portal.orgs.models import Compound

    where = [Campaign.community_id == meeting.community_id, Campaign.is_closed(), Question.dimension.is_not(None),
             AnswerItem.rating.is_not(None)]
    if meeting.compound_id is not None:
        where.append(Answer.compound_id == meeting.compound_id)
    rows = db.session.execute(
        select(CampaignCompound.id, Campaign.title, Compound.name, Question.dimension, func.count(),
               func.count().filter(AnswerItem.rating >= 4))
        .select_from(AnswerItem).join(Answer, Answer.id == AnswerItem.answer_id)
        .join(Question, Question.id == AnswerItem.question_id).join(Campaign, Campaign.id == Answer.campaign_id)
        .join(CampaignCompound, (CampaignCompound.campaign_id == Answer.campaign_id)
              & (CampaignCompound.compound_id == Answer.compound_id))
        .join(Compound, Compound.id == Answer.compound_id)
        .where(*where)
        .group_by(CampaignCompound.id, Campaign.title, Compound.name, Question.dimension, Campaign.closes_at)
        .order_by(Campaign.closes_at.desc(), CampaignCompound.id, Question.dimension)).all()
    found = {}
    for scope_id, title, compound, dimension, n, good in rows:
        share = round(100 * good / n, 1)
        if n >= K_MIN and share < TARGET:
            found.setdefault(pack(scope_id, dimension), _figures_words(title, compound, dimension, share))
    done = taken(found)
    return [(sid, words) for sid, words in found.items() if sid not in done]


def register() -> None:
    from portal.meetings.sources import register_agenda_source

    register_agenda_source(KIND, label=_l("满意度测评"), describe=describe, candidates=candidates,
                           describe_many=describe_many)


# --- the results page ----------------------------------------------------------------------------------

def actor_compound_ids(user, campaign: Campaign) -> set[int]:
    """Compounds of the campaign for which the user may ever act on results (else 403)."""
    return campaign_compound_ids(campaign) & scope_of(user).compounds_with(ACT_ROLES)


def act_compound_ids(user, campaign: Campaign) -> set[int]:
    """Compounds of this closed campaign whose low dimensions the user may put on a meeting now."""
    return actor_compound_ids(user, campaign) if campaign.is_closed() else set()


def _scope(campaign: Campaign, compound_id: int) -> CampaignCompound | None:
    return next((s for s in campaign.scopes if s.compound_id == compound_id), None)


def panel(user, campaign: Campaign, compound_id: int | None) -> dict | None:
    """For one compound's results: its dimensions below target, each with the meetings it is on, or
    whether a topic waits, or the button (when the user may act). None when there is nothing to show."""
    from portal.meetings.permissions import may_view
    from portal.meetings.services import agenda_entries_of, open_proposals

    scope = _scope(campaign, compound_id) if compound_id else None
    if scope is None or not campaign.is_closed():
        return None
    rows = below_target(campaign, compound_id)
    if not rows:
        return None
    ids = [pack(scope.id, row["dimension"]) for row in rows]
    waiting = {p.source_id for p in open_proposals(KIND, ids)}
    entries = agenda_entries_of(KIND, ids)
    viewable: dict[int, bool] = {}
    for row, sid in zip(rows, ids, strict=True):
        row["label"] = DIMENSION_LABELS[row["dimension"]]
        row["waiting"] = sid in waiting
        row["meetings"] = []
        for meeting, _item in entries.get(sid, []):
            if meeting.id not in viewable:
                viewable[meeting.id] = may_view(user, meeting)
            row["meetings"].append((_("已列入会议议程：%(meeting)s", meeting=_meeting_words(meeting)),
                                    f"/meetings/{meeting.id}" if viewable[meeting.id] else None))
    return {"rows": rows, "compound_id": compound_id, "may_act": compound_id in act_compound_ids(user, campaign)}


def _meeting_words(meeting) -> str:
    from flask_babel import format_date

    from portal.meetings.services import local

    return f"{meeting.title}（{format_date(local(meeting.starts_at).date(), 'yyyy-MM-dd')}）"


def propose(campaign: Campaign, compound_id: int | None, dimension: str | None, *, by):
    """One click: a topic for the compound's next joint meeting, with the figures (once per dimension)."""
    from portal.meetings.services import propose_topic

    if not campaign.is_closed():
        raise RuleError(_l("测评结束后才能把结果提交到联席会议。"), "dimension")
    if compound_id not in actor_compound_ids(by, campaign):
        raise RuleError(_l("您不能为这个小区提交议题。"), "dimension")
    scope = _scope(campaign, compound_id)
    # lock the campaign's compound row while the once-only rule is checked (a no-op UPDATE: a row lock on
    # PostgreSQL, the write lock on SQLite, which ignores SELECT … FOR UPDATE)
    table = CampaignCompound.__table__
    db.session.execute(update(table).where(table.c.id == scope.id).values(households=table.c.households))
    row = next((r for r in below_target(campaign, compound_id) if r["dimension"] == dimension), None)
    if row is None:
        raise RuleError(_l("这个维度没有低于目标（或答卷不足 %(k)s 份不显示），不能提交。", k=K_MIN), "dimension")
    source_id = pack(scope.id, dimension)
    if source_id in taken([source_id]):
        raise RuleError(_l("这个维度已经提交到联席会议，请勿重复提交。"), "dimension")
    label = DIMENSION_LABELS[dimension]
    title = _("满意度测评：%(dimension)s 满意率 %(share)s%%（目标 %(target)s%%）", dimension=label,
              share=f"{row['satisfaction']:g}", target=TARGET)
    description = _("%(campaign)s，%(compound)s。%(question)s：有效作答 %(n)s 份，平均分 %(mean)s（满分 5 分），"
                    "满意率（评 4–5 分的比例）%(share)s%%，目标 %(target)s%%。结果页：%(url)s",
                    campaign=campaign.title, compound=scope.compound.name, question=row["question"], n=row["answers"],
                    mean=row["mean"], share=f"{row['satisfaction']:g}", target=TARGET, url=results_url(scope))
    return propose_topic(scope.compound, by=by, title=title[:100], description=description, source_kind=KIND,
                         source_id=source_id, check_resident=False)
