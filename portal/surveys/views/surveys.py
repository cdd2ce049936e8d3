"""The list page, the survey pages, copying and editing questions."""

from flask import abort, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.clock import now_utc
from portal.core.permissions import can, require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Community, Compound, Organisation, OrgKind
from portal.orgs.permissions import STAFF_ROLES, organisation_visibility, scope_of
from portal.surveys import labels, services
from portal.surveys.forms import CopyForm, QuestionForm
from portal.surveys.indicators import campaign_filters, matching_campaigns
from portal.surveys.models import TARGET, Campaign, CampaignCompound, Question, Survey
from portal.surveys.permissions import (
    campaign_visibility,
    editable_community_ids,
    get_survey_or_404,
    visible_surveys,
)
from portal.surveys.results import summary
from portal.surveys.views import bp

STATES = ("scheduled", "open", "closed")


@bp.route("/")
@login_required
def index():
    require(current_user, "surveys.index")
    now = now_utc()
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    q = request.args.get("q", "").strip()[:50]
    query = (select(Campaign).where(campaign_visibility(current_user))
             .options(selectinload(Campaign.scopes).joinedload(CampaignCompound.compound))
             .order_by(Campaign.opens_at.desc(), Campaign.id.desc()))
    query = query.where(*_state_condition(state, now))
    if q:
        query = query.where(Campaign.title.contains(q, autoescape=True))
    drill, chips = campaign_filters(request.args, now)
    pooled = None
    if drill:  # from a figure: the campaigns behind it, and the same figures pooled over the area's compounds
        query = query.where(Campaign.id.in_(matching_campaigns(drill)))
        pooled = summary(*drill, *_state_condition(state, now), *([Campaign.title.contains(q, autoescape=True)] if q else []),
                         CampaignCompound.compound_id.in_(scope_of(current_user).compound_ids))
    campaigns = db.session.scalars(query.limit(200)).all()
    surveys = []
    if can(current_user, "surveys.edit"):
        services.standard_template()
        surveys = db.session.scalars(select(Survey).where(visible_surveys(current_user))
                                     .order_by(Survey.community_id.is_not(None), Survey.id)).all()
    return render("surveys/index.html", "results", campaigns=campaigns, surveys=surveys, now=now,
                  filters={"state": state, "q": q}, labels=labels, chips=chips, pooled=pooled, target=TARGET,
                  **_evaluation_links())


def _state_condition(state: str, now) -> list:
    return {"open": [Campaign.is_open(now)], "closed": [Campaign.is_closed(now)],
            "scheduled": [Campaign.opens_at > now]}.get(state, [])


def _evaluation_links() -> dict:
    """The dual-evaluation pages this user may open: their communities' rankings, the companies they see."""
    if not can(current_user, "surveys.evaluation"):
        return {"communities": [], "companies": []}
    scope = scope_of(current_user)
    staff = scope.compounds_with(STAFF_ROLES)
    communities = db.session.execute(select(Community.id, Community.name).join(Compound).where(
        Compound.id.in_(staff)).distinct().order_by(Community.name)).all()
    served = select(CampaignCompound.company_id).where(CampaignCompound.compound_id.in_(staff))
    companies = db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.kind == OrgKind.PROPERTY_COMPANY,
        Organisation.id.in_(served) | Organisation.id.in_(scope.company_ids),
        organisation_visibility(current_user)).order_by(Organisation.name)).all()
    return {"communities": communities, "companies": companies}


@bp.route("/survey/<int:survey_id>")
@login_required
def survey_detail(survey_id):
    survey = get_survey_or_404(current_user, survey_id)
    if survey.community_id is None:  # the standard template: for whoever may copy it
        require(current_user, "surveys.edit")
    else:
        require(current_user, "surveys.edit", survey)
    return _survey_page(survey)


def _survey_page(survey, copy_form=None, status=200):
    communities = sorted(editable_community_ids(current_user))
    return render("surveys/survey.html", (), status=status, survey=survey, labels=labels,
                  locked=services.has_answers(survey), copy_form=copy_form or CopyForm(name=survey.name),
                  editable=can(current_user, "surveys.edit", survey), may_copy=bool(communities))


@bp.route("/survey/<int:survey_id>/copy", methods=["POST"])
@login_required
def survey_copy(survey_id):
    survey = get_survey_or_404(current_user, survey_id)
    require(current_user, "surveys.edit")
    form = CopyForm()
    if form.validate_on_submit():
        community_id = survey.community_id or min(editable_community_ids(current_user))
        with refusals(form) as outcome:
            copy = services.copy_survey(survey, community_id=community_id, by=current_user, name=form.name.data)
        if outcome.ok:
            return hx_redirect(url_for("surveys.survey_detail", survey_id=copy.id))
    return _survey_page(survey, form, status=form_status(form.errors or form.form_errors))


def _question_page(survey, form, question=None, status=200):
    return render("surveys/question.html", (), status=status, survey=survey, form=form, question=question,
                  labels=labels, locked=services.has_answers(survey))


def _save(survey, form, question=None):
    with refusals(form) as outcome:
        services.save_question(survey, question, kind=form.kind.data, text=form.text.data,
                               section=form.section.data or "", section_position=form.section_position.data,
                               position=form.position.data, required=form.required.data,
                               dimension=form.dimension.data or None, options=form.option_list())
    return outcome


@bp.route("/survey/<int:survey_id>/questions/new", methods=["GET", "POST"])
@login_required
def question_new(survey_id):
    survey = get_survey_or_404(current_user, survey_id)
    require(current_user, "surveys.edit", survey)
    form = QuestionForm()
    if form.validate_on_submit() and _save(survey, form).ok:
        return hx_redirect(url_for("surveys.survey_detail", survey_id=survey.id))
    return _question_page(survey, form, status=form_status(form.errors or form.form_errors))


def _question_or_404(question_id) -> tuple[Survey, Question]:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return get_survey_or_404(current_user, question.survey_id), question


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question_edit(question_id):
    survey, question = _question_or_404(question_id)
    require(current_user, "surveys.edit", survey)
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if request.method == "GET":
        form.options.data = "\n".join(question.options or [])
        form.dimension.data = question.dimension or ""
    if form.validate_on_submit() and _save(survey, form, question).ok:
        return hx_redirect(url_for("surveys.survey_detail", survey_id=survey.id))
    return _question_page(survey, form, question, status=form_status(form.errors or form.form_errors))


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def question_delete(question_id):
    survey, question = _question_or_404(question_id)
    require(current_user, "surveys.edit", survey)
    form = CopyForm(name=survey.name)
    with refusals(form) as outcome:
        services.delete_question(survey, question)
    if outcome.ok:
        return hx_redirect(url_for("surveys.survey_detail", survey_id=survey.id))
    return _survey_page(survey, form, status=form_status(form))
