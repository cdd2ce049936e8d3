"""Convening: the 1+3 proposed from the structure, X from the convener's scope, bad input refused,
invitees notified; rescheduling and cancelling notify everyone."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.clock import now_utc
from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Invitee, Meeting, MeetingStatus, Party
from tests.meetings.conftest import convene, inbox


def test_the_one_and_the_three_are_proposed_from_the_structure(mworld):
    proposed = services.proposed_invitees(mworld["community"].id, mworld["compound"].id)
    by_party = {}
    for c in proposed:
        by_party.setdefault(c.party, set()).add(c.user_id)
    assert mworld["secretary"].id in by_party[Party.PARTY] and mworld["branch"].id in by_party[Party.PARTY]
    assert mworld["worker"].id in by_party[Party.RESIDENTS]
    assert by_party[Party.OWNERS] == {mworld["owners_member"].id}
    assert by_party[Party.PROPERTY] == {mworld["manager"].id}  # the manager, not the fitters
    assert mworld["staff"].id not in {c.user_id for c in proposed}


def test_convene_invites_and_notifies(mworld):
    meeting = convene(mworld, x=[mworld["volunteer"].id])
    parties = dict(db.session.execute(select(Invitee.user_id, Invitee.party).where(Invitee.meeting_id == meeting.id)).all())
    assert parties[mworld["volunteer"].id] == Party.OTHER
    assert parties[mworld["manager"].id] == Party.PROPERTY
    assert any("第一次联席会议" in text for text in inbox(mworld["manager"]))
    assert inbox(mworld["secretary"]) == []  # the convener does not invite themselves
    assert len(meeting.sign_in_code) == 6


@pytest.mark.parametrize("change, field", [
    ({"starts_in": -timedelta(hours=1)}, "starts_at"),
    ({"length": -timedelta(minutes=5)}, "ends_at"),
    ({"title": "  "}, "title"),
])
def test_bad_meetings_are_refused_beside_their_field(mworld, change, field):
    with pytest.raises(RuleError) as refused:
        convene(mworld, **change)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_an_invitee_outside_the_conveners_scope_is_refused(mworld):
    with pytest.raises(RuleError) as refused:
        convene(mworld, x=[mworld["far_person"].id])
    assert refused.value.field == "x_ids"


def test_a_branch_secretary_convenes_only_for_their_compound(mworld):
    convene(mworld, by=mworld["branch"])
    with pytest.raises(RuleError):
        convene(mworld, by=mworld["branch"], compound="other_compound", invite_keys=[])
    with pytest.raises(RuleError):
        convene(mworld, by=mworld["branch"], compound=None, invite_keys=[])
    with pytest.raises(RuleError):
        convene(mworld, by=mworld["owners_member"])


def test_reschedule_and_cancel_notify_everyone(mworld):
    meeting = convene(mworld)
    start = now_utc() + timedelta(days=3)
    services.reschedule(meeting, by=mworld["secretary"], starts_at=start, ends_at=start + timedelta(hours=2), place="党群服务中心")
    assert any("改期" in text for text in inbox(mworld["owners_member"]))
    with pytest.raises(RuleError) as refused:
        services.cancel(meeting, by=mworld["secretary"], reason="")
    assert refused.value.field == "reason"
    services.cancel(meeting, by=mworld["secretary"], reason="台风")
    assert meeting.status == MeetingStatus.CANCELLED
    assert any("已取消" in text for text in inbox(mworld["manager"]))
    with pytest.raises(RuleError):
        services.reschedule(meeting, by=mworld["secretary"], starts_at=start, ends_at=start + timedelta(hours=1), place="x")


def test_residents_are_offered_as_x_only_to_those_who_may_see_them(mworld):
    community, compound = mworld["community"].id, mworld["compound"].id
    by_secretary = {c.user_id for c in services.x_candidates(mworld["secretary"], community, compound)}
    by_branch = {c.user_id for c in services.x_candidates(mworld["branch"], community, compound)}
    assert mworld["resident"].id in by_secretary and mworld["resident"].id not in by_branch
    assert mworld["volunteer"].id in by_branch  # post holders of the community's organisations
