"""The meetings pages over HTTP: convening with bad input kept beside its field, sign-in by code with
rate-limited guessing, the calendar feed by its secret, to-dos, lists that do not grow in queries."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.core.clock import TZ, now_utc
from portal.extensions import db
from portal.meetings import calendar, minutes, services
from portal.meetings.models import Meeting
from tests.conftest import login_as, post, queries_for
from tests.meetings.conftest import convene, inbox, start_now
from tests.meetings.test_agenda import community_request


def _local(delta):
    return (now_utc() + delta).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def _form(w, **changes):
    keys = [c.key for c in services.proposed_invitees(w["community"].id, w["compound"].id, w["secretary"].id)]
    data = {"place_of": f"c{w['compound'].id}", "title": "三月联席会议", "kind": "regular", "starts_at": _local(timedelta(days=2)),
            "ends_at": _local(timedelta(days=2, hours=2)), "place": "党群服务中心", "reminders": "1440,60", "invite": keys}
    data.update(changes)
    return data


def test_convene_through_the_form(client, mworld):
    login_as(client, mworld["secretary"])
    page = client.get("/meetings/new").get_data(as_text=True)
    assert mworld["manager"].name in page and mworld["owners_member"].name in page
    response = post(client, "/meetings/new", _form(mworld, starts_at=_local(-timedelta(hours=3))))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-field-error="starts_at"' in html and "三月联席会议" in html
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    response = post(client, "/meetings/new", _form(mworld, x_ids=[str(mworld["far_person"].id)]))
    assert 'data-field-error="x_ids"' in response.get_data(as_text=True)
    response = post(client, "/meetings/new", _form(mworld, ends_at=_local(timedelta(days=1))))
    assert 'data-field-error="ends_at"' in response.get_data(as_text=True)
    response = post(client, "/meetings/new", _form(mworld))
    assert response.status_code == 303
    assert any("三月联席会议" in t for t in inbox(mworld["manager"]))
    meeting = db.session.scalar(select(Meeting))
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert meeting.sign_in_code in page and "添加议题" in page


def test_the_invitee_block_follows_the_place(client, mworld):
    login_as(client, mworld["secretary"])
    response = client.get(f"/meetings/new?place_of=c{mworld['other_compound'].id}", headers={"HX-Request": "true", "X-Block": "invitees"})
    assert response.status_code == 200 and mworld["owners_member"].name not in response.get_data(as_text=True)
    assert client.get("/meetings/1", headers={"HX-Request": "true", "X-Block": "nope"}).status_code in (400, 404)


def test_sign_in_by_code_and_rate_limited_guessing(app, client, mworld):
    app.config["MEETING_SIGN_IN_LIMIT"] = "3 per 10 minutes"
    meeting = convene(mworld)
    start_now(meeting)
    login_as(client, mworld["manager"])
    url = f"/meetings/{meeting.id}/sign-in"
    wrong = "999999" if meeting.sign_in_code != "999999" else "888888"
    page = client.get(f"{url}?code={meeting.sign_in_code}").get_data(as_text=True)
    assert f'value="{meeting.sign_in_code}"' in page  # the QR code opens the page with the code filled in
    for _ in range(3):
        response = post(client, url, {"code": wrong})
        assert response.status_code == 200 and "签到码不正确" in response.get_data(as_text=True)
    assert post(client, url, {"code": meeting.sign_in_code}).status_code == 429
    client = login_as(app.test_client(), mworld["owners_member"])
    assert post(client, url, {"code": meeting.sign_in_code}).status_code == 303
    assert "已签到" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    client = login_as(app.test_client(), mworld["resident"])
    assert client.get(url).status_code == 403


def test_the_feed_opens_by_its_secret_alone(client, mworld):
    convene(mworld)
    token = calendar.feed_token(mworld["manager"], create=True)
    db.session.commit()
    response = client.get(f"/meetings/feed/{token}.ics")
    assert response.status_code == 200 and response.content_type.startswith("text/calendar")
    assert "第一次联席会议" in response.get_data(as_text=True)
    calendar.revoke(mworld["manager"])
    db.session.commit()
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404
    assert client.get("/meetings/feed/nothing.ics").status_code == 404


def test_home_to_dos_and_the_request_page(app, client, mworld):
    meeting = convene(mworld, starts_in=timedelta(hours=3))
    req = community_request(mworld)
    services.add_agenda_item(meeting, by=mworld["secretary"], title="停车", source_kind="repair", source_id=req.id)
    db.session.commit()
    login_as(client, mworld["manager"])
    assert "待参加的会议" in client.get("/").get_data(as_text=True)
    start_now(meeting)
    [item] = meeting.items
    minutes.write_minutes(meeting, by=mworld["secretary"], entries={item.id: ("", "增设车位")})
    minutes.issue(meeting, by=mworld["secretary"])
    db.session.commit()
    assert "待确认的会议纪要" in client.get("/").get_data(as_text=True)
    assert f'data-meeting="{meeting.id}"' in client.get("/meetings/?view=confirm").get_data(as_text=True)
    client = login_as(app.test_client(), mworld["resident"])
    assert "已列入会议议程" in client.get(f"/repairs/{req.id}").get_data(as_text=True)


def test_the_meetings_list_query_count_is_flat(client, mworld, count_queries):
    login_as(client, mworld["secretary"])
    for n in range(2):
        convene(mworld, title=f"会议{n}", starts_in=timedelta(days=n + 1))
    few = queries_for(client, "/meetings/?view=upcoming", count_queries)
    for n in range(2, 12):
        convene(mworld, title=f"会议{n}", starts_in=timedelta(days=n + 1))
    assert queries_for(client, "/meetings/?view=upcoming", count_queries) == few
    from datetime import date

    from portal.meetings import resolutions

    first, second = db.session.scalars(select(Meeting).order_by(Meeting.id).limit(2)).all()
    for meeting in (first, second):
        start_now(meeting)
    key = f"{mworld['company'].id}-{mworld['manager'].id}"

    def resolve(meeting, n):
        for i in range(n):
            resolutions.add_resolution(meeting, by=mworld["secretary"], what=f"事项{meeting.id}-{i}", responsible_key=key,
                                       deadline=date.today() + timedelta(days=i + 1))
        db.session.commit()

    resolve(first, 2)
    few = queries_for(client, "/meetings/resolutions?status=all", count_queries)
    resolve(second, 10)
    assert queries_for(client, "/meetings/resolutions?status=all", count_queries) == few
    resident = login_as(client.application.test_client(), mworld["resident"])
    services.propose_topic(mworld["compound"], by=mworld["resident"], title="一")
    db.session.commit()
    few = queries_for(resident, "/meetings/proposals", count_queries)
    for n in range(8):
        services.propose_topic(mworld["compound"], by=mworld["resident"], title=f"议题{n}")
    db.session.commit()
    assert queries_for(resident, "/meetings/proposals", count_queries) == few


def test_a_proposal_answered_through_the_pages(app, client, mworld):
    meeting = convene(mworld)
    resident = login_as(app.test_client(), mworld["resident"])
    response = post(resident, "/meetings/proposals/new", {"compound_id": str(mworld["other_compound"].id), "title": "别处"})
    assert 'data-field-error="compound_id"' in response.get_data(as_text=True)
    response = post(resident, "/meetings/proposals/new", {"compound_id": str(mworld["compound"].id), "title": "",
                                                          "description": "写了说明"})
    html = response.get_data(as_text=True)
    assert 'data-field-error="title"' in html and "写了说明" in html
    assert post(resident, "/meetings/proposals/new", {"compound_id": str(mworld["compound"].id), "title": "增设快递柜"}).status_code == 303
    from portal.meetings.models import Proposal

    proposal = db.session.scalar(select(Proposal))
    login_as(client, mworld["secretary"])
    assert "增设快递柜" in client.get("/meetings/proposals").get_data(as_text=True)
    response = post(client, f"/meetings/proposals/{proposal.id}/decline", {"reason": ""})
    assert 'data-field-error="reason"' in response.get_data(as_text=True)
    assert post(client, f"/meetings/proposals/{proposal.id}/accept", {"meeting_id": str(meeting.id)}).status_code == 303
    assert "增设快递柜" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    page = resident.get(f"/meetings/proposals/{proposal.id}").get_data(as_text=True)
    assert 'data-status="accepted"' in page and "accept-form" not in page


def test_minutes_answered_through_the_page_with_a_stale_version(app, client, mworld):
    meeting = convene(mworld)
    services.add_agenda_item(meeting, by=mworld["secretary"], title="停车")
    start_now(meeting)
    [item] = meeting.items
    minutes.write_minutes(meeting, by=mworld["secretary"], entries={item.id: ("", "划线")})
    minutes.issue(meeting, by=mworld["secretary"])
    db.session.commit()
    login_as(client, mworld["owners_member"])
    response = post(client, f"/meetings/{meeting.id}/confirm", {"answer": "correction", "comment": "", "number": "1"})
    assert 'data-field-error="comment"' in response.get_data(as_text=True)
    minutes.write_minutes(meeting, by=mworld["secretary"], entries={item.id: ("", "划线20个")})
    minutes.issue(meeting, by=mworld["secretary"])  # version 2 while the form still says 1
    db.session.commit()
    response = post(client, f"/meetings/{meeting.id}/confirm", {"answer": "confirmed", "number": "1"})
    assert "新版本" in response.get_data(as_text=True)
    assert post(client, f"/meetings/{meeting.id}/confirm", {"answer": "confirmed", "number": "2"}).status_code == 303
    resident = login_as(app.test_client(), mworld["resident"])
    assert resident.get(f"/meetings/{meeting.id}").status_code == 403
    assert resident.get(f"/meetings/{meeting.id}/disclosure").status_code == 403  # not published
