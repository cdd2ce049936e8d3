"""晒单: a compound's public board of closed requests, for everyone who lives or works there.

Only columns safe for the whole compound are ever selected (no names, phones or rooms: a household
request shows its building only, and its description never leaves the database; a public-area
request shows a few words of what was wrong, long numbers masked), so the template cannot leak what
it never gets.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import case, func, select

from portal.core.clock import now_utc
from portal.core.in_lists import in_ids
from portal.core.kept_statements import param
from portal.core.paging import paginate_kept
from portal.core.params import parse_id
from portal.core.permissions import require
from portal.core.rendering import render
from portal.extensions import db
from portal.orgs.models import Building, Household, Role
from portal.orgs.permissions import scope_of
from portal.orgs.services import compound_choices
from portal.repairs.models import CATEGORIES, RepairRequest, RequestPhoto, Status
from portal.repairs.queries import FIGURES_DAYS, closed_figures
from portal.repairs.rows import board_filters, board_head, board_items
from portal.repairs.services import summary
from portal.repairs.views import bp


def _compound_choices(scope) -> list[tuple[int, str]]:
    """Compounds the user lives in first, then the others by name (the names kept under the structure's
    stamp: orgs.services.compound_choices)."""
    homes = scope.compounds_with({Role.RESIDENT})
    return sorted(compound_choices(scope.compound_ids), key=lambda row: row[0] not in homes)


#: the board counts a compound's closed requests up to this many, then says "more than"
BOARD_COUNT_CAP = 1000


@bp.route("/board")
@login_required
def board():
    require(current_user, "repairs.board")
    scope = scope_of(current_user)
    raw = request.args.get("compound", "")
    choices = _compound_choices(scope)
    # The choices are the user's compounds (get_compound_or_404's test): the one asked for must be among
    # them, and its name is already read.
    names = dict(choices)
    chosen = parse_id(raw) or choices[0][0]
    if chosen not in names:
        abort(404)
    compound = SimpleNamespace(id=chosen, name=names[chosen])
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else ""
    params = {"compound_id": compound.id} | ({"category": category} if category else {})
    page = paginate_kept(("repairs.board", bool(category)), lambda: _board_query(bool(category)), params,
                         cap=BOARD_COUNT_CAP, scalars=False)
    ids = [row.id for row in page.items]
    photos: dict[int, list] = {}
    if ids:
        for row in db.session.execute(select(RequestPhoto.id, RequestPhoto.request_id, RequestPhoto.width,
                                             RequestPhoto.height).where(in_ids(RequestPhoto.request_id, ids),
                                                                        RequestPhoto.stage == "result")
                                      .order_by(RequestPhoto.id)):
            photos.setdefault(row.request_id, []).append(row)
    summaries = {row.id: summary(row.public_text, 20) for row in page.items if row.public_text}
    return render("repairs/board.html", "board", filters=board_filters(choices, compound.id, category),
                  head=board_head(compound.name, closed_figures(compound.id, now_utc()), FIGURES_DAYS),
                  items=board_items(page.items, summaries, photos), page=page)


def _board_query(by_category: bool):
    """The compound's closed requests, most recently closed first (only columns safe for the whole
    compound), every value a parameter (`compound_id`, and `category` when `by_category`): the page's
    statements are built once per shape and kept (core.paging.paginate_kept)."""
    query = (select(RepairRequest.id, RepairRequest.category, RepairRequest.place, RepairRequest.household_id,
                    Building.name.label("building"), RepairRequest.created_at, RepairRequest.closed_at,
                    RepairRequest.result_note, RepairRequest.rating, RepairRequest.satisfied,
                    RepairRequest.close_reason,
                    # what was wrong, for a public area only (a home's description stays private)
                    case((RepairRequest.household_id.is_(None), func.substr(RepairRequest.description, 1, 60)),
                         else_=None).label("public_text"))
             .outerjoin(Household, Household.id == RepairRequest.household_id)
             .outerjoin(Building, Building.id == Household.building_id)
             .where(RepairRequest.compound_id == param("compound_id"), RepairRequest.status == Status.CLOSED)
             .order_by(RepairRequest.closed_at.desc(), RepairRequest.id.desc()))
    if by_category:
        query = query.where(RepairRequest.category == param("category"))
    return query
