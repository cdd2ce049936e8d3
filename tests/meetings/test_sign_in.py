"""Sign-in and quorum: the code works only during the meeting, for its invitees; each attendee counts
for the party they represent; quorum is the 1 and each of the 3."""

from datetime import timedelta
from itertools import product

import pytest

from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Party
from portal.meetings.services import quorate
from tests.meetings.conftest import convene, start_now


@pytest.mark.parametrize("present", list(product([False, True], repeat=4)))
def test_quorum_for_every_combination_of_the_one_and_the_three(present):
    parties = {party for party, here in zip(Party.QUORUM, present, strict=True) if here}
    assert quorate(parties) == all(present)
    assert quorate(parties | {Party.OTHER}) == all(present)  # X never makes up for a missing party


def test_sign_in_with_the_code_during_the_meeting(mworld):
    meeting = convene(mworld, x=[mworld["volunteer"].id])
    with pytest.raises(RuleError) as refused:  # before the window
        services.sign_in(meeting, by=mworld["owners_member"], code=meeting.sign_in_code)
    assert "会议期间" in str(refused.value.message)
    start_now(meeting)
    with pytest.raises(RuleError) as refused:
        services.sign_in(meeting, by=mworld["owners_member"], code="000000" if meeting.sign_in_code != "000000" else "111111")
    assert refused.value.field == "code"
    other = convene(mworld, title="另一次会议")
    if other.sign_in_code != meeting.sign_in_code:
        with pytest.raises(RuleError) as refused:
            services.sign_in(meeting, by=mworld["owners_member"], code=other.sign_in_code)
        assert "另一次会议" in str(refused.value.message)
    with pytest.raises(RuleError):  # not invited
        services.sign_in(meeting, by=mworld["resident"], code=meeting.sign_in_code)
    for who in ("secretary", "worker", "owners_member"):
        services.sign_in(meeting, by=mworld[who], code=meeting.sign_in_code)
    db.session.flush()
    assert not services.is_quorate(meeting)
    services.sign_in(meeting, by=mworld["volunteer"], code=meeting.sign_in_code)
    db.session.flush()
    assert not services.is_quorate(meeting)  # X does not stand in for the property company
    services.sign_in(meeting, by=mworld["manager"], code=meeting.sign_in_code)
    db.session.flush()
    assert services.is_quorate(meeting)
    with pytest.raises(RuleError):  # twice
        services.sign_in(meeting, by=mworld["manager"], code=meeting.sign_in_code)


def test_expired_code_is_refused(mworld):
    meeting = convene(mworld)
    start_now(meeting, minutes_ago=120)
    meeting.ends_at = meeting.starts_at + timedelta(hours=1)
    db.session.commit()
    with pytest.raises(RuleError) as refused:
        services.sign_in(meeting, by=mworld["manager"], code=meeting.sign_in_code)
    assert "会议期间" in str(refused.value.message)


def test_the_convener_marks_attendance(mworld):
    meeting = convene(mworld)
    with pytest.raises(RuleError):  # before the meeting
        services.mark_attendance(meeting, by=mworld["secretary"], present_ids=[mworld["manager"].id])
    start_now(meeting)
    with pytest.raises(RuleError):
        services.mark_attendance(meeting, by=mworld["secretary"], present_ids=[mworld["resident"].id])
    ids = [mworld[k].id for k in ("secretary", "worker", "owners_member", "manager")]
    services.mark_attendance(meeting, by=mworld["secretary"], present_ids=ids)
    db.session.flush()
    assert services.is_quorate(meeting)
    services.mark_attendance(meeting, by=mworld["secretary"], present_ids=ids[:3])
    db.session.flush()
    assert not services.is_quorate(meeting)
    with pytest.raises(RuleError):
        services.mark_attendance(meeting, by=mworld["owners_member"], present_ids=ids)
