"""The request page: the problem first, its state and timeline, and only the steps the user may take now.

The action routes (actions.py) re-render this same page through `show()` when a step is refused,
so the user sees the message beside what they typed, on top of the fresh state of the request.

A request is opened far more often than it changes, so the page is drawn from kept pieces: the parts
around the actions (repairs.detail_parts) and the action forms (repairs.detail_actions), each kept
under every value it shows; its statements are built once per shape and kept (core.kept_statements).
"""

from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import Date, DateTime, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.core.clock import now_utc, today
from portal.core.kept_statements import Someone, kept_statement, param, run_plain
from portal.core.masking import mask_name, mask_phone
from portal.core.rendering import render
from portal.extensions import db
from portal.orgs.models import Household
from portal.orgs.permissions import Scope, scope_of
from portal.repairs import labels
from portal.repairs.detail_actions import actions_html
from portal.repairs.detail_parts import page_parts
from portal.repairs.hooks import request_links
from portal.repairs.models import Kind, RepairRequest, RequestEvent, RequestPhoto, ReturnVisit
from portal.repairs.permissions import (
    handler_choices,
    responsible_level,
    sees_personal,
    visibility_of,
    visibility_sets,
    works_here,
)
from portal.repairs.services import offered_steps
from portal.repairs.views import bp


def event_note(event) -> str:
    """Timeline notes as people read them (a triage note names kinds by their codes)."""
    note = event.note or ""
    if event.action == "triaged":
        for code in Kind.ALL:
            note = note.replace(code, str(labels.KIND_LABELS[code]))
    return note


def _by_requester(req, event) -> bool:
    """A resident's own steps: their name is personal data."""
    return event.actor_id is not None and (event.actor_id == req.requester_id or event.action in ("evaluated", "reopened"))


def show(req, *, posted: tuple[str, object] | None = None, message=None, status: int = 200, headers=None):
    """Render the request page; `posted` is the (action, form) just submitted, shown with its errors and
    typed text; `message` says at the top why nothing changed."""
    user = current_user
    steps = offered_steps(user, req)
    actions = actions_html(req, steps, handler_choices(req) if "assign" in steps else None, posted)
    events, visits, photos = (run_plain(kept_statement(name, build), {"request_id": req.id}).all() for name, build in _HISTORY)
    personal = sees_personal(user, req)
    requester = req.requester
    name = req.contact_name or (requester.name if requester else "")
    phone = req.contact_phone or (requester.phone if requester else "")
    top, bottom = page_parts(
        req, steps=steps, level=responsible_level(req), personal=personal,
        contact_name=name if personal else mask_name(name), contact_phone=phone if personal else mask_phone(phone),
        overdue=req.is_overdue(now_utc()), photos=photos, photo_route="repairs.photo" in current_app.view_functions,
        staff_view=works_here(user, req), links=request_links(user, req),
        events=[(event, not personal and _by_requester(req, event)) for event in events], visits=visits,
        event_note=event_note)
    return render("repairs/detail.html", req=req, top=top, actions=actions, bottom=bottom, message=message,
                  status=status, headers=headers)


def _events_query():
    """The timeline as rows: what each line shows, the actor's name beside it."""
    return (select(RequestEvent.at, RequestEvent.action, RequestEvent.actor_id, User.name.label("actor_name"),
                   RequestEvent.from_status, RequestEvent.to_status, RequestEvent.note)
            .outerjoin(User, User.id == RequestEvent.actor_id)
            .where(RequestEvent.request_id == param("request_id")).order_by(RequestEvent.id))


def _visits_query():
    return (select(ReturnVisit.at, ReturnVisit.satisfied, ReturnVisit.note, User.name.label("by_name"))
            .join(User, User.id == ReturnVisit.by_id)
            .where(ReturnVisit.request_id == param("request_id")).order_by(ReturnVisit.id))


def _photos_query():
    return (select(RequestPhoto.id, RequestPhoto.stage).where(RequestPhoto.request_id == param("request_id"))
            .order_by(RequestPhoto.id))


#: what the page lists under a request, each a statement kept once (core.kept_statements)
_HISTORY = (("repairs.request_events", _events_query), ("repairs.request_visits", _visits_query),
            ("repairs.request_photos", _photos_query))


@bp.route("/<int:request_id>")
@login_required
def detail(request_id: int):
    return show(_visible_request_or_404(current_user, request_id))


#: what the page shows of a request beside its own columns, loaded with it
_SHOWN = (joinedload(RepairRequest.compound), joinedload(RepairRequest.handler), joinedload(RepairRequest.requester),
          joinedload(RepairRequest.household).joinedload(Household.building))


def _visible_request_or_404(user, request_id: int) -> RepairRequest:
    """`permissions.get_request_or_404` with what the page shows, through a statement built once per shape
    of the user's scope (which id sets it has) and kept: the request, the user, the time and the ids are
    parameters (core.kept_statements)."""
    sets = {name: sorted(ids) for name, ids in visibility_sets(scope_of(user)).items() if ids}
    statement = kept_statement(("repairs.request_page", tuple(sets)), lambda: _request_query(tuple(sets)))
    req = db.session.scalar(statement, {"request_id": request_id, "user_id": user.id, "now": now_utc(), "on": today(),
                                        **sets})
    if req is None:
        abort(404)
    return req


def _request_query(shape: tuple[str, ...]):
    sets = {name: param(name, expanding=True) if name in shape else () for name in visibility_sets(Scope())}
    seen = visibility_of(Someone.id, param("now", DateTime(timezone=True)), sets, on=param("on", Date))
    return select(RepairRequest).where(RepairRequest.id == param("request_id"), seen).options(*_SHOWN)
