"""Launching a campaign, its page with the live response rate, closing it."""

from datetime import datetime, timedelta

from flask import abort, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.clock import TZ, now_utc
from portal.core.permissions import can, require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Compound
from portal.surveys import labels, services
from portal.surveys.forms import CampaignForm, CsrfForm
from portal.surveys.models import Survey
from portal.surveys.permissions import (
    editable_community_ids,
    get_campaign_or_404,
    launch_compound_ids,
    staff_compound_ids,
)
from portal.surveys.results import participants_by_compound
from portal.surveys.views import bp


def _choices():
    communities = editable_community_ids(current_user)
    services.standard_template()
    surveys = db.session.execute(select(Survey.id, Survey.name).where(
        (Survey.community_id.is_(None)) | Survey.community_id.in_(communities)).order_by(Survey.id)).all()
    compounds = db.session.execute(select(Compound.id, Compound.name).where(
        Compound.id.in_(launch_compound_ids(current_user))).order_by(Compound.name)).all()
    return [tuple(r) for r in surveys], [tuple(r) for r in compounds]


def _local(value: datetime) -> datetime:
    return value.replace(tzinfo=TZ)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    require(current_user, "surveys.launch")
    surveys, compounds = _choices()
    form = CampaignForm(surveys=surveys, compounds=compounds)
    if not form.is_submitted():
        start = now_utc().astimezone(TZ).replace(second=0, microsecond=0, tzinfo=None)
        form.opens_at.data, form.closes_at.data = start, start + timedelta(days=14)
        form.compound_ids.data = [cid for cid, _name in compounds]
    if form.validate_on_submit():
        survey = db.session.get(Survey, form.survey_id.data) if form.survey_id.data else None
        with refusals(form) as outcome:
            campaign = services.launch_campaign(
                by=current_user, survey=survey, compound_ids=[c for c in form.compound_ids.data if c],
                title=form.title.data, opens_at=_local(form.opens_at.data), closes_at=_local(form.closes_at.data))
        if outcome.ok:
            return hx_redirect(url_for("surveys.campaign_detail", campaign_id=campaign.id))
    return render("surveys/campaign_new.html", (), status=form_status(form.errors or form.form_errors), form=form)


def _rates(campaign):
    """Per compound of the user's staff scope: households, answered, rate (live)."""
    shown = staff_compound_ids(current_user, campaign)
    took_part = participants_by_compound([campaign.id])
    rows = []
    for scope in campaign.scopes:
        if scope.compound_id in shown:
            n = took_part.get((campaign.id, scope.compound_id), 0)
            rows.append((scope, n, round(100 * n / scope.households, 1) if scope.households else None))
    households, answered = sum(r[0].households for r in rows), sum(r[1] for r in rows)
    return rows, households, answered, (round(100 * answered / households, 1) if households else None)


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def campaign_detail(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    now = now_utc()
    homes = services.answerable_households(current_user, campaign)
    pending = [h for h in homes if not services.answered(campaign, h.id)]
    rows, households, answered, rate = _rates(campaign)
    return render("surveys/campaign.html", "rate", campaign=campaign, now=now, labels=labels,
                  state=campaign.state(now), homes=homes, pending=pending, rows=rows, households=households,
                  answered=answered, rate=rate, steps=services.offered_steps(current_user, campaign, now),
                  sees_results=can(current_user, "surveys.results", campaign), form=CsrfForm())


@bp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@login_required
def campaign_close(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    if not services.may_ever("close", current_user, campaign):
        abort(403)
    form = CsrfForm()
    with refusals(form) as outcome:
        services.close_campaign(campaign, by=current_user)
    if outcome.ok:
        return hx_redirect(url_for("surveys.results", campaign_id=campaign.id))
    now = now_utc()
    rows, households, answered, rate = _rates(campaign)
    return render("surveys/campaign.html", (), status=form_status(form), campaign=campaign, now=now, labels=labels,
                  state=campaign.state(now), homes=[], pending=[], rows=rows, households=households,
                  answered=answered, rate=rate, steps=services.offered_steps(current_user, campaign, now),
                  sees_results=can(current_user, "surveys.results", campaign), form=form)
