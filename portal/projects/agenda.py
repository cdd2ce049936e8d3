"""Projects on the joint meetings' agenda (issue 9: "a project can be placed on a joint meeting's agenda").

Registers the "project" agenda source with portal.meetings (the meetings module never imports this one):
the convener picks a project of the meeting's compound (or community) on the agenda page; community staff
put a project on its compound's next meeting with one click (a topic the convener accepts, through
`portal.meetings.services.propose_topic`); the project's timeline records both the agenda and the outcome
of a resolution about it, through this module's own services.

A project is filed once per compound at a time: refused while a topic for it waits for the convener or
while it is on the agenda of a meeting of that compound that has not started. The check runs with the
project's row locked (a no-op UPDATE), so two clicks at once file one topic.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.core.clock import aware, now_utc
from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import Compound
from portal.projects import project_services as ps
from portal.projects.models import Project, ProjectStatus, project_compound

KIND = "project"
#: statuses a project can still be discussed in
OPEN_STATUSES = (*ProjectStatus.RUNNING, ProjectStatus.COMPLETED)


def describe(source_id: int):
    project = db.session.get(Project, source_id)
    return (project.title, ps.link(project)) if project is not None else None


def describe_many(source_ids) -> dict[int, tuple[str, str]]:
    return {pid: (title, f"/projects/{pid}")
            for pid, title in db.session.execute(select(Project.id, Project.title).where(Project.id.in_(source_ids)))}


def candidates(meeting) -> list[tuple[int, str]]:
    """Projects of the meeting's compound (a community meeting: of its community) not cancelled or evaluated."""
    query = select(Project.id, Project.title).where(Project.status.in_(OPEN_STATUSES))
    if meeting.compound_id is not None:
        query = query.where(Project.id.in_(select(project_compound.c.project_id)
                                           .where(project_compound.c.compound_id == meeting.compound_id)))
    else:
        query = query.where(Project.community_id == meeting.community_id)
    return [(pid, title) for pid, title in db.session.execute(query.order_by(Project.deadline, Project.id))]


def meeting_words(meeting) -> str:
    from portal.meetings.services import local

    return f"{meeting.title}（{format_date(local(meeting.starts_at).date(), 'yyyy-MM-dd')}）"


def on_agenda(source_id: int, item, by) -> None:
    project = db.session.get(Project, source_id)
    if project is not None:
        ps.note_from_meeting(project, by=by, action="agenda", note=meeting_words(item.meeting))


def on_resolution_done(source_id: int, resolution, by, resolve: bool = False) -> None:
    """The outcome goes on the project's timeline. `resolve` settles nothing here: a project is completed
    by its own steps (its milestones must be done), never by a meeting."""
    project = db.session.get(Project, source_id)
    if project is not None:
        note = f"{meeting_words(resolution.meeting)} {resolution.what}：{resolution.evidence or ''}".strip("：")
        ps.note_from_meeting(project, by=by, action="meeting_outcome", note=note)


def register() -> None:
    from portal.meetings.sources import register_agenda_source

    register_agenda_source(KIND, label=_l("共建项目"), describe=describe, candidates=candidates,
                           on_agenda=on_agenda, on_resolution_done=on_resolution_done, describe_many=describe_many)


# --- the project page -------------------------------------------------------------------------------------

def links(user, project: Project) -> list[tuple[str, str | None]]:
    """"On the agenda of …" lines; the link only for those who may open the meeting."""
    from portal.meetings.permissions import may_view
    from portal.meetings.services import agenda_entries

    return [(_("已列入会议议程：%(meeting)s", meeting=meeting_words(meeting)),
             f"/meetings/{meeting.id}" if may_view(user, meeting) else None)
            for meeting, _item in agenda_entries(KIND, project.id)]


def waiting(project: Project) -> dict[int, object]:
    """compound id → the topic filed for it that the convener has not answered yet."""
    from portal.meetings.services import open_proposals

    return {p.compound_id: p for p in open_proposals(KIND, [project.id])}


def proposable_compounds(user, project: Project) -> list[Compound]:
    """The compounds whose next meeting this user may put the project on (community staff, open project)."""
    from portal.projects.permissions import is_project_staff

    if project.status not in OPEN_STATUSES or not is_project_staff(user, project):
        return []
    return list(project.compounds)


def _upcoming_in(project: Project, compound: Compound) -> bool:
    from portal.meetings.services import agenda_entries

    now = now_utc()
    return any(aware(meeting.starts_at) > now and meeting.compound_id in (compound.id, None)
               and meeting.community_id == compound.community_id
               for meeting, _item in agenda_entries(KIND, project.id))


def propose(project: Project, compound: Compound | None, *, by):
    """One click: the project becomes a topic for `compound`'s next joint meeting (once at a time)."""
    from portal.meetings.services import propose_topic

    if compound is None or compound not in proposable_compounds(by, project):
        raise RuleError(_l("请选择这个项目涉及的小区。"), "compound_id")
    # lock the project's row while the once-only rule is checked: an UPDATE that changes nothing takes the
    # row lock on PostgreSQL and the write lock on SQLite, where SELECT … FOR UPDATE is ignored
    db.session.execute(update(Project.__table__).where(Project.__table__.c.id == project.id)
                       .values(updated_at=Project.__table__.c.updated_at))
    if compound.id in waiting(project) or _upcoming_in(project, compound):
        raise RuleError(_l("这个项目已提交到该小区的联席会议，请勿重复提交。"), "compound_id")
    description = _("%(content)s\n责任主体：%(body)s · %(person)s\n完成时限：%(deadline)s\n项目页：%(url)s",
                    content=project.content[:1500], body=project.responsible_body, person=project.responsible_person,
                    deadline=project.deadline.isoformat(), url=ps.link(project))
    return propose_topic(compound, by=by, title=_("共建项目：%(title)s", title=project.title)[:100],
                         description=description, source_kind=KIND, source_id=project.id, check_resident=False)
