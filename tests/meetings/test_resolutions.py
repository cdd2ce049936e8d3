"""Resolutions and follow-up: deadlines not before the meeting, overdue notified once then escalated to
the party secretary, completion linked to a repair request writes its timeline and can resolve it;
a monthly series carries open resolutions onto the next occurrence."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import today
from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings import resolutions, series, services
from portal.meetings.models import AgendaItem, ResolutionStatus
from portal.repairs.models import RequestEvent, Status
from tests.meetings.conftest import convene, inbox, start_now
from tests.meetings.test_agenda import community_request


def key(w):
    return f"{w['company'].id}-{w['manager'].id}"


def test_deadline_and_responsible_are_checked(mworld):
    meeting = convene(mworld)
    start_now(meeting)
    with pytest.raises(RuleError) as refused:
        resolutions.add_resolution(meeting, by=mworld["secretary"], what="划线", responsible_key=key(mworld),
                                   deadline=today() - timedelta(days=1))
    assert refused.value.field == "deadline"
    with pytest.raises(RuleError) as refused:
        resolutions.add_resolution(meeting, by=mworld["secretary"], what="划线", responsible_key="999-999",
                                   deadline=today() + timedelta(days=3))
    assert refused.value.field == "responsible"
    resolution = resolutions.add_resolution(meeting, by=mworld["secretary"], what="划线", responsible_key=key(mworld),
                                            deadline=today() + timedelta(days=3))
    assert any("划线" in t for t in inbox(mworld["manager"]))
    with pytest.raises(RuleError):  # only the responsible person or the convener side
        resolutions.add_update(resolution, by=mworld["owners_member"], note="催办")
    resolutions.add_update(resolution, by=mworld["manager"], note="已联系施工队")
    assert [u.note for u in resolution.updates] == ["已联系施工队"]


def test_overdue_is_notified_once_then_escalated(mworld):
    meeting = convene(mworld, by=mworld["branch"])
    start_now(meeting)
    resolution = resolutions.add_resolution(meeting, by=mworld["branch"], what="修复路灯", responsible_key=key(mworld),
                                            deadline=today())
    db.session.commit()
    assert resolutions.follow_up(today()) == {"overdue": 0, "escalated": 0}
    assert resolutions.follow_up(today() + timedelta(days=1)) == {"overdue": 1, "escalated": 0}
    assert any("已超期" in t for t in inbox(mworld["manager"])) and any("已超期" in t for t in inbox(mworld["branch"]))
    assert resolutions.follow_up(today() + timedelta(days=2)) == {"overdue": 0, "escalated": 0}  # once
    later = today() + resolutions.GRACE + timedelta(days=1)
    assert resolutions.follow_up(later) == {"overdue": 0, "escalated": 1}
    assert any("请督办" in t for t in inbox(mworld["secretary"]))
    assert resolutions.follow_up(later) == {"overdue": 0, "escalated": 0}
    assert resolution.escalated_at is not None


def test_completing_a_resolution_from_a_request_writes_its_timeline_and_resolves_it(mworld):
    meeting = convene(mworld)
    req = community_request(mworld)
    item = services.add_agenda_item(meeting, by=mworld["secretary"], title="停车位划线", source_kind="repair", source_id=req.id)
    start_now(meeting)
    resolution = resolutions.add_resolution(meeting, by=mworld["secretary"], what="北门划线", item_id=item.id,
                                            responsible_key=key(mworld), deadline=today() + timedelta(days=7))
    with pytest.raises(RuleError) as refused:
        resolutions.complete(resolution, by=mworld["manager"], evidence="")
    assert refused.value.field == "evidence"
    resolutions.complete(resolution, by=mworld["manager"], evidence="已划线20个车位", resolve_source=True)
    assert resolution.status == ResolutionStatus.DONE
    events = db.session.execute(select(RequestEvent.action, RequestEvent.note).where(RequestEvent.request_id == req.id)
                                .order_by(RequestEvent.id)).all()
    assert events[-1].action == "outcome" and "已划线20个车位" in events[-1].note
    assert req.status == Status.RESOLVED and req.result_note
    assert any("请评价" in t for t in inbox(mworld["resident"]))
    with pytest.raises(RuleError):
        resolutions.complete(resolution, by=mworld["manager"], evidence="again")


def test_a_monthly_series_carries_open_resolutions_until_done(mworld):
    first = convene(mworld)
    start_now(first)
    open_one = resolutions.add_resolution(first, by=mworld["secretary"], what="加装充电桩", responsible_key=key(mworld),
                                          deadline=today() + timedelta(days=40))
    done_one = resolutions.add_resolution(first, by=mworld["secretary"], what="清理楼道", responsible_key=key(mworld),
                                          deadline=today() + timedelta(days=5))
    resolutions.complete(done_one, by=mworld["manager"], evidence="已清理")
    first.starts_at, first.ends_at = first.starts_at - timedelta(days=1), first.ends_at - timedelta(days=1)  # held yesterday
    db.session.commit()
    second = series.next_occurrence(first, by=mworld["secretary"])
    carried = [(i.source_kind, i.source_id) for i in second.items]
    assert carried == [("resolution", open_one.id)]
    assert second.series_id == first.id
    assert {i.user_id for i in second.invitees} == {i.user_id for i in first.invitees}
    with pytest.raises(RuleError):  # one next occurrence
        series.next_occurrence(first, by=mworld["secretary"])
    # settled at the second meeting: the original is done and no longer carried
    start_now(second)
    [item] = second.items
    follow = resolutions.add_resolution(second, by=mworld["secretary"], what="充电桩验收", item_id=item.id,
                                        responsible_key=key(mworld), deadline=today() + timedelta(days=3))
    resolutions.complete(follow, by=mworld["manager"], evidence="已通电")
    assert open_one.status == ResolutionStatus.DONE
    second.starts_at, second.ends_at = second.starts_at - timedelta(days=1), second.ends_at - timedelta(days=1)
    db.session.commit()
    third = series.next_occurrence(second, by=mworld["secretary"])
    assert db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == third.id)).all() == []


def test_service_day_stages(mworld):
    from datetime import date

    month = date(2026, 11, 1)
    stages = {s.code: s for s in series.cycle(mworld["community"].id, month)}
    assert stages["collect"].due == date(2026, 11, 15) and stages["serve"].due == date(2026, 12, 5)
    assert stages["summarise"].due == date(2026, 12, 15)
    series.mark_stage(mworld["community"].id, month, "collect", by=mworld["secretary"])
    db.session.flush()
    assert {s.code: s.state for s in series.cycle(mworld["community"].id, month)}["collect"] == "done"
    with pytest.raises(RuleError):
        series.mark_stage(mworld["community"].id, month, "collect", by=mworld["secretary"])
    with pytest.raises(RuleError):
        series.mark_stage(mworld["community"].id, month, "classify", by=mworld["owners_member"])
