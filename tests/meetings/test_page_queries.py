"""The meeting page costs a fixed number of SQL statements (issue 11: "≤ 10 SQL queries per key page"),
whatever the number of agenda items, invitees and their sign-ins, resolutions and minutes versions, for
the convener, an overseer and an invitee."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import aware, now_utc, today
from portal.extensions import db
from portal.meetings.models import (
    AgendaItem,
    Attendance,
    Confirmation,
    Invitee,
    MinutesVersion,
    Party,
    Resolution,
)
from portal.orgs.models import OrgKind, Role
from tests.conftest import login_as, make_org, make_user, queries_for
from tests.meetings.conftest import convene, start_now

#: what each reaches today, with agenda items from earlier resolutions (one query describes them all);
#: the convener of a meeting whose agenda is still open is also offered what it may pick from (社事,
#: surveys, projects: a query each) and, once it is about to start, whom a resolution may go to
LIMITS = {"secretary": 8, "street_admin": 7, "owners_member": 7}
AGENDA_OPEN_LIMIT = 11


def _grow(meeting, w, n: int, *, versions: bool = True) -> None:
    """n more invitees (each signed in), agenda items (from earlier resolutions and free text), resolutions
    and, with `versions`, minutes versions each answered by the three."""
    org = make_org(OrgKind.VOLUNTEER_TEAM, community=w["community"], name=f"加测志愿队{meeting.id}-{n}")
    earlier = []
    for i in range(n):
        person = make_user(f"加测参会人{i}", role=Role.MEMBER, org=org)
        db.session.add(Invitee(meeting_id=meeting.id, user_id=person.id, organisation_id=org.id, party=Party.OTHER))
        db.session.add(Attendance(meeting_id=meeting.id, user_id=person.id, party=Party.OTHER,
                                  organisation_id=org.id, how="marked"))
        resolution = Resolution(meeting_id=meeting.id, what=f"加测决议{i}", organisation_id=org.id,
                                responsible_id=person.id, deadline=today() + timedelta(days=i - 2))
        db.session.add(resolution)
        earlier.append(resolution)
    db.session.flush()
    position = len(meeting.items) + 1
    for i, resolution in enumerate(earlier):
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position + 2 * i, title=f"加测议题{i}",
                                  source_kind="resolution", source_id=resolution.id, proposer_id=resolution.responsible_id))
        db.session.add(AgendaItem(meeting_id=meeting.id, position=position + 2 * i + 1, title=f"自拟议题{i}",
                                  description="说明", decision="议定"))
    if versions:
        first = db.session.query(MinutesVersion).filter_by(meeting_id=meeting.id).count() + 1
        for number in range(first, first + n):
            version = MinutesVersion(meeting_id=meeting.id, number=number, quorate=True, issued_by_id=w["secretary"].id,
                                     items=[{"title": "议题", "discussion": "", "decision": "议定"}], note="更正",
                                     superseded=True)
            db.session.add(version)
            db.session.flush()
            for party, who in ((Party.RESIDENTS, w["worker"]), (Party.OWNERS, w["owners_member"]),
                               (Party.PROPERTY, w["manager"])):
                db.session.add(Confirmation(version_id=version.id, party=party, user_id=who.id,
                                            answer="correction" if party == Party.PROPERTY else "confirmed",
                                            comment="请更正" if party == Party.PROPERTY else None))
    db.session.commit()


@pytest.mark.parametrize("who", sorted(LIMITS))
def test_meeting_page_is_flat_and_small(client, mworld, count_queries, who):
    meeting = convene(mworld)
    start_now(meeting)
    _grow(meeting, mworld, 1)
    login_as(client, mworld[who])
    url = f"/meetings/{meeting.id}"
    few = queries_for(client, url, count_queries)
    assert few <= LIMITS[who], few
    _grow(meeting, mworld, 6)
    many = queries_for(client, url, count_queries)
    assert many <= few, (few, many)
    page = client.get(url).get_data(as_text=True)
    assert page.count("data-resolution=") == 7 and page.count('data-version="') == 6 and "加测议题5" in page


def test_meeting_page_with_its_agenda_open_is_flat(client, mworld, count_queries):
    """Before the minutes: the convener is offered the agenda's sources and the resolution form too."""
    meeting = convene(mworld, starts_in=timedelta(minutes=20))
    assert aware(meeting.starts_at) > now_utc()
    _grow(meeting, mworld, 1, versions=False)
    login_as(client, mworld["secretary"])
    url = f"/meetings/{meeting.id}"
    few = queries_for(client, url, count_queries)
    assert few <= AGENDA_OPEN_LIMIT, few
    _grow(meeting, mworld, 6, versions=False)
    many = queries_for(client, url, count_queries)
    assert many <= few, (few, many)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="agenda-form"' in page and 'data-testid="resolution-form"' in page
