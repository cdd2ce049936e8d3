"""Minutes (纪要): drafted per agenda item, issued as numbered versions, answered by each of the 3.

All three confirmed → the version locks. A correction after locking issues the next version, which
needs confirming again; earlier versions stay readable. Every answer bumps the version row's
`version` column, so two answers at once cannot both see "two of three" and both miss the lock:
one wins, the other gets a Conflict and tries again on the fresh state.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import now_utc
from portal.core.errors import Conflict, RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings.models import Answer, Confirmation, Meeting, MinutesVersion, Party
from portal.meetings.notices import ANSWER_NOW, CONFIRM_NOW
from portal.meetings.permissions import represented_party
from portal.meetings.services import _about, invitee_ids, is_quorate, link, text
from portal.meetings.steps import check, latest_version
from portal.notifications.services import notify, settle


def write_minutes(meeting: Meeting, *, by, entries: dict[int, tuple[str | None, str | None]]) -> None:
    """Save the draft: item id → (discussion, decision). Refused once the minutes are locked."""
    check("minutes", by, meeting)
    _write(meeting, entries)


def _write(meeting: Meeting, entries) -> None:
    items = {item.id: item for item in meeting.items}
    for item_id, (discussion, decision) in entries.items():
        item = items.get(item_id)
        if item is None:
            raise RuleError(_l("议题不属于这次会议。"))
        item.discussion = text(discussion, None, f"discussion_{item_id}", 5000, required=False)
        item.decision = text(decision, None, f"decision_{item_id}", 2000, required=False)


def issue(meeting: Meeting, *, by, note: str | None = None) -> MinutesVersion:
    """Send the draft to the 3 for confirmation as the next version (an unanswered earlier one is replaced)."""
    check("minutes", by, meeting)
    return _issue(meeting, by, note)


def correct(meeting: Meeting, *, by, entries, note: str) -> MinutesVersion:
    """After locking: change the draft and issue a new version that needs confirming again."""
    check("correct", by, meeting)
    note = text(note, _l("请说明更正了什么。"), "note", 500)
    _write(meeting, entries)
    return _issue(meeting, by, note)


def _issue(meeting: Meeting, by, note) -> MinutesVersion:
    if not meeting.items:
        raise RuleError(_l("议程为空，无法形成纪要。"))
    if not any(item.decision for item in meeting.items):
        raise RuleError(_l("请至少填写一项议定事项。"))
    previous = latest_version(meeting)
    if previous is not None:
        previous.superseded = True
        settle(link(meeting), CONFIRM_NOW)
    version = MinutesVersion(
        meeting_id=meeting.id, number=(previous.number + 1) if previous else 1, quorate=is_quorate(meeting),
        items=[{"title": i.title, "discussion": i.discussion or "", "decision": i.decision or ""} for i in meeting.items],
        note=text(note, None, "note", 500, required=False), issued_by_id=by.id)
    db.session.add(version)
    db.session.flush()
    about = _about(meeting)
    for user_id in representatives(meeting):
        notify(user_id, "meetings.to_confirm", link=link(meeting), title=about["title"], number=version.number)
    return version


def representatives(meeting: Meeting) -> set[int]:
    from portal.meetings.models import Invitee

    return set(db.session.scalars(select(Invitee.user_id).where(Invitee.meeting_id == meeting.id,
                                                                Invitee.party.in_(Party.THREE))))


def answer(meeting: Meeting, *, by, confirmed: bool, comment: str | None = None,
           version_number: int | None = None) -> Confirmation:
    """A representative of one of the 3 confirms, or asks for a correction with a comment."""
    check("confirm", by, meeting)
    version = latest_version(meeting)
    if version_number is not None and int(version_number) != version.number:
        raise Conflict(_l("纪要已更新为新版本，请阅读后再确认。"))
    party = represented_party(by, meeting)
    comment = text(comment, _l("请写明需要更正的内容。"), "comment", 1000, required=not confirmed)
    settle(link(meeting), CONFIRM_NOW, by.id)
    # Read what is stored without writing anything yet: two people answering at once meet at the commit
    # (the unique answer per party, and the version row below), never in a lock held half-way.
    with db.session.no_autoflush:
        existing = db.session.scalar(select(Confirmation).where(Confirmation.version_id == version.id,
                                                                Confirmation.party == party))
        already = confirmed_parties(version)
    if existing is not None and existing.answer == Answer.CONFIRMED:
        raise RuleError(_l("您所代表的单位已经确认过这一版纪要。"))
    if existing is None:
        existing = Confirmation(version_id=version.id, party=party, user_id=by.id)
        db.session.add(existing)
    existing.user_id, existing.at = by.id, now_utc()
    existing.answer = Answer.CONFIRMED if confirmed else Answer.CORRECTION
    existing.comment, existing.reply = comment, None
    version.answers_count = (version.answers_count or 0) + 1  # concurrent answers meet at this row
    if not confirmed:
        notify(meeting.convener_id, "meetings.correction_asked", link=link(meeting), title=meeting.title)
    elif already | {party} >= set(Party.THREE):
        version.locked_at = now_utc()
        with db.session.no_autoflush:
            told = {*invitee_ids(meeting), meeting.convener_id}
        for user_id in told:
            notify(user_id, "meetings.locked", link=link(meeting), title=meeting.title)
    return existing


def confirmed_parties(version: MinutesVersion) -> set[str]:
    return set(db.session.scalars(select(Confirmation.party).where(Confirmation.version_id == version.id,
                                                                   Confirmation.answer == Answer.CONFIRMED)))


def reply(meeting: Meeting, confirmation: Confirmation, *, by, text_: str) -> None:
    """The secretary answers a correction request (and may then issue a corrected version)."""
    check("reply", by, meeting)
    if confirmation.version.meeting_id != meeting.id or confirmation.answer != Answer.CORRECTION:
        raise RuleError(_l("没有需要答复的更正意见。"))
    confirmation.reply = text(text_, _l("请填写答复。"), "reply", 1000)
    settle(link(meeting), ANSWER_NOW, by.id)
    notify(confirmation.user_id, "meetings.correction_answered", link=link(meeting), title=meeting.title)


def versions(meeting: Meeting) -> list[MinutesVersion]:
    return list(db.session.scalars(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
                                   .order_by(MinutesVersion.number.desc())))


def locked_version(meeting: Meeting) -> MinutesVersion | None:
    return db.session.scalar(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id,
                                                          MinutesVersion.locked_at.is_not(None))
                             .order_by(MinutesVersion.number.desc()).limit(1))
