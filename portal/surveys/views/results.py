"""Results of a campaign: live while it runs (htmx refresh), final after close; the spreadsheet."""

from flask import abort, request
from flask_login import current_user, login_required

from portal.core.clock import now_utc
from portal.core.params import parse_id
from portal.core.permissions import require
from portal.core.rendering import form_status, render
from portal.surveys import export, labels
from portal.surveys.models import K_MIN, TARGET
from portal.surveys.permissions import get_campaign_or_404, result_compound_ids, staff_compound_ids
from portal.surveys.results import campaign_results, compare, trend
from portal.surveys.views import bp


def _results_for(campaign):
    """The results over the compounds the user may see, or the one compound asked for (?compound=)."""
    allowed = result_compound_ids(current_user, campaign)
    wanted = parse_id(request.args.get("compound"))
    if wanted is not None and wanted not in allowed:
        abort(404)
    ids = [wanted] if wanted else sorted(allowed)
    return campaign_results(campaign, ids), wanted


@bp.route("/campaigns/<int:campaign_id>/results")
@login_required
def results(campaign_id, agenda_form=None):
    campaign = get_campaign_or_404(current_user, campaign_id)
    require(current_user, "surveys.results", campaign)
    result, wanted = _results_for(campaign)
    staff = staff_compound_ids(current_user, campaign)
    compounds, companies = compare(campaign, staff) if staff else ([], [])
    history = trend(wanted) if wanted else (trend(next(iter(result.compound_ids))) if len(result.compound_ids) == 1 else [])
    now = now_utc()
    from portal.surveys.views.agenda import panel as agenda_panel

    status = form_status(agenda_form) if agenda_form is not None else 200
    return render("surveys/results.html", "live", status=status, campaign=campaign, result=result, labels=labels, now=now,
                  state=campaign.state(now), compounds=compounds, companies=companies if staff else [],
                  history=history, wanted=wanted, k=K_MIN, target=TARGET,
                  agenda=agenda_panel(current_user, campaign, result, wanted, agenda_form),
                  choices=[(s.compound_id, s.compound.name) for s in campaign.scopes
                           if s.compound_id in result_compound_ids(current_user, campaign)])


@bp.route("/campaigns/<int:campaign_id>/export.xlsx")
@login_required
def export_xlsx(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    require(current_user, "surveys.results", campaign)
    result, _wanted = _results_for(campaign)
    body = export.workbook(result)
    return body, 200, {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="survey-{campaign.id}.xlsx"',
        "Cache-Control": "no-store",
    }
