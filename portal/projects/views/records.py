"""一事一记录, 一月一公示: the month's service record of a community, as a page and a printable notice."""

from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.auth.models import User
from portal.core.clock import today
from portal.core.params import parse_id
from portal.core.rendering import render
from portal.extensions import db
from portal.orgs.models import Community
from portal.orgs.permissions import visible_community_ids
from portal.projects import labels
from portal.projects.models import PartyMember, ServiceRecord, Unit
from portal.projects.permissions import claim_community_ids
from portal.projects.views import bp


def _month(value: str | None) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return today().replace(day=1)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_records(community_id: int, month: date) -> list:
    """(record, member name, unit name) for the month, in one query."""
    return db.session.execute(
        select(ServiceRecord, User.name, Unit.name)
        .outerjoin(PartyMember, PartyMember.id == ServiceRecord.party_member_id)
        .outerjoin(User, User.id == PartyMember.user_id)
        .outerjoin(Unit, Unit.id == ServiceRecord.unit_id)
        .where(ServiceRecord.community_id == community_id, ServiceRecord.done_on >= month,
               ServiceRecord.done_on < _next(month))
        .order_by(ServiceRecord.done_on, ServiceRecord.id)).all()


def who_did_what(rows) -> list[tuple[str, str, int]]:
    """(name, kind, count) per party member or unit, most first."""
    tally: dict[tuple[str, str], int] = {}
    for record, member, unit in rows:
        key = (member or unit or "", record.claimant_kind)
        tally[key] = tally.get(key, 0) + 1
    return sorted(((name, kind, n) for (name, kind), n in tally.items()), key=lambda row: (-row[2], row[0]))


@bp.route("/records")
@login_required
def records():
    ids = visible_community_ids(current_user) | claim_community_ids(current_user)
    if not ids:
        abort(403)
    communities = db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))
                                      .order_by(Community.name)).all()
    wanted = parse_id(request.args.get("community", ""))
    if wanted is not None and wanted not in ids:
        abort(404)
    community_id = wanted or communities[0][0]
    month = _month(request.args.get("month"))
    rows = month_records(community_id, month)
    totals = db.session.execute(select(func.count()).where(
        ServiceRecord.community_id == community_id, ServiceRecord.done_on >= month.replace(month=1),
        ServiceRecord.done_on < _next(month))).scalar()
    template = "projects/records_print.html" if request.args.get("print") == "1" else "projects/records.html"
    return render(template, "results", rows=rows, tally=who_did_what(rows), communities=communities,
                  community_id=community_id, community_name=dict(communities)[community_id], month=month,
                  previous=_previous(month), following=_next(month), year_total=totals, labels=labels)
