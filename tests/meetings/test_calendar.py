"""Calendar files parse with `icalendar` and carry Asia/Shanghai times; the feed's secret is revocable;
reminders go out once per offset."""

from datetime import timedelta

from icalendar import Calendar

from portal.core.clock import TZ, aware, now_utc
from portal.extensions import db
from portal.meetings import calendar, services, tasks
from tests.meetings.conftest import convene, inbox


def test_the_invitation_parses_with_shanghai_times(mworld):
    meeting = convene(mworld)
    cal = Calendar.from_ical(calendar.meeting_ics(meeting, "http://portal.test/"))
    [event] = cal.walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start.utcoffset() == timedelta(hours=8) and str(start.tzinfo) == "Asia/Shanghai"
    assert start == services.local(meeting.starts_at) and end - start == timedelta(hours=1)
    assert str(event["summary"]) == "第一次联席会议" and str(event["location"]) == "社区会议室"
    assert str(event["url"]).endswith(f"/meetings/{meeting.id}")


def test_the_feed_lists_every_meeting_and_follows_changes(mworld):
    first = convene(mworld)
    second = convene(mworld, title="第二次", starts_in=timedelta(days=9))
    services.cancel(second, by=mworld["secretary"], reason="改线上")
    db.session.commit()
    token = calendar.feed_token(mworld["manager"], create=True)
    user = calendar.user_for_token(token)
    cal = Calendar.from_ical(calendar.feed_ics(user, "http://portal.test/", "会议"))
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"第一次联席会议", "第二次"}
    assert str(events["第二次"]["status"]) == "CANCELLED"
    assert events["第一次联席会议"].decoded("dtstart").astimezone(TZ) == services.local(first.starts_at)
    new = calendar.revoke(mworld["manager"])
    assert new != token and calendar.user_for_token(token) is None and calendar.user_for_token(new).id == user.id


def test_reminders_go_out_once_per_offset(mworld):
    meeting = convene(mworld, starts_in=timedelta(hours=30))
    assert tasks.send_reminders(now_utc()) == 0  # more than a day ahead
    at = aware(meeting.starts_at) - timedelta(hours=23)
    assert tasks.send_reminders(at) == 1
    assert tasks.send_reminders(at + timedelta(minutes=5)) == 0
    assert sum("提醒" in t for t in inbox(mworld["manager"])) == 1
    assert tasks.send_reminders(aware(meeting.starts_at) - timedelta(minutes=50)) == 1
    assert sum("提醒" in t for t in inbox(mworld["manager"])) == 2
    assert tasks.send_reminders(aware(meeting.starts_at) - timedelta(minutes=10)) == 0


def test_times_typed_in_shanghai_are_kept(mworld):
    from datetime import datetime

    start = (datetime.now(TZ) + timedelta(days=3)).replace(hour=19, minute=30, second=0, microsecond=0)
    keys = [c.key for c in services.proposed_invitees(mworld["community"].id, mworld["compound"].id, mworld["secretary"].id)]
    meeting = services.convene(by=mworld["secretary"], community_id=mworld["community"].id, compound_id=mworld["compound"].id,
                               title="晚间会议", kind="regular", starts_at=start, ends_at=start + timedelta(hours=1),
                               place="会议室", invite_keys=keys)
    db.session.commit()
    db.session.expire_all()
    assert services.local(meeting.starts_at).strftime("%H:%M") == "19:30"
    [event] = Calendar.from_ical(calendar.meeting_ics(meeting, "http://x/")).walk("VEVENT")
    assert event.decoded("dtstart").strftime("%H:%M") == "19:30"


def test_reminders_are_configurable(mworld):
    meeting = convene(mworld, starts_in=timedelta(hours=30), reminders="120")
    assert meeting.reminders == "120"
    assert tasks.send_reminders(aware(meeting.starts_at) - timedelta(hours=20)) == 0
    assert tasks.send_reminders(aware(meeting.starts_at) - timedelta(minutes=100)) == 1


def test_the_periodic_task_is_registered_and_runs(app, mworld):
    from portal.core.modules import registry
    from portal.core.tasks import run_task

    [task] = [t for t in registry(app).tasks if t.name == "meetings.reminders_follow_up"]
    convene(mworld, starts_in=timedelta(minutes=30))
    assert run_task(task) == {"reminders": 1, "overdue": 0, "escalated": 0}
    assert run_task(task) == {"reminders": 0, "overdue": 0, "escalated": 0}
