"""A property company's requests over the last twelve months beside its street's other property
companies, for the company's figures page (core.modules.add_company_panel): closure rate of the
requests received in the window (closed by now) and requests overdue now, each with its rank.

One grouped query covers every company of the street (requests joined to the contracts current today,
as the company's figures count them: indicators.area_condition), plus one for the companies' names.
Each figure links to the records list filtered so that its count is the figure. The other companies'
figures are shown by name only to the street's administrators (they alone may open those lists)."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import case, func, select

from portal.core.clock import local_midnight, now_utc, today
from portal.core.indicators import rate
from portal.core.permissions import can
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, ServiceContract
from portal.repairs.models import RepairRequest, Status

#: the window the closure rate covers (overdue is a state: now)
WINDOW = timedelta(days=365)


def ranked(values: dict[int, float | None], *, higher_is_better: bool) -> dict[int, int | None]:
    """company id → rank, 1 the best; tied values share a rank; no value, no rank."""
    known = [v for v in values.values() if v is not None]
    return {cid: None if v is None else 1 + sum(1 for other in known if (other > v if higher_is_better else other < v))
            for cid, v in values.items()}


def company_panel(user, company) -> dict | None:
    if not can(user, "orgs.company_whole", company):
        return None
    now, on = now_utc(), today()
    first = on - WINDOW + timedelta(days=1)
    companies = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.street_id == company.street_id, Organisation.kind == OrgKind.PROPERTY_COMPANY)).all())
    served = (select(ServiceContract.company_id, ServiceContract.compound_id)
              .where(ServiceContract.is_current(on), ServiceContract.company_id.in_(list(companies))).subquery())
    received = RepairRequest.created_at >= local_midnight(first)
    rows = db.session.execute(
        select(served.c.company_id, func.sum(case((received, 1), else_=0)),
               func.sum(case((received & (RepairRequest.status == Status.CLOSED), 1), else_=0)),
               func.sum(case((RepairRequest.is_overdue(now), 1), else_=0)))
        .join(served, served.c.compound_id == RepairRequest.compound_id).group_by(served.c.company_id)).all()
    counts = {cid: (0, 0, 0) for cid in companies}
    counts.update({cid: (got or 0, closed or 0, late or 0) for cid, got, closed, late in rows})
    closure = {cid: rate(closed, got) for cid, (got, closed, _late) in counts.items()}
    overdue = {cid: late for cid, (_got, _closed, late) in counts.items()}
    by_closure, by_overdue = ranked(closure, higher_is_better=True), ranked(overdue, higher_is_better=False)
    own = counts[company.id]

    def records(cid, **filters):
        return url_for("repairs.records", company=cid, on=on.isoformat(), **filters)

    window = {"from": first.isoformat(), "to": on.isoformat()}
    whole_street = can(user, "orgs.street_whole", company.street)
    return {
        "first": first, "last": on, "of": len(companies),
        "received": own[0], "closed": own[1], "closure_rate": closure[company.id], "overdue": own[2],
        "closure_rank": by_closure[company.id], "overdue_rank": by_overdue[company.id],
        "received_link": records(company.id, **window), "closed_link": records(company.id, **window, status=Status.CLOSED),
        "overdue_link": records(company.id, overdue="1"),
        "table": sorted(((companies[cid], *counts[cid], closure[cid], by_closure[cid], by_overdue[cid], cid == company.id,
                          records(cid, **window, status=Status.CLOSED), records(cid, overdue="1"))
                         for cid in companies), key=lambda row: (row[5] is None, row[5] or 0, row[0]))
        if whole_street else None,
    }
