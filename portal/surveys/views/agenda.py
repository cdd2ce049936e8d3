"""Acting on results: one click puts a dimension below target on the compound's next joint meeting
(portal.surveys.agenda); a refusal is shown beside the button on the results page."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import HiddenField

from portal.core.forms import Form
from portal.core.params import parse_id
from portal.core.rendering import hx_redirect
from portal.core.transaction import refusals
from portal.orgs.permissions import scope_of
from portal.surveys import agenda
from portal.surveys.permissions import campaign_compound_ids, get_campaign_or_404
from portal.surveys.views import bp


class AgendaForm(Form):
    dimension = HiddenField()


def panel(user, campaign, result, wanted, form=None) -> dict | None:
    """The "on the agenda" panel of the results page, for the one compound shown (if one)."""
    ids = list(result.compound_ids)
    compound_id = wanted or (ids[0] if len(ids) == 1 else None)
    found = agenda.panel(user, campaign, compound_id)
    if found is None and form is not None and (form.errors or form.form_errors):
        found = {"rows": [], "compound_id": compound_id, "may_act": False}  # only the refusal to show
    if found is not None:
        found["form"] = form or AgendaForm(formdata=None)
    return found


@bp.route("/campaigns/<int:campaign_id>/agenda", methods=["POST"])
@login_required
def campaign_agenda(campaign_id):
    from portal.surveys.views.results import results

    campaign = get_campaign_or_404(current_user, campaign_id)
    in_campaign = campaign_compound_ids(campaign)
    compound_id = parse_id(request.args.get("compound")) or (next(iter(in_campaign)) if len(in_campaign) == 1 else None)
    if compound_id not in in_campaign & scope_of(current_user).compound_ids:
        abort(404)
    if compound_id not in agenda.actor_compound_ids(current_user, campaign):
        abort(403)
    form = AgendaForm()
    target = url_for("surveys.results", campaign_id=campaign.id, compound=compound_id)
    if not form.validate_on_submit():
        return results(campaign_id, agenda_form=form)
    with refusals(form) as outcome:
        agenda.propose(campaign, compound_id, form.dimension.data, by=current_user)
    if outcome.ok:
        flash(_("已提交到小区的下一次联席会议，等待召集人列入议程。"), "success")
        return hx_redirect(target + "#agenda")
    return results(campaign_id, agenda_form=form)
