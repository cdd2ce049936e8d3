"""Two sign-ins or two confirmations at once: one wins cleanly, the other is refused by the database
(a unique constraint or the version row), nothing half-saved. Runs on a file SQLite database, or on
PostgreSQL when TEST_DATABASE_URL names one (as tests/repairs/test_concurrency.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.meetings import minutes, services
from portal.meetings.models import Attendance, Confirmation, Meeting, MinutesVersion
from tests.meetings.conftest import convene, mworld, start_now  # noqa: F401  (fixture)
from tests.meetings.test_minutes import held_meeting
from tests.repairs.test_concurrency import _file_app, app  # noqa: F401  (fixtures: two real connections)


def _attendance(meeting_id):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.meeting_id == meeting_id))


def test_two_sign_ins_at_once_one_wins(app, mworld):  # noqa: F811
    meeting = convene(mworld)
    start_now(meeting)
    meeting_id, code = meeting.id, meeting.sign_in_code
    services.sign_in(db.session.get(Meeting, meeting_id), by=mworld["manager"], code=code)
    mine = db.session()
    with app.app_context():  # the same person on a second phone
        from portal.auth.models import User

        services.sign_in(db.session.get(Meeting, meeting_id), by=db.session.get(User, mworld["manager"].id), code=code)
        mine.commit()
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert _attendance(meeting_id) == 1


def test_two_confirmations_for_one_party_at_once_one_wins(app, mworld):  # noqa: F811
    from portal.meetings.models import Invitee
    from tests.conftest import make_user

    meeting, _item = held_meeting(mworld)
    second_rep = make_user("物业副经理", role="property_manager", org=mworld["company"])
    db.session.add(Invitee(meeting_id=meeting.id, user_id=second_rep.id, organisation_id=mworld["company"].id,
                           party="property"))
    minutes.issue(meeting, by=mworld["secretary"])
    db.session.commit()
    meeting_id, rep_id = meeting.id, second_rep.id
    minutes.answer(db.session.get(Meeting, meeting_id), by=mworld["manager"], confirmed=True)
    mine = db.session()
    with app.app_context():
        from portal.auth.models import User

        minutes.answer(db.session.get(Meeting, meeting_id), by=db.session.get(User, rep_id), confirmed=True)
        mine.commit()
        with pytest.raises((IntegrityError, StaleDataError)):
            db.session.commit()
        db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Confirmation)) == 1


def test_the_last_two_confirmations_at_once_cannot_both_miss_the_lock(app, mworld):  # noqa: F811
    """Owners and property confirm at the same moment after the residents' committee: without the version
    row each would see two of three and leave the minutes unlocked; with it one is refused and, retried,
    locks them."""
    meeting, _item = held_meeting(mworld)
    minutes.issue(meeting, by=mworld["secretary"])
    minutes.answer(meeting, by=mworld["worker"], confirmed=True)
    db.session.commit()
    meeting_id = meeting.id
    minutes.answer(db.session.get(Meeting, meeting_id), by=mworld["owners_member"], confirmed=True)
    mine = db.session()
    with app.app_context():
        from portal.auth.models import User

        minutes.answer(db.session.get(Meeting, meeting_id), by=db.session.get(User, mworld["manager"].id), confirmed=True)
        mine.commit()
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
    db.session.expire_all()
    version = db.session.scalar(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting_id))
    assert version.locked_at is None  # the refused one is not half-saved
    minutes.answer(db.session.get(Meeting, meeting_id), by=mworld["manager"], confirmed=True)  # the retry
    db.session.commit()
    assert version.locked_at is not None
