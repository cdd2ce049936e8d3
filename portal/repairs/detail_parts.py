"""The request page around its actions, drawn once and kept (core.kept) under every value it shows.

A request is opened far more often than it changes: by whoever answers for it, whoever filed it, the
onlookers of its compound. The page is the actions (repairs.detail_actions) between two parts, each a
macro of templates/repairs/_detail_parts.html that reads nothing but its arguments: `top` (the state,
what happens next, the problem, where, who, filing photos) and `bottom` (how it is handled, result photos,
related items, the timeline, return visits). `top_key` and `bottom_key` are exactly what each shows,
so a kept part is never stale; a value a part starts to show must be added to its key
(tests/repairs/test_detail_kept.py changes each value and expects another part).
"""

from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from portal.core.kept import kept_drawer
from portal.repairs import labels


def _handler_name(req) -> str | None:
    return req.handler.name if req.handler is not None else None


def top_key(req, steps, level, personal, contact_name, contact_phone, overdue, filing, photo_route) -> tuple:
    """Everything the `top` macro (with _detail_next.html and the queue's `place`) shows."""
    household = req.household
    return (req.id, req.version, req.category, req.status, req.close_reason, req.hold_reason, _handler_name(req),
            req.description, req.compound.name, req.place,
            (household.building.name, household.unit, household.room) if household is not None else None,
            req.created_at, req.due_at, tuple(steps), level, personal, contact_name, contact_phone, overdue,
            tuple(photo.id for photo in filing), photo_route)


def bottom_key(req, level, staff_view, results, photo_route, links, events, visits) -> tuple:
    """Everything the `bottom` macro shows (`events` are (row, masked) pairs)."""
    return (req.status, req.kind, req.kind_confirmed, req.urgency, req.channel, req.reopen_count, _handler_name(req),
            req.hold_reason, req.department, req.department_reply, req.result_note, req.rating, req.speed_rating,
            req.attitude_rating, req.satisfied, req.evaluation_comment, level, staff_view,
            tuple(photo.id for photo in results), photo_route, tuple(links),
            tuple((tuple(row), masked) for row, masked in events), tuple(tuple(visit) for visit in visits))


def page_parts(req, *, steps, level, personal, contact_name, contact_phone, overdue, photos, photo_route, staff_view,
               links, events, visits, event_note) -> tuple[Markup, Markup]:
    """The page's (top, bottom), drawn or kept."""
    module = current_app.jinja_env.get_template("repairs/_detail_parts.html").module
    keep = kept_drawer("repairs.detail_parts")
    filing = [photo for photo in photos if photo.stage != "result"]
    results = [photo for photo in photos if photo.stage == "result"]
    top = keep(("top", *top_key(req, steps, level, personal, contact_name, contact_phone, overdue, filing, photo_route)),
               lambda: module.top(req, labels, steps, level, personal, contact_name, contact_phone, overdue, filing,
                                  photo_route))
    bottom = keep(("bottom", *bottom_key(req, level, staff_view, results, photo_route, links, events, visits)),
                  lambda: module.bottom(req, labels, level, staff_view, results, photo_route, links, events, visits,
                                        event_note))
    return top, bottom
