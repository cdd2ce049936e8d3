"""Micro-wishes (微心愿) from posting to the service record, and the 14-day sweep.

Each step is declared once in STEPS: from which states, to which, who may ever take it (else the view
answers 403) and what must hold now, each with the message a refusal shows. The wish page offers exactly
the steps the table allows now; the tests read it. Nothing here touches `request`, so all of it is
tested without HTTP. A refused change raises RuleError and leaves the wish as it was.

One live claim per wish is the database's rule (a partial unique index on co_wish_claim), and the wish is
versioned: of two people claiming at once, exactly one commit wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from portal.core.clock import now_utc, today
from portal.core.errors import Conflict, RuleError
from portal.core.permissions import rule
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.notifications.services import notify, settle
from portal.orgs.models import Compound, Organisation, OrgKind, Position
from portal.orgs.permissions import scope_of
from portal.projects.models import (
    WISH_CATEGORIES,
    ClaimantKind,
    ServiceRecord,
    Wish,
    WishClaim,
    WishEvent,
    WishStatus,
)
from portal.projects.permissions import (
    CO_STAFF_ROLES,
    claim_options,
    is_live_claimer,
    is_staff_here,
    live_claim,
    may_confirm,
    may_ever_claim,
    may_ever_claimer_step,
    may_ever_confirm,
    may_withdraw,
    staff_compound_ids,
)

__all__ = ["Conflict", "RuleError", "STEPS", "now_utc"]

RAISE_AFTER = timedelta(days=14)
WRONG_STATE = _l("这个心愿当前的状态下不能进行这个操作。")
STALE = _l("这个心愿刚被其他人处理过，已为您显示最新状态。")
ALREADY_CLAIMED = _l("这个心愿刚被其他人认领了。")

Who = Callable[[object, Wish], bool]


@dataclass(frozen=True)
class Step:
    """One step of a wish, as the service checks it, the page offers it and the view guards it."""

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    ever: Who  #: could this user ever take it on this wish? No: 403
    now: tuple[tuple[Who, object], ...]
    wrong_state: object = WRONG_STATE

    def allowed(self, user, wish: Wish) -> bool:
        return wish.status in self.sources and all(test(user, wish) for test, _m in self.now)

    def check(self, user, wish: Wish, version: int | None) -> str:
        if version is not None and int(version) != wish.version:
            raise Conflict(STALE)
        if wish.status not in self.sources:
            raise RuleError(ALREADY_CLAIMED if self.name == "claim" and wish.status == WishStatus.CLAIMED
                            else self.wrong_state)
        for test, message in self.now:
            if not test(user, wish):
                raise RuleError(message)
        return wish.status


def _has_claim_option(user, wish) -> bool:
    return bool(claim_options(user, wish))


_OPEN, _CLAIMED = (WishStatus.OPEN,), (WishStatus.CLAIMED,)
#: in the order the wish page offers them
STEPS: dict[str, Step] = {step.name: step for step in (
    Step("claim", _OPEN, _CLAIMED, may_ever_claim,
         ((_has_claim_option, _l("只有在本社区报到的党员或驻区单位可以认领。")),)),
    Step("fulfil", _CLAIMED, (WishStatus.FULFILLED,), may_ever_claimer_step,
         ((is_live_claimer, _l("只有认领人可以登记完成。")),)),
    Step("release", _CLAIMED, _OPEN, may_ever_claimer_step,
         ((is_live_claimer, _l("只有认领人可以放弃认领。")),)),
    Step("confirm", (WishStatus.FULFILLED,), (WishStatus.CONFIRMED,), may_ever_confirm,
         ((may_confirm, _l("只有发布心愿的居民可以确认。")),)),
    Step("withdraw", (WishStatus.OPEN, WishStatus.CLAIMED), (WishStatus.WITHDRAWN,), may_withdraw,
         ((may_withdraw, _l("只有发布心愿的人可以撤回。")),)),
)}

for _step in STEPS.values():
    rule(f"projects.wish_{_step.name}")(_step.allowed)


def may_ever(step: str, user, wish: Wish) -> bool:
    return STEPS[step].ever(user, wish)


def offered_steps(user, wish: Wish) -> list[str]:
    return [name for name, step in STEPS.items() if step.allowed(user, wish)]


# --- helpers ---------------------------------------------------------------------------------------

def _text(message) -> str:
    """Timeline notes in the portal's default language, whoever acted."""
    from flask import current_app, has_app_context

    locale = current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "zh_CN"
    with force_locale(locale):
        return str(message)


def _limit(value: str | None, length: int, field: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > length:
        raise RuleError(_l("不能超过 %(n)s 个字。", n=length), field)
    return value


def _event(wish: Wish, actor, action: str, before: str | None, note: str | None = None) -> None:
    db.session.add(WishEvent(wish=wish, actor_id=getattr(actor, "id", None), action=action,
                             from_status=before, to_status=wish.status, note=note))


def link(wish: Wish) -> str:
    return f"/projects/wishes/{wish.id}"


def _about(wish: Wish) -> dict:
    with db.session.no_autoflush:
        return {"no": wish.id, "title": wish.title}


def community_staff(compound_id: int):
    """A select of the active users holding community posts over `compound_id`'s community."""
    from portal.auth.models import User

    community_id = select(Compound.community_id).where(Compound.id == compound_id).scalar_subquery()
    return (select(User).join(Position, Position.user_id == User.id)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(User.active.is_(True), Position.role.in_(CO_STAFF_ROLES - {"street_admin"}),
                   Position.is_open(today()), Organisation.community_id == community_id,
                   Organisation.kind.in_([OrgKind.RESIDENTS_COMMITTEE, OrgKind.PARTY_COMMITTEE])).distinct())


def _tell_staff(wish: Wish, key: str) -> None:
    with db.session.no_autoflush:
        people = {user.id for user in db.session.scalars(community_staff(wish.compound_id))}
    for user_id in people:
        notify(user_id, key, link=link(wish), **_about(wish))


def _tell_wisher(wish: Wish, key: str) -> None:
    if wish.wisher_id:
        notify(wish.wisher_id, key, link=link(wish), **_about(wish))


# --- posting ----------------------------------------------------------------------------------------

def post_wish(*, by, compound: Compound, title: str, description: str | None = None, category: str = "other",
              household=None, wisher=None, contact_name: str | None = None,
              contact_phone: str | None = None) -> Wish:
    """A resident posts for their own household; community staff post on a resident's behalf (the
    household they name, the resident's account when they have one, a name and phone to call)."""
    scope = scope_of(by)
    own_home = household is not None and household.id in scope.household_ids
    on_behalf = compound.id in staff_compound_ids(by) and not own_home  # staff posting for their own home: theirs
    if household is not None and household.building.compound_id != compound.id:
        raise RuleError(_l("房屋不属于这个小区。"), "household_id")
    if not on_behalf:
        if household is None or household.id not in scope.household_ids:
            raise RuleError(_l("只能为自己家发布心愿。"), "household_id")
        wisher = by
    title = _limit(title, 60, "title")
    if not title:
        raise RuleError(_l("请用一句话写下心愿。"), "title")
    if category not in WISH_CATEGORIES:
        raise RuleError(_l("请选择类别。"), "category")
    description = _limit(description, 1000, "description")
    contact_name = _limit(contact_name, 64, "contact_name")
    contact_phone = _limit(contact_phone, 20, "contact_phone")
    if on_behalf and wisher is None and not (contact_name and contact_phone):
        raise RuleError(_l("代居民发布时请填写联系人和电话，以便认领人联系。"), "contact_name")
    wish = Wish(compound_id=compound.id, household_id=household.id if household else None,
                wisher_id=wisher.id if wisher else None, posted_by_id=by.id, title=title,
                description=description, category=category, status=WishStatus.OPEN,
                contact_name=contact_name, contact_phone=contact_phone)
    db.session.add(wish)
    db.session.flush()
    _event(wish, by, "posted", None)
    return wish


# --- claiming and fulfilling ----------------------------------------------------------------------

def claim(wish: Wish, *, by, as_kind: str | None = None, as_id: int | None = None,
          version: int | None = None) -> WishClaim:
    """认领: as a party member, or for a unit (its contact, or community staff acting for it). The insert
    of the live claim is the database's check: a second live claim of the wish is refused."""
    before = STEPS["claim"].check(by, wish, version)
    options = claim_options(by, wish)
    if as_kind is None and len(options) == 1:
        as_kind, as_id = options[0][0], options[0][1].id
    chosen = next(((k, o) for k, o in options if k == as_kind and o.id == as_id), None)
    if chosen is None:
        raise RuleError(_l("请选择以谁的名义认领。"), "claimant")
    kind, claimant = chosen
    name = claimant.user.name if kind == ClaimantKind.PARTY_MEMBER else claimant.name  # loaded before any change
    claim = WishClaim(wish=wish, claimer_id=by.id, claimant_kind=kind,
                      party_member_id=claimant.id if kind == ClaimantKind.PARTY_MEMBER else None,
                      unit_id=claimant.id if kind == ClaimantKind.UNIT else None)
    db.session.add(claim)
    wish.status = WishStatus.CLAIMED
    _event(wish, by, "claimed", before, name)
    _tell_wisher(wish, "projects.wish_claimed")
    return claim


def claimant_name(claim: WishClaim) -> str:
    if claim.claimant_kind == ClaimantKind.UNIT:
        return claim.unit.name if claim.unit else ""
    return claim.party_member.user.name if claim.party_member else ""


def release(wish: Wish, *, by, reason: str | None = None, version: int | None = None) -> None:
    """The claimer gives the wish back; it is open again for others."""
    before = STEPS["release"].check(by, wish, version)
    live_claim(wish).released_at = now_utc()
    wish.status = WishStatus.OPEN
    _event(wish, by, "released", before, _limit(reason, 200, "reason"))


def fulfil(wish: Wish, *, by, note: str | None = None, has_photos: bool = False, version: int | None = None) -> None:
    """The claimer says it is done, with a note or a photo as proof; the wisher is asked to confirm."""
    before = STEPS["fulfil"].check(by, wish, version)
    note = _limit(note, 1000, "note")
    if not note and not has_photos:
        raise RuleError(_l("请写下完成情况或上传一张照片。"), "note")
    wish.status, wish.fulfil_note, wish.fulfilled_at = WishStatus.FULFILLED, note, now_utc()
    _event(wish, by, "fulfilled", before, note)
    if wish.wisher_id:
        _tell_wisher(wish, "projects.wish_fulfilled")
    else:
        _tell_staff(wish, "projects.wish_fulfilled_staff")


def confirm(wish: Wish, *, by, version: int | None = None) -> ServiceRecord:
    """The wisher confirms: the claimer's work goes into the service record (一事一记录)."""
    before = STEPS["confirm"].check(by, wish, version)
    settle(link(wish), ("projects.wish_fulfilled", "projects.wish_fulfilled_staff"))
    now = now_utc()
    wish.status, wish.confirmed_at = WishStatus.CONFIRMED, now
    _event(wish, by, "confirmed", before)
    claim = live_claim(wish)
    record = ServiceRecord(community_id=wish.compound.community_id, compound_id=wish.compound_id,
                           done_on=today(), claimant_kind=claim.claimant_kind,
                           party_member_id=claim.party_member_id, unit_id=claim.unit_id,
                           summary=_text(_l("微心愿：%(title)s", title=wish.title))[:200], wish_id=wish.id)
    db.session.add(record)
    notify(claim.claimer_id, "projects.wish_confirmed", link=link(wish), **_about(wish))
    return record


def withdraw(wish: Wish, *, by, version: int | None = None) -> None:
    before = STEPS["withdraw"].check(by, wish, version)
    claim = live_claim(wish)
    if claim is not None:
        claim.released_at = now_utc()
        notify(claim.claimer_id, "projects.wish_withdrawn", link=link(wish), **_about(wish))
    wish.status = WishStatus.WITHDRAWN
    _event(wish, by, "withdrawn", before)


# --- the sweep --------------------------------------------------------------------------------------

def sweep(now=None) -> dict:
    """Raise wishes unclaimed for 14 days to the community, once each (raised_at stays set)."""
    now = now or now_utc()
    stale = db.session.scalars(select(Wish).where(
        Wish.status == WishStatus.OPEN, Wish.raised_at.is_(None), Wish.created_at < now - RAISE_AFTER)).all()
    for wish in stale:
        wish.raised_at = now
        _event(wish, None, "raised", wish.status)
        _tell_staff(wish, "projects.wish_unclaimed")
    return {"raised": len(stale)}


def may_post_here(user, compound_id: int) -> bool:
    return compound_id in staff_compound_ids(user) or compound_id in scope_of(user).compounds_with({"resident"})


__all__ += ["is_staff_here"]
