"""The request page: the problem first, its state and timeline, and only the steps the user may take now.

The action routes (actions.py) re-render this same page through `show()` when a step is refused,
so the user sees the message beside what they typed, on top of the fresh state of the request.

A request is opened far more often than it changes, so the page is drawn from kept pieces: the parts
around the actions (repairs.detail_parts) and the action forms (repairs.detail_actions), each kept
under every value it shows; its statements are built once per shape and kept (core.kept_statements).
"""

from datetime import datetime
from typing import NamedTuple

from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import Boolean, Date, DateTime, String, cast, literal_column, null, select, union_all
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
    events, visits, photos = request_history(req.id)
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


class EventRow(NamedTuple):
    """A line of the timeline: what it shows, the actor's name beside it."""

    at: datetime
    action: str
    actor_id: int | None
    actor_name: str | None
    from_status: str | None
    to_status: str | None
    note: str | None


class VisitRow(NamedTuple):
    at: datetime
    satisfied: bool | None
    note: str | None
    by_name: str


class PhotoRow(NamedTuple):
    id: int
    stage: str


def _history_query():
    """What the page lists under a request — its timeline, return visits and photos — as one statement of
    three parts (`part`, then each part's own order), so the page pays one round trip for them, not three."""
    part, seq = literal_column("0").label("part"), RequestEvent.id.label("seq")
    events = (select(part, seq, RequestEvent.at, RequestEvent.action, RequestEvent.actor_id, User.name.label("name"),
                     RequestEvent.from_status, RequestEvent.to_status, RequestEvent.note,
                     cast(null(), Boolean).label("satisfied"), cast(null(), String).label("stage"))
              .outerjoin(User, User.id == RequestEvent.actor_id).where(RequestEvent.request_id == param("request_id")))
    visits = (select(literal_column("1"), ReturnVisit.id, ReturnVisit.at, null(), null(), User.name, null(), null(),
                     ReturnVisit.note, ReturnVisit.satisfied, null())
              .join(User, User.id == ReturnVisit.by_id).where(ReturnVisit.request_id == param("request_id")))
    photos = select(literal_column("2"), RequestPhoto.id, null(), null(), null(), null(), null(), null(), null(),
                    null(), RequestPhoto.stage).where(RequestPhoto.request_id == param("request_id"))
    return union_all(events, visits, photos).order_by("part", "seq")


def request_history(request_id: int) -> tuple[list[EventRow], list[VisitRow], list[PhotoRow]]:
    """The request's timeline, return visits and photos, each in the order it happened."""
    events, visits, photos = [], [], []
    for part, seq, at, action, actor_id, name, from_status, to_status, note, satisfied, stage in run_plain(
            kept_statement("repairs.request_history", _history_query), {"request_id": request_id}):
        if part == 0:
            events.append(EventRow(at, action, actor_id, name, from_status, to_status, note))
        elif part == 1:
            visits.append(VisitRow(at, satisfied, note, name))
        else:
            photos.append(PhotoRow(seq, stage))
    return events, visits, photos


@bp.route("/<int:request_id>")
@login_required
def detail(request_id: int):
    return show(_visible_request_or_404(current_user, request_id))


#: what the page shows of a request beside its own columns, loaded with it: of the handler their name, of the
#: requester their name and phone (a person's other columns — password hash, session token — stay unread)
_SHOWN = (joinedload(RepairRequest.compound), joinedload(RepairRequest.handler).load_only(User.name),
          joinedload(RepairRequest.requester).load_only(User.name, User.phone),
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
