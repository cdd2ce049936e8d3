"""Lists and read models of repair requests. Who sees what is decided in permissions.visibility,
so the list and the request page can never disagree: out of the list means 404 on the page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from portal.core.clock import now_utc
from portal.orgs.models import Household
from portal.repairs.models import RepairRequest, Status
from portal.repairs.permissions import visibility


def visible_requests(user, now: datetime | None = None):
    """select(RepairRequest) of the user's queue, overdue first, then unassigned, then newest; with
    what each row shows loaded up front (no query per row)."""
    now = now or now_utc()
    return (
        select(RepairRequest).where(visibility(user, now))
        .options(joinedload(RepairRequest.compound), joinedload(RepairRequest.handler),
                 joinedload(RepairRequest.household).joinedload(Household.building))
        .order_by(case((RepairRequest.is_overdue(now), 0), else_=1),
                  case((RepairRequest.status == Status.SUBMITTED, 0), else_=1),
                  RepairRequest.created_at.desc(), RepairRequest.id.desc())
    )


#: "my" requests, as the queue filter `mine=` and the home page's to-dos both count them
MINE = {
    "handler": lambda user: RepairRequest.handler_id == user.id,
    "requester": lambda user: RepairRequest.requester_id == user.id,
}
