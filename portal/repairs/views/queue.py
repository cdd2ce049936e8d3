"""The queue (诉求列表): each role's requests, filtered and searched in place, paged.

Two tabs: the work still under way (default: what waits on someone, overdue first) and the history
(已办结, most recently closed first). The pager counts up to QUEUE_COUNT_CAP rows and then says "more
than": a street's history is tens of thousands of rows, and counting them all on every page and
fragment cost more than loading the page itself."""

from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app, request
from flask_login import current_user, login_required

from portal.core.clock import now_utc
from portal.core.params import parse_day, parse_id
from portal.core.permissions import can
from portal.core.rendering import render
from portal.orgs.models import Role
from portal.orgs.permissions import scope_of
from portal.orgs.services import compound_choices
from portal.repairs import labels
from portal.repairs.models import CATEGORIES, Kind, Status
from portal.repairs.permissions import personal_compound_ids, personal_ids
from portal.repairs.queries import MINE, NOT_CLOSED, queue_page
from portal.repairs.rows import queue_rows
from portal.repairs.views import bp


def _choice(name: str, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


#: the pager counts the queue up to this many rows, then shows "more than 1000"
QUEUE_COUNT_CAP = 1000


def _tab_url(closed: bool) -> str:
    """This page with the other tab: the filters kept, the page and the tab-bound filters dropped."""
    args = {k: v for k, v in request.args.items() if k not in ("tab", "page", "status", "overdue", "_block")}
    if closed:
        args["tab"] = "closed"
    return request.path + ("?" + urlencode(args) if args else "")


@bp.route("/")
@login_required
def queue():
    now = now_utc()
    scope = scope_of(current_user)
    status = _choice("status", Status.ALL)
    closed = request.args.get("tab") == "closed" or status == Status.CLOSED
    filters = {"status": "" if closed else status, "kind": _choice("kind", Kind.ALL),
               "category": _choice("category", CATEGORIES), "overdue": request.args.get("overdue") == "1",
               "mine": _choice("mine", MINE), "compound": parse_id(request.args.get("compound", "")),
               "from": parse_day(request.args.get("from")), "to": parse_day(request.args.get("to"))}
    personal = personal_compound_ids(current_user)
    q = request.args.get("q", "").strip()[:50]
    page = queue_page(current_user, scope, now, closed=closed, filters=filters, q=q, personal=personal,
                      cap=QUEUE_COUNT_CAP)
    compounds = compound_choices(scope.compound_ids)
    may_file = can(current_user, "repairs.file") and "repairs.new" in current_app.view_functions
    staff_view = bool(scope.roles - {Role.RESIDENT})
    rows = queue_rows(page.items, personal=personal_ids(current_user, page.items, personal),
                      staff_view=staff_view, now=now, new_since=now - timedelta(hours=24))
    may_set_levels = can(current_user, "repairs.service_levels")
    tab_urls = {"open": _tab_url(False), "closed": _tab_url(True)}
    # everything the page's head shows (it is kept rendered under these values, queue.html)
    head = (may_file, may_set_levels, closed, tuple(tab_urls.values()), request.path, bool(personal), staff_view,
            tuple(filters.items()), tuple(compounds), request.args.get("q", ""))
    return render("repairs/queue.html", "results", page=page, rows=rows, head=head,
                  staff_view=staff_view, q=q, filters=filters, compounds=compounds, may_file=may_file,
                  may_set_levels=may_set_levels, personal_search=bool(personal), labels=labels,
                  categories=CATEGORIES, kinds=Kind.ALL, statuses=NOT_CLOSED, closed=closed, tab_urls=tab_urls)
