"""Minutes: the 3 confirm; all three → locked; a correction request is answered; a correction after
locking is a new version needing confirmation again, the earlier one readable."""

import pytest

from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings import minutes, services
from tests.meetings.conftest import convene, inbox, start_now


def held_meeting(w, quorate=True):
    meeting = convene(w, x=[w["volunteer"].id])
    services.add_agenda_item(meeting, by=w["secretary"], title="停车管理")
    start_now(meeting)
    people = ["secretary", "worker", "owners_member"] + (["manager"] if quorate else [])
    services.mark_attendance(meeting, by=w["secretary"], present_ids=[w[p].id for p in people])
    [item] = meeting.items
    minutes.write_minutes(meeting, by=w["secretary"], entries={item.id: ("讨论了划线方案", "北门增设20个车位")})
    db.session.commit()
    return meeting, item


def test_three_confirmations_lock_the_minutes(mworld):
    meeting, item = held_meeting(mworld)
    version = minutes.issue(meeting, by=mworld["secretary"])
    assert version.number == 1 and version.quorate
    assert any("请您确认" in t for t in inbox(mworld["owners_member"]))
    with pytest.raises(RuleError):  # the 1 and X do not confirm for the 3
        minutes.answer(meeting, by=mworld["volunteer"], confirmed=True)
    minutes.answer(meeting, by=mworld["worker"], confirmed=True)
    minutes.answer(meeting, by=mworld["owners_member"], confirmed=True)
    assert version.locked_at is None
    with pytest.raises(RuleError):
        minutes.answer(meeting, by=mworld["owners_member"], confirmed=True)
    minutes.answer(meeting, by=mworld["manager"], confirmed=True)
    assert version.locked_at is not None
    with pytest.raises(RuleError) as refused:  # editing locked minutes
        minutes.write_minutes(meeting, by=mworld["secretary"], entries={item.id: ("改", "改")})
    assert "锁定" in str(refused.value.message)


def test_a_correction_request_is_answered_and_a_corrected_version_confirmed_again(mworld):
    meeting, item = held_meeting(mworld)
    minutes.issue(meeting, by=mworld["secretary"])
    with pytest.raises(RuleError) as refused:
        minutes.answer(meeting, by=mworld["manager"], confirmed=False, comment="")
    assert refused.value.field == "comment"
    asked = minutes.answer(meeting, by=mworld["manager"], confirmed=False, comment="车位数应为18个")
    assert any("更正意见" in t for t in inbox(mworld["secretary"]))
    minutes.reply(meeting, asked, by=mworld["secretary"], text_="已核实，按18个更正")
    assert any("已有答复" in t for t in inbox(mworld["manager"]))
    minutes.write_minutes(meeting, by=mworld["secretary"], entries={item.id: ("讨论了划线方案", "北门增设18个车位")})
    second = minutes.issue(meeting, by=mworld["secretary"], note="车位数更正")
    for who in ("worker", "owners_member", "manager"):
        minutes.answer(meeting, by=mworld[who], confirmed=True)
    assert second.number == 2 and second.locked_at is not None
    # a correction after locking: a third version, needing all three again
    with pytest.raises(RuleError):
        minutes.correct(meeting, by=mworld["secretary"], entries={item.id: ("x", "y")}, note="")
    third = minutes.correct(meeting, by=mworld["secretary"], entries={item.id: ("讨论了划线方案", "北门增设18个车位，月底前完成")},
                            note="补充完成时间")
    assert third.number == 3 and third.locked_at is None
    assert minutes.locked_version(meeting).number == 2  # the last locked one is still what residents read
    earlier = {v.number: v for v in minutes.versions(meeting)}
    assert earlier[1].items[0]["decision"] == "北门增设20个车位"
    for who in ("worker", "owners_member", "manager"):
        minutes.answer(meeting, by=mworld[who], confirmed=True)
    assert third.locked_at is not None


def test_a_meeting_without_quorum_is_marked(mworld):
    meeting, _item = held_meeting(mworld, quorate=False)
    version = minutes.issue(meeting, by=mworld["secretary"])
    assert version.quorate is False
