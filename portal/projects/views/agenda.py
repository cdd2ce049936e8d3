"""A project on the joint meetings' agenda: the one-click "put it on the compound's next meeting" and what
the project page shows about its meetings (portal.projects.agenda)."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.params import parse_id
from portal.core.rendering import form_status, hx_redirect
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Compound
from portal.projects import agenda
from portal.projects.forms import AgendaForm
from portal.projects.permissions import get_project_or_404
from portal.projects.views import bp


def panel(user, project, form=None) -> dict:
    """What the project page shows: its meetings, topics waiting per compound, and the buttons (with the
    refusal of a posted one beside its compound)."""
    compounds = agenda.proposable_compounds(user, project)
    form = form or AgendaForm(formdata=None)
    return {"links": agenda.links(user, project), "waiting": agenda.waiting(project) if compounds else {},
            "compounds": compounds, "form": form, "posted_compound": parse_id(form.compound_id.data or "")}


@bp.route("/<int:project_id>/agenda", methods=["POST"])
@login_required
def project_agenda(project_id: int):
    from portal.projects.views.projects import show

    project = get_project_or_404(current_user, project_id)
    if not agenda.proposable_compounds(current_user, project):
        abort(403)
    form = AgendaForm()
    if form.validate_on_submit():
        compound_id = parse_id(form.compound_id.data)
        compound = db.session.get(Compound, compound_id) if compound_id else None
        with refusals(form) as outcome:
            agenda.propose(project, compound, by=current_user)
        if outcome.ok:
            flash(_("已提交到%(compound)s的下一次联席会议，等待召集人列入议程。", compound=compound.name), "success")
            return hx_redirect(url_for("projects.project_detail", project_id=project.id) + "#agenda")
        db.session.expire_all()
        project = get_project_or_404(current_user, project_id)
    return show(project, posted=("agenda", form), status=form_status(form))
