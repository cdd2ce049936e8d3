"""共建项目: the list with progress and the community's on-time share, proposing a project, and the
project page (milestones, status steps, updates with photos, timeline, residents' evaluation).

Residents see their community's projects with progress and timeline (the public view); only community
staff act on them. Every POST re-renders the page with the refusal beside its field.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.core.clock import today
from portal.core.forms import id_choices
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Community, Compound
from portal.projects import labels, lists, progress, project_page
from portal.projects import project_services as ps
from portal.projects.forms import (
    EvaluateForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProjectForm,
    StepForm,
    UpdateForm,
)
from portal.projects.models import (
    Milestone,
    PartyMember,
    Project,
    ProjectPhoto,
    ProjectStatus,
    Unit,
)
from portal.projects.permissions import (
    evaluator_for,
    get_project_or_404,
    is_project_staff,
    project_community_ids,
    register_compound_ids,
    sees_projects_of,
)
from portal.projects.photos import chosen, save_update_photos, upload_folder
from portal.projects.views import bp

#: `show()` reads the residents' rating itself unless the page's loader already did
NOT_READ = object()


@bp.route("/")
@login_required
def project_list():
    ids = project_community_ids(current_user)
    if not ids:
        abort(403)
    query = select(Project).where(Project.community_id.in_(ids))
    status = request.args.get("status", "")
    status = status if status in ProjectStatus.ALL else ""
    if status:
        query = query.where(Project.status == status)
    compound = parse_id(request.args.get("compound", ""))
    if compound:
        from portal.projects.models import project_compound

        query = query.where(Project.id.in_(select(project_compound.c.project_id).where(
            project_compound.c.compound_id == compound)))
    # each row of the page carries its residents' rating (scalar subqueries) and the community's punctuality
    # (the same on every row, asked once by the database)
    finished = select(Project.id).where(Project.community_id.in_(ids), Project.completed_on.is_not(None),
                                        Project.status != ProjectStatus.CANCELLED)
    figures = (select(func.count()).select_from(finished.subquery()).scalar_subquery(),
               select(func.count()).select_from(finished.where(Project.completed_on <= Project.deadline).subquery())
               .scalar_subquery())
    page = paginate(query.order_by(Project.deadline, Project.id), scalars=False,
                    rows=lambda limited: limited.add_columns(*project_page.rating_columns(), *figures))
    rows, page.items = page.items, [row[0] for row in page.items]
    project_page.load_progress(page.items)
    summary = {row[0].id: (round(float(row[1]), 1), row[2]) for row in rows if row[2]}
    if rows:
        finished_count, on_time = rows[0][3], rows[0][4]
    else:  # an empty page (a filter): the figures on their own
        finished_count, on_time = db.session.execute(select(*figures)).one()
    compounds = id_choices(db.session.execute(select(Compound.id, Compound.name).where(
        Compound.community_id.in_(ids)).order_by(Compound.name)))
    return render("projects/projects.html", "results", page=page, today=today(), progress=progress, labels=labels,
                  statuses=ProjectStatus.ALL, filters={"status": status, "compound": compound}, compounds=compounds,
                  on_time=on_time, finished=finished_count, summary=summary,
                  may_create=bool(register_compound_ids(current_user)))


def _project_form():
    compound_ids = register_compound_ids(current_user)
    if not compound_ids:
        abort(403)
    community_ids = set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(compound_ids))))
    form = ProjectForm()
    form.community_id.choices = id_choices(db.session.execute(
        select(Community.id, Community.name).where(Community.id.in_(community_ids)).order_by(Community.name)))
    form.compound_ids.choices = [(c.id, f"{c.community.name} · {c.name}") for c in db.session.scalars(
        select(Compound).where(Compound.community_id.in_(community_ids)).order_by(Compound.community_id, Compound.name))]
    form.partner_ids.choices = id_choices(db.session.execute(
        select(Unit.id, Unit.name).where(Unit.community_id.in_(community_ids)).order_by(Unit.name)))
    form.demand_ids.choices = [(d.id, d.title) for d in db.session.scalars(
        lists.unmatched_demands(community_ids))]
    form.resource_ids.choices = [(r.id, f"{r.unit.name} · {r.title}") for r in db.session.scalars(
        lists.unused_resources(community_ids))]
    if not form.is_submitted():  # from the matching page: what was ticked there
        form.demand_ids.data = [i for i in map(parse_id, request.args.getlist("demand")) if i]
        form.resource_ids.data = [i for i in map(parse_id, request.args.getlist("resource")) if i]
    form.parent_id.choices = [("", _("（无）")), *id_choices(db.session.execute(
        select(Project.id, Project.title).where(Project.community_id.in_(community_ids),
                                                Project.status.in_(ProjectStatus.RUNNING)).order_by(Project.title)))]
    return form


def _budget(form):
    raw = (form.budget.data or "").replace(",", "")
    if not raw:
        return None, True
    if not raw.lstrip("-").isdigit():
        form.budget.errors.append(_("请填写整数金额（元）。"))
        return None, False
    return int(raw), True


@bp.route("/new", methods=["GET", "POST"])
@login_required
def project_new():
    form = _project_form()
    if form.validate_on_submit():
        budget, ok = _budget(form)
        if ok:
            parent = db.session.get(Project, form.parent_id.data) if form.parent_id.data else None
            project = None
            with refusals(form) as outcome:
                project = ps.create_project(
                    by=current_user, community_id=form.community_id.data or 0, title=form.title.data,
                    content=form.content.data, responsible_body=form.responsible_body.data,
                    responsible_person=form.responsible_person.data, start_date=form.start_date.data,
                    deadline=form.deadline.data, budget=budget, parent=parent,
                    compound_ids=[i for i in form.compound_ids.data or [] if i],
                    partner_ids=[i for i in form.partner_ids.data or [] if i])
                lists.link_lists(project, [i for i in form.demand_ids.data or [] if i],
                                 [i for i in form.resource_ids.data or [] if i])
            if outcome.ok:
                flash(_("项目已提出，编号 %(no)s", no=project.id), "success")
                return hx_redirect(url_for("projects.project_detail", project_id=project.id))
    return render("projects/project_new.html", form=form, status=form_status(form))


def _doer_choices(project, partners=None):
    """Who did a milestone: the project's partner units and the community's party members (one query;
    `partners` when the page already read them as project_page.Linked)."""
    from portal.auth.models import User

    members = db.session.execute(select(PartyMember.id, User.name).join(Compound).join(User, User.id == PartyMember.user_id)
                                 .where(Compound.community_id == project.community_id)
                                 .order_by(PartyMember.compound_id, PartyMember.id)).all()
    partners = project.partners if partners is None else partners
    return [("", _("（不记入）")), *((f"unit:{u.id}", _("驻区单位：%(name)s", name=u.name)) for u in partners),
            *((f"member:{mid}", _("党员：%(name)s", name=name)) for mid, name in members)]


def show(project, *, posted=None, status: int = 200, message=None, summary=NOT_READ):
    staff = is_project_staff(current_user, project)
    forms = {"milestone": MilestoneForm(formdata=None), "done": MilestoneDoneForm(formdata=None),
             "update": UpdateForm(formdata=None), "evaluate": EvaluateForm(formdata=None)}
    steps = {name: StepForm(formdata=None, data={"version": str(project.version), "step": name})
             for name in ps.offered_steps(current_user, project)}
    if posted is not None:
        name, form = posted
        (steps if name in ps.STEPS else forms)[name] = form
    linked = project_page.linked(project)
    # the doers are offered beside each milestone still to do of a project under way (and a posted form)
    doing = project.status == ProjectStatus.IN_PROGRESS and any(m.done_on is None for m in project.milestones)
    forms["done"].doer.choices = (_doer_choices(project, linked["partners"])
                                  if staff and (doing or (posted and posted[0] == "done")) else [])
    if summary is NOT_READ:
        summary = ps.evaluation_summary([project.id]).get(project.id)
    may_evaluate = project.status == ProjectStatus.COMPLETED and evaluator_for(current_user, project) is not None
    from portal.projects.views.agenda import panel

    return render("projects/project_detail.html", project=project, staff=staff, forms=forms, steps=steps,
                  agenda=panel(current_user, project, forms.get("agenda")), linked=linked,
                  events=project_page.events(project), summary=summary, may_evaluate=may_evaluate, today=today(),
                  progress=progress, labels=labels, message=message, posted=posted and posted[0], status=status)


@bp.route("/<int:project_id>")
@login_required
def project_detail(project_id: int):
    project, summary = project_page.load(project_id)
    if project is None or not sees_projects_of(current_user, project.community_id):
        abort(404)
    return show(project, summary=summary)


def _staff_project(project_id: int):
    project = get_project_or_404(current_user, project_id)
    if not is_project_staff(current_user, project):
        abort(403)
    return project


def _after(project, name, form, outcome, done):
    if outcome.ok:
        flash(str(done), "success")
        return hx_redirect(url_for("projects.project_detail", project_id=project.id))
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    return show(project, posted=(name, form), status=form_status(form) if form.errors or form.form_errors else 200)


@bp.route("/<int:project_id>/step", methods=["POST"])
@login_required
def project_step(project_id: int):
    project = _staff_project(project_id)
    form = StepForm()
    name = form.step.data if form.step.data in ps.STEPS else "approve"
    if not form.validate_on_submit():
        return show(project, posted=(name, form))
    with refusals(form) as outcome:
        ps.take_step(project, form.step.data or "", by=current_user, version=form.version_number,
                     reason=form.reason.data)
    return _after(project, name, form, outcome, _("已更新项目状态。"))


@bp.route("/<int:project_id>/milestones", methods=["POST"])
@login_required
def milestone_add(project_id: int):
    project = _staff_project(project_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        return show(project, posted=("milestone", form))
    raw = form.weight.data or ""
    weight = int(raw) if raw.lstrip("-").isdigit() else None
    with refusals(form) as outcome:
        ps.add_milestone(project, by=current_user, title=form.title.data, due_date=form.due_date.data,
                         weight=weight, move_deadline=form.move_deadline.data)
    return _after(project, "milestone", form, outcome, _("已添加流程环节。"))


@bp.route("/milestones/<int:milestone_id>/done", methods=["POST"])
@login_required
def milestone_done(milestone_id: int):
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    project = _staff_project(milestone.project_id)
    form = MilestoneDoneForm()
    form.doer.choices = _doer_choices(project)
    if not form.validate_on_submit():
        return show(project, posted=("done", form))
    kind, _sep, raw = (form.doer.data or "").partition(":")
    member = db.session.get(PartyMember, int(raw)) if kind == "member" and raw.isdigit() else None
    unit = db.session.get(Unit, int(raw)) if kind == "unit" and raw.isdigit() else None
    with refusals(form, fields={"member_id": "doer", "unit_id": "doer"}) as outcome:
        ps.complete_milestone(milestone, by=current_user, done_on=form.done_on.data, member=member, unit=unit)
    return _after(project, "done", form, outcome, _("已登记环节完成。"))


@bp.route("/<int:project_id>/updates", methods=["POST"])
@login_required
def project_update(project_id: int):
    project = _staff_project(project_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        return show(project, posted=("update", form))
    files = request.files.getlist(form.photos.name)
    with refusals(form) as outcome:
        note = form.note.data or (_("现场照片") if chosen(files) else "")
        event = ps.add_update(project, by=current_user, note=note)
        db.session.flush()
        save_update_photos(event, files, by=current_user)
    return _after(project, "update", form, outcome, _("已发布进展。"))


@bp.route("/<int:project_id>/evaluate", methods=["POST"])
@login_required
def project_evaluate(project_id: int):
    project = get_project_or_404(current_user, project_id)
    if evaluator_for(current_user, project) is None:
        abort(403)
    form = EvaluateForm()
    if not form.validate_on_submit():
        return show(project, posted=("evaluate", form))
    with refusals(form) as outcome:
        ps.evaluate(project, by=current_user, rating=form.rating.data, comment=form.comment.data)
    return _after(project, "evaluate", form, outcome, _("感谢您的评价。"))


@bp.route("/photos/<int:photo_id>")
@login_required
def project_photo(photo_id: int):
    photo = db.session.get(ProjectPhoto, photo_id)
    if photo is None:
        abort(404)
    get_project_or_404(current_user, photo.event.project_id)
    try:
        data = (upload_folder() / photo.stored_name).read_bytes()
    except (FileNotFoundError, OSError):
        abort(404)
    response = send_file(BytesIO(data), mimetype="image/jpeg", download_name=f"project-{photo.id}.jpg",
                         etag=photo.stored_name, conditional=True, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
