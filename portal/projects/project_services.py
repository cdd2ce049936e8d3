"""Co-construction projects: creating, milestones, updates, the status steps and the evaluation.

The status steps are declared once in STEPS (proposed → approved → in progress → completed → evaluated,
or cancelled), each with who may ever take it (else 403) and what must hold now, with the message a
refusal shows. Every change is a line of the project's timeline. Nothing here touches `request`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.core.clock import today
from portal.core.errors import Conflict, RuleError
from portal.core.permissions import rule
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.notifications.services import notify
from portal.orgs.models import Building, Compound, HouseholdMember, Organisation, Position, Role
from portal.projects.models import (
    Evaluation,
    Milestone,
    PartyMember,
    Project,
    ProjectEvent,
    ProjectStatus,
    ServiceRecord,
    Unit,
)
from portal.projects.permissions import evaluator_for, is_project_staff, manages_community

STALE = _l("这个项目刚被其他人修改过，已为您显示最新状态。")
WRONG_STATE = _l("项目当前的状态下不能进行这个操作。")
Who = Callable[[object, Project], bool]


@dataclass(frozen=True)
class Step:
    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    ever: Who
    now: tuple[tuple[Who, object], ...] = ()

    def allowed(self, user, project: Project) -> bool:
        return (project.status in self.sources and self.ever(user, project)
                and all(test(user, project) for test, _m in self.now))

    def check(self, user, project: Project, version: int | None) -> str:
        if not self.ever(user, project):
            raise RuleError(_l("您不能修改这个项目。"))
        if version is not None and int(version) != project.version:
            raise Conflict(STALE)
        if project.status not in self.sources:
            raise RuleError(WRONG_STATE)
        for test, message in self.now:
            if not test(user, project):
                raise RuleError(message)
        return project.status


def _weights_positive(user, project) -> bool:
    return bool(project.children) or sum(m.weight for m in project.milestones) > 0


def _all_done(user, project) -> bool:
    return (all(m.done_on is not None for m in project.milestones)
            and all(c.status in (*ProjectStatus.DONE, ProjectStatus.CANCELLED) for c in project.children))


def _has_evaluations(user, project) -> bool:
    return db.session.scalar(select(Evaluation.id).where(Evaluation.project_id == project.id).limit(1)) is not None


S = ProjectStatus
STEPS: dict[str, Step] = {step.name: step for step in (
    Step("approve", (S.PROPOSED,), (S.APPROVED,), is_project_staff),
    Step("start", (S.APPROVED,), (S.IN_PROGRESS,), is_project_staff,
         ((_weights_positive, _l("请先添加流程环节，且权重之和要大于 0。")),)),
    Step("complete", (S.IN_PROGRESS,), (S.COMPLETED,), is_project_staff,
         ((_all_done, _l("还有流程环节或子项目没有完成。")),)),
    Step("close", (S.COMPLETED,), (S.EVALUATED,), is_project_staff,
         ((_has_evaluations, _l("还没有居民评价，暂不能结束评价。")),)),
    Step("cancel", S.RUNNING, (S.CANCELLED,), is_project_staff),
)}

for _step in STEPS.values():
    rule(f"projects.project_{_step.name}")(_step.allowed)


def offered_steps(user, project: Project) -> list[str]:
    return [name for name, step in STEPS.items() if step.allowed(user, project)]


def _event(project: Project, actor, action: str, before: str | None, note: str | None = None) -> ProjectEvent:
    event = ProjectEvent(project=project, actor_id=getattr(actor, "id", None), action=action,
                         from_status=before, to_status=project.status, note=note)
    db.session.add(event)
    return event


def link(project: Project) -> str:
    return f"/projects/{project.id}"


def _text(value: str | None, length: int, field: str, required=None) -> str | None:
    value = (value or "").strip() or None
    if value is None and required is not None:
        raise RuleError(required, field)
    if value is not None and len(value) > length:
        raise RuleError(_l("不能超过 %(n)s 个字。", n=length), field)
    return value


# --- creating ---------------------------------------------------------------------------------------

def create_project(*, by, community_id: int, title: str, content: str, responsible_body: str,
                   responsible_person: str, start_date: date | None, deadline: date | None,
                   compound_ids=(), partner_ids=(), budget: int | None = None, parent: Project | None = None) -> Project:
    """Community staff propose a project for compounds of their community, with partner units."""
    if not manages_community(by, community_id):
        raise RuleError(_l("您不能为这个社区立项。"), "community_id")
    title = _text(title, 100, "title", _l("请填写项目名称。"))
    content = _text(content, 2000, "content", _l("请写明项目内容。"))
    responsible_body = _text(responsible_body, 100, "responsible_body", _l("请填写责任主体。"))
    responsible_person = _text(responsible_person, 64, "responsible_person", _l("请填写责任人。"))
    if start_date is None:
        raise RuleError(_l("请填写开始日期。"), "start_date")
    if deadline is None:
        raise RuleError(_l("请填写完成时限。"), "deadline")
    if deadline < start_date:
        raise RuleError(_l("完成时限不能早于开始日期。"), "deadline")
    if budget is not None and budget < 0:
        raise RuleError(_l("预算不能是负数。"), "budget")
    compounds = list(db.session.scalars(select(Compound).where(Compound.id.in_(list(compound_ids)))))
    if not compounds or any(c.community_id != community_id for c in compounds):
        raise RuleError(_l("请选择本社区中项目涉及的小区。"), "compound_ids")
    partners = list(db.session.scalars(select(Unit).where(Unit.id.in_(list(partner_ids)))))
    if any(u.community_id != community_id for u in partners):
        raise RuleError(_l("合作单位须是本社区的驻区单位。"), "partner_ids")
    if parent is not None and (parent.community_id != community_id or parent.status not in S.RUNNING):
        raise RuleError(_l("上级项目须是本社区尚在进行的项目。"), "parent_id")
    project = Project(community_id=community_id, title=title, content=content, responsible_body=responsible_body,
                      responsible_person=responsible_person, start_date=start_date, deadline=deadline,
                      budget=budget, status=S.PROPOSED, created_by_id=by.id, parent=parent,
                      compounds=compounds, partners=partners)
    db.session.add(project)
    db.session.flush()
    _event(project, by, "proposed", None)
    return project


# --- milestones ----------------------------------------------------------------------------------------

def add_milestone(project: Project, *, by, title: str, due_date: date | None, weight: int | None,
                  move_deadline: bool = False) -> Milestone:
    """A milestone due after the project's deadline is refused with a warning; it is allowed only if the
    deadline moves with it (move_deadline), which the timeline records."""
    if not is_project_staff(by, project):
        raise RuleError(_l("您不能修改这个项目。"))
    if project.status not in S.RUNNING:
        raise RuleError(_l("项目已结束，不能再添加流程环节。"))
    title = _text(title, 100, "title", _l("请填写环节名称。"))
    if due_date is None:
        raise RuleError(_l("请填写到期日期。"), "due_date")
    if weight is None or weight < 0:
        raise RuleError(_l("权重须是 0 或正整数。"), "weight")
    if due_date < project.start_date:
        raise RuleError(_l("到期日期不能早于项目开始日期（%(day)s）。", day=project.start_date.isoformat()), "due_date")
    if due_date > project.deadline:
        if not move_deadline:
            raise RuleError(_l("这个环节晚于项目完成时限（%(day)s）。如确需如此，请勾选“把完成时限延后到这一天”。",
                               day=project.deadline.isoformat()), "due_date")
        old = project.deadline
        project.deadline = due_date
        _event(project, by, "deadline_moved", project.status, f"{old.isoformat()} → {due_date.isoformat()}")
    milestone = Milestone(project=project, title=title, due_date=due_date, weight=weight)
    db.session.add(milestone)
    db.session.flush()
    _event(project, by, "milestone_added", project.status, title)
    return milestone


def complete_milestone(milestone: Milestone, *, by, done_on: date | None = None, member: PartyMember | None = None,
                       unit: Unit | None = None) -> None:
    """Done, on a day not in the future; work by a party member or unit goes into the service record."""
    project = milestone.project
    if not is_project_staff(by, project):
        raise RuleError(_l("您不能修改这个项目。"))
    if project.status != S.IN_PROGRESS:
        raise RuleError(_l("项目实施中才能登记环节完成。"))
    if milestone.done_on is not None:
        raise RuleError(_l("这个环节已经完成了。"))
    done_on = done_on or today()
    if done_on > today():
        raise RuleError(_l("完成日期不能晚于今天。"), "done_on")
    if member is not None and member.compound.community_id != project.community_id:
        raise RuleError(_l("请选择本社区报到的党员。"), "member_id")
    if unit is not None and unit.community_id != project.community_id:
        raise RuleError(_l("请选择本社区的驻区单位。"), "unit_id")
    milestone.done_on = done_on
    milestone.done_by_member_id = member.id if member else None
    milestone.done_by_unit_id = unit.id if unit else None
    _event(project, by, "milestone_done", project.status, milestone.title)
    if member is not None or unit is not None:
        db.session.add(ServiceRecord(
            community_id=project.community_id, done_on=done_on, claimant_kind="unit" if unit else "party_member",
            party_member_id=member.id if member and not unit else None, unit_id=unit.id if unit else None,
            summary=f"{project.title}：{milestone.title}"[:200], milestone_id=milestone.id))


def add_update(project: Project, *, by, note: str) -> ProjectEvent:
    if not is_project_staff(by, project):
        raise RuleError(_l("您不能修改这个项目。"))
    note = _text(note, 2000, "note", _l("请写下进展情况。"))
    return _event(project, by, "update", project.status, note)


def note_from_meeting(project: Project, *, by, action: str, note: str) -> ProjectEvent:
    """Write what a joint meeting did about this project on its timeline (`action`: "agenda" when it is put
    on a meeting's agenda, "meeting_outcome" when a resolution about it is done). Called by the meetings
    agenda source (portal.projects.agenda) in the meeting's transaction; whoever completed the resolution
    need not be project staff, so there is no staff check here."""
    if action not in ("agenda", "meeting_outcome"):
        raise ValueError(f"unknown timeline action {action!r}")
    return _event(project, by, action, project.status, _text(note, 2000, "note", _l("请写下进展情况。")))


# --- status steps ---------------------------------------------------------------------------------------

def take_step(project: Project, step: str, *, by, version: int | None = None, reason: str | None = None) -> None:
    if step not in STEPS:
        raise RuleError(WRONG_STATE)
    before = STEPS[step].check(by, project, version)
    note = None
    if step == "cancel":
        note = _text(reason, 500, "reason", _l("取消项目时请说明理由。"))
    project.status = STEPS[step].targets[0]
    if step == "complete":
        project.completed_on = today()
        _ask_for_evaluations(project)
    _event(project, by, step, before, note)


def _ask_for_evaluations(project: Project) -> None:
    """The residents of the compounds concerned and their owners' committees are asked to evaluate."""
    compound_ids = [c.id for c in project.compounds]
    with db.session.no_autoflush:
        residents = set(db.session.scalars(
            select(HouseholdMember.user_id).join(HouseholdMember.household).join(Building)
            .where(Building.compound_id.in_(compound_ids))))
        committee = set(db.session.scalars(
            select(Position.user_id).join(Organisation, Organisation.id == Position.organisation_id)
            .where(Position.role == Role.OWNERS_COMMITTEE, Position.is_open(today()),
                   Organisation.compound_id.in_(compound_ids))))
    for user_id in residents | committee:
        notify(user_id, "projects.project_completed", link=link(project), no=project.id, title=project.title)


# --- evaluation ---------------------------------------------------------------------------------------

def evaluate(project: Project, *, by, rating: int | None, comment: str | None = None) -> Evaluation:
    """1–5 with a comment, once per household (or owners' committee) of the compounds concerned."""
    if project.status != S.COMPLETED:
        raise RuleError(_l("项目完成后才能评价。"))
    who = evaluator_for(by, project)
    if who is None:
        raise RuleError(_l("只有项目所在小区的居民和业委会可以评价。"))
    if rating not in (1, 2, 3, 4, 5):
        raise RuleError(_l("请选择 1 到 5 星。"), "rating")
    comment = _text(comment, 1000, "comment")
    kind, evaluator_id = who
    column = Evaluation.household_id if kind == "household" else Evaluation.committee_id
    if db.session.scalar(select(Evaluation.id).where(Evaluation.project_id == project.id, column == evaluator_id)):
        raise RuleError(_l("您家已经评价过这个项目了。") if kind == "household" else _l("业委会已经评价过这个项目了。"))
    evaluation = Evaluation(project_id=project.id, user_id=by.id, rating=rating, comment=comment,
                            household_id=evaluator_id if kind == "household" else None,
                            committee_id=evaluator_id if kind == "committee" else None)
    db.session.add(evaluation)
    _event(project, by, "evaluated", project.status)
    return evaluation


def evaluation_summary(project_ids) -> dict[int, tuple[float, int]]:
    """(average, count) per project, in one query."""
    from sqlalchemy import func

    if not project_ids:
        return {}
    rows = db.session.execute(select(Evaluation.project_id, func.avg(Evaluation.rating), func.count())
                              .where(Evaluation.project_id.in_(list(project_ids))).group_by(Evaluation.project_id))
    return {pid: (round(float(avg), 1), n) for pid, avg, n in rows}
