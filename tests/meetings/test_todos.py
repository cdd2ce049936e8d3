"""The meetings to-dos, counted one statement for all: each count checked with its neighbours, so a
condition moved into the wrong subquery shows."""

from __future__ import annotations

from datetime import timedelta

from portal.core.clock import today
from portal.extensions import db
from portal.meetings import minutes, resolutions, services
from portal.meetings.todos import todos
from tests.meetings.conftest import convene
from tests.meetings.test_minutes import held_meeting


def counts(app, user) -> dict[str, int]:
    with app.test_request_context():
        return {str(t.label): t.count for t in todos(user)}


def test_each_count_of_the_meetings_to_dos(app, mworld):
    meeting, _item = held_meeting(mworld)
    minutes.issue(meeting, by=mworld["secretary"])
    key = f"{mworld['company'].id}-{mworld['manager'].id}"
    late = resolutions.add_resolution(meeting, by=mworld["secretary"], what="划线", responsible_key=key,
                                      deadline=today() + timedelta(days=2))
    resolutions.add_resolution(meeting, by=mworld["secretary"], what="装灯", responsible_key=key,
                               deadline=today() + timedelta(days=1))
    resolutions.add_resolution(meeting, by=mworld["secretary"], what="远期", responsible_key=key,
                               deadline=today() + timedelta(days=30))  # not due within 3 days
    db.session.flush()
    late.deadline = today() - timedelta(days=1)
    minutes.answer(meeting, by=mworld["manager"], confirmed=False, comment="车位数应为18个")
    minutes.answer(meeting, by=mworld["worker"], confirmed=True)
    services.propose_topic(mworld["compound"], by=mworld["resident"], title="楼道堆物")
    services.propose_topic(mworld["compound"], by=mworld["resident"], title="电动车充电")
    db.session.commit()
    convene(mworld, title="下一次联席会议", starts_in=timedelta(days=3))
    convene(mworld, title="下月联席会议", starts_in=timedelta(days=20))  # beyond the week: not yet a to-do
    # to attend: the held meeting (under way, not yet ended) and the next one within the week

    assert counts(app, mworld["manager"]) == {"决议事项已超期": 1, "决议事项即将到期": 1, "待参加的会议": 2,
                                              "待确认的会议纪要": 1}  # a correction asked is still unconfirmed
    assert counts(app, mworld["worker"]) == {"待参加的会议": 2, "待答复的居民议题": 2}  # confirmed already
    assert counts(app, mworld["owners_member"]) == {"待参加的会议": 2, "待确认的会议纪要": 1}
    assert counts(app, mworld["secretary"]) == {"待参加的会议": 2, "待答复的纪要更正意见": 1, "待答复的居民议题": 2}
    assert counts(app, mworld["resident"]) == {}
