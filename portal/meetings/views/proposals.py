"""Residents' proposals: a resident proposes a topic for their compound; the convener accepts it onto
a meeting's agenda or declines it with a reason the resident reads."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.clock import now_utc
from portal.core.paging import paginate
from portal.core.permissions import require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import forms, services
from portal.meetings.models import Meeting, MeetingStatus, Proposal
from portal.meetings.permissions import (
    convener_compounds,
    get_meeting_or_404,
    get_proposal_or_404,
    may_answer_proposal,
    residents_compounds,
)
from portal.meetings.steps import STEPS
from portal.meetings.views import bp
from portal.orgs.models import Compound


@bp.route("/proposals")
@login_required
def proposals():
    require(current_user, "meetings.index")
    answer = convener_compounds(current_user)
    query = select(Proposal).where((Proposal.proposer_id == current_user.id) | Proposal.compound_id.in_(answer or [0]))
    status = request.args.get("status", "")
    if status in ("open", "accepted", "declined"):
        query = query.where(Proposal.status == status)
    page = paginate(query.options(selectinload(Proposal.compound)).order_by(Proposal.status != "open", Proposal.id.desc()))
    return render("meetings/proposals.html", "results", page=page, shown=status, may_propose=bool(residents_compounds(current_user)))


def _compound_choices():
    homes = residents_compounds(current_user)
    return [(cid, name) for cid, name in db.session.execute(
        select(Compound.id, Compound.name).where(Compound.id.in_(homes or [0])).order_by(Compound.name))]


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def proposal_new():
    require(current_user, "meetings.propose")
    form = forms.ProposalForm() if request.method == "POST" else forms.ProposalForm(formdata=None)
    form.compound_id.choices = _compound_choices()
    if request.method == "POST" and form.validate_on_submit():
        with refusals(form) as outcome:
            compound = db.session.get(Compound, form.compound_id.data) if form.compound_id.data else None
            if compound is None:
                from portal.core.errors import RuleError

                raise RuleError(_l("只能为自己居住的小区提出议题。"), "compound_id")
            proposal = services.propose_topic(compound, by=current_user, title=form.title.data,
                                              description=form.description.data)
        if outcome.ok:
            flash(str(_l("议题已提交，召集人答复后会通知您。")), "success")
            return hx_redirect(url_for("meetings.proposal_detail", proposal_id=proposal.id))
    return render("meetings/proposal_new.html", form=form,
                  status=form_status(form) if request.method == "POST" else 200)


def _upcoming_for(proposal):
    compound = proposal.compound
    return db.session.scalars(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now_utc(),
        (Meeting.compound_id == compound.id) | ((Meeting.compound_id.is_(None)) & (Meeting.community_id == compound.community_id)))
        .order_by(Meeting.starts_at)).all()


def _show(proposal, accept=None, decline=None, status=200):
    meetings = [m for m in _upcoming_for(proposal) if STEPS["agenda"].allowed(current_user, m)] \
        if may_answer_proposal(current_user, proposal) else []
    accept = accept or forms.AcceptForm(formdata=None)
    accept.meeting_id.choices = [(m.id, f"{services.local(m.starts_at):%Y-%m-%d %H:%M} {m.title}") for m in meetings]
    return render("meetings/proposal.html", proposal=proposal, accept=accept,
                  decline=decline or forms.DeclineForm(formdata=None), meetings=meetings,
                  may_answer=may_answer_proposal(current_user, proposal), status=status)


def _load(proposal_id):
    proposal = get_proposal_or_404(current_user, proposal_id)
    if proposal.proposer_id != current_user.id and not may_answer_proposal(current_user, proposal):
        from flask import abort

        abort(403)
    return proposal


@bp.route("/proposals/<int:proposal_id>")
@login_required
def proposal_detail(proposal_id: int):
    return _show(_load(proposal_id))


def _answer(proposal_id, form_class, act, done, which):
    proposal = _load(proposal_id)
    require(current_user, "meetings.answer_proposal", proposal)
    form = form_class()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            act(proposal, form)
        if outcome.ok:
            flash(str(done), "success")
            return hx_redirect(url_for("meetings.proposal_detail", proposal_id=proposal.id))
    return _show(proposal, **{which: form}, status=form_status(form))


@bp.route("/proposals/<int:proposal_id>/accept", methods=["POST"])
@login_required
def proposal_accept(proposal_id: int):
    def act(proposal, form):
        from portal.core.errors import RuleError

        if not form.meeting_id.data:
            raise RuleError(_l("请选择会议。"), "meeting_id")
        meeting = get_meeting_or_404(current_user, form.meeting_id.data)
        services.accept_proposal(proposal, meeting, by=current_user)

    return _answer(proposal_id, forms.AcceptForm, act, _l("已列入议程，已通知提议居民。"), "accept")


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"])
@login_required
def proposal_decline(proposal_id: int):
    return _answer(proposal_id, forms.DeclineForm, lambda p, f: services.decline_proposal(
        p, by=current_user, reason=f.reason.data), _l("已答复提议居民。"), "decline")
