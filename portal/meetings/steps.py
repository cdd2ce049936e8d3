"""The steps of a meeting, declared once: who may ever take each (else 403) and what must hold now
(each condition with the message a refusal shows). Services check through this table, pages offer
exactly what it allows, and each step is also the permission rule `meetings.<step>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from portal.core.clock import aware, now_utc
from portal.core.errors import RuleError
from portal.core.permissions import rule
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings.known import UNKNOWN, known
from portal.meetings.models import Attendance, MeetingStatus, MinutesVersion
from portal.meetings.permissions import is_invitee, manages, represented_party

Who = Callable[[object, object], bool]
#: the sign-in code works from this long before the start until the end
SIGN_IN_EARLY = timedelta(minutes=30)
NOT_YOURS = _l("您不能对这次会议进行这个操作。")


@dataclass(frozen=True)
class Step:
    name: str
    ever: Who  #: could this user ever take it on this meeting? No: 403
    now: tuple[tuple[Who, object], ...]  #: what must hold now, each with its refusal message

    def allowed(self, user, meeting) -> bool:
        return self.ever(user, meeting) and all(test(user, meeting) for test, _m in self.now)

    def check(self, user, meeting) -> None:
        if not self.ever(user, meeting):
            raise RuleError(NOT_YOURS)
        for test, message in self.now:
            if not test(user, meeting):
                raise RuleError(message)


def latest_version(meeting) -> MinutesVersion | None:
    latest = known(meeting, "latest")
    if latest is not UNKNOWN:
        return latest
    return db.session.scalar(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
                             .order_by(MinutesVersion.number.desc()).limit(1))


def _scheduled(user, meeting) -> bool:
    return meeting.status == MeetingStatus.SCHEDULED


def _not_started(user, meeting) -> bool:
    return aware(meeting.starts_at) > now_utc()


def _started(user, meeting) -> bool:
    return now_utc() >= aware(meeting.starts_at) - SIGN_IN_EARLY


def in_sign_in_window(meeting, now=None) -> bool:
    now = now or now_utc()
    return aware(meeting.starts_at) - SIGN_IN_EARLY <= now <= aware(meeting.ends_at)


def _in_window(user, meeting) -> bool:
    return in_sign_in_window(meeting)


def _not_signed(user, meeting) -> bool:
    signed = known(meeting, "signed")
    if signed is not UNKNOWN:
        return user.id not in signed
    return db.session.scalar(select(Attendance.id).where(Attendance.meeting_id == meeting.id,
                                                         Attendance.user_id == user.id)) is None


def already_signed(user, meeting) -> bool:
    return not _not_signed(user, meeting)


def _no_minutes(user, meeting) -> bool:
    return latest_version(meeting) is None


def _not_locked(user, meeting) -> bool:
    version = latest_version(meeting)
    return version is None or version.locked_at is None


def _locked(user, meeting) -> bool:
    version = latest_version(meeting)
    return version is not None and version.locked_at is not None


def _awaiting(user, meeting) -> bool:
    version = latest_version(meeting)
    return version is not None and version.locked_at is None


def _not_disclosed(user, meeting) -> bool:
    return meeting.disclosed_at is None


def _represents(user, meeting) -> bool:
    return represented_party(user, meeting) is not None


CANCELLED = _l("会议已取消。")
STEPS: dict[str, Step] = {step.name: step for step in (
    Step("reschedule", manages, ((_scheduled, CANCELLED), (_no_minutes, _l("纪要已经形成，不能再改期。")))),
    Step("cancel", manages, ((_scheduled, CANCELLED), (_no_minutes, _l("纪要已经形成，不能取消。")))),
    Step("agenda", manages, ((_scheduled, CANCELLED), (_no_minutes, _l("纪要已经形成，议程不能再修改。")))),
    Step("attendance", manages, ((_scheduled, CANCELLED), (_started, _l("会议开始前半小时起才能签到。")),
                                 (_no_minutes, _l("纪要已经形成，签到已结束。")))),
    Step("sign_in", is_invitee, ((_scheduled, CANCELLED), (_in_window, _l("签到码只在会议期间有效。")),
                                 (_not_signed, _l("您已经签到。")))),
    Step("minutes", manages, ((_scheduled, CANCELLED), (_started, _l("会议开始后才能记录纪要。")),
                              (_not_locked, _l("纪要已三方确认并锁定；如需修改，请发起更正（生成新版本）。")))),
    Step("correct", manages, ((_locked, _l("纪要尚未锁定，直接修改后重新发出即可。")),)),
    Step("confirm", _represents, ((_awaiting, _l("没有待确认的纪要。")),)),
    Step("reply", manages, ((_awaiting, _l("没有待确认的纪要。")),)),
    Step("resolutions", manages, ((_scheduled, CANCELLED), (_started, _l("会议开始后才能形成决议事项。")))),
    Step("disclose", manages, ((_locked, _l("纪要三方确认锁定后才能公示。")),
                               (_not_disclosed, _l("已经公示。")))),
)}

for _step in STEPS.values():
    rule(f"meetings.{_step.name}")(_step.allowed)


def may_ever(step: str, user, meeting) -> bool:
    return STEPS[step].ever(user, meeting)


def check(step: str, user, meeting) -> None:
    STEPS[step].check(user, meeting)
