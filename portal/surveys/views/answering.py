"""Answering: a resident for their household, anyone holding a household code, a worker keying paper.

The code page needs no account (the QR on the printed sheet opens it on any phone). Guessing is
limited per address like the login: only failed attempts count (services.find_code refuses).
"""

from flask import abort, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.clock import now_utc
from portal.core.errors import RuleError
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import place, refusals
from portal.extensions import db, limiter
from portal.orgs.models import Household
from portal.surveys import labels, services
from portal.surveys.forms import CodeForm, CsrfForm
from portal.surveys.models import Campaign, Channel
from portal.surveys.permissions import get_campaign_or_404, home_compound_ids
from portal.surveys.views import bp


def _code_limit() -> str:
    return current_app.config["SURVEY_CODE_RATE_LIMIT"]


def _bad_code(response) -> bool:
    return bool(g.get("_bad_code"))


def _answer_page(template, campaign, form, values, errors, status=200, **context):
    return render(template, (), status=status, campaign=campaign, form=form, values=values, errors=errors,
                  labels=labels, questions=campaign.survey.questions if campaign else [], **context)


def _values_from(form_data):
    """What was typed, as the form shows it again (lists for checkboxes)."""
    return {key: form_data.getlist(key) for key in form_data if key.startswith("q")}


def _submit(form, campaign, household, channel, **kwargs):
    """Check and store an answer; returns the errors by field name (empty: stored)."""
    values, errors = services.parse_answers(campaign.survey.questions, request.form)
    errors = {f"q{qid}": message for qid, message in errors.items()}
    if errors:
        return errors
    with refusals(form) as outcome:
        services.submit(campaign, household, values, channel=channel, **kwargs)
    if outcome.ok:
        return {}
    field = outcome.error.field
    if field and field.startswith("q"):
        if outcome.error.message in form.form_errors:
            form.form_errors.remove(outcome.error.message)
        return {field: str(outcome.error.message)}
    return {"_form": True}


@bp.route("/campaigns/<int:campaign_id>/answer", methods=["GET", "POST"])
@login_required
def answer(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    if not home_compound_ids(current_user, campaign):
        abort(403)
    homes = services.answerable_households(current_user, campaign)
    pending = [h for h in homes if not services.answered(campaign, h.id)]
    form, errors = CsrfForm(), {}
    if form.validate_on_submit():
        household = next((h for h in pending if str(h.id) == request.form.get("household_id")), None)
        if household is None and len(pending) == 1:
            household = pending[0]
        if household is None:
            form.form_errors.append(_("这户已经参加过本次测评，每户只能提交一份答卷。"))
        else:
            errors = _submit(form, campaign, household, Channel.ONLINE)
            if not errors:
                return hx_redirect(url_for("surveys.thanks", campaign_id=campaign.id))
    failed = bool(errors or form.form_errors or form.errors)
    return _answer_page("surveys/answer.html", campaign, form, _values_from(request.form), errors,
                        status=form_status(failed), pending=pending, state=campaign.state(),
                        action=url_for("surveys.answer", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/thanks")
@login_required
def thanks(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    return render("surveys/thanks.html", (), campaign=campaign)


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(_code_limit, deduct_when=_bad_code)
def code_answer():
    """Open with ?code= (the QR) or type the code; then answer. No account needed."""
    code_form = CodeForm(request.values, meta={"csrf": False}) if request.method == "GET" else CodeForm()
    given = request.values.get("code", "")
    if not given:
        return render("surveys/code.html", (), code_form=CodeForm(formdata=None), campaign=None)
    try:
        row = services.find_code(given)
    except RuleError as error:
        g._bad_code = True
        place(code_form, error)
        return render("surveys/code.html", (), status=form_status(code_form), code_form=code_form, campaign=None)
    campaign = db.session.get(Campaign, row.campaign_id)
    household = db.session.get(Household, row.household_id)
    form, errors = CsrfForm(), {}
    if request.method == "POST" and form.validate_on_submit():
        errors = _submit(form, campaign, household, Channel.CODE, code=row)
        if not errors:
            return render("surveys/thanks.html", (), campaign=campaign)
    failed = bool(errors or form.form_errors or (request.method == "POST" and form.errors))
    return _answer_page("surveys/code.html", campaign, form, _values_from(request.form), errors,
                        status=form_status(failed), code_form=code_form, code=services.normalise_code(given))


@bp.route("/campaigns/<int:campaign_id>/paper", methods=["GET", "POST"])
@login_required
def paper(campaign_id):
    """A community worker keys in a paper form; the household is the one whose code is on the paper."""
    campaign = get_campaign_or_404(current_user, campaign_id)
    if not services.may_ever("paper", current_user, campaign):
        abort(403)
    form, errors = CodeForm(), {}
    if form.validate_on_submit():
        try:
            row = services.find_code(form.code.data)
            if row.campaign_id != campaign.id:
                raise RuleError(services.BAD_CODE, "code")
        except RuleError as error:
            place(form, error)
        else:
            household = db.session.get(Household, row.household_id)
            errors = _submit(form, campaign, household, Channel.PAPER, keyed_by=current_user, code=row)
            if not errors:
                from flask import flash

                flash(_("纸质答卷已录入（%(household)s）。", household=household.label), "success")
                return hx_redirect(url_for("surveys.paper", campaign_id=campaign.id))
    failed = bool(errors or form.form_errors or form.errors)
    return _answer_page("surveys/paper.html", campaign, form, _values_from(request.form), errors,
                        status=form_status(failed), state=campaign.state(now_utc()))
