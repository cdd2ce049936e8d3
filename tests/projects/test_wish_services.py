"""Micro-wishes through the services, without HTTP: the step table, who may do what, the record, the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.core.errors import RuleError
from portal.core.transaction import commit
from portal.extensions import db
from portal.projects import services
from portal.projects.models import ServiceRecord, Wish, WishClaim, WishEvent, WishStatus
from portal.projects.permissions import sees_personal, wish_visible
from tests.projects.conftest import inbox, make_wish


@pytest.fixture
def w(co_world):
    return co_world


def _actions(wish):
    return db.session.scalars(select(WishEvent.action).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id)).all()


def test_the_whole_loop_posts_claims_fulfils_confirms_and_records(w):
    wish = make_wish(w)
    assert wish.status == WishStatus.OPEN and wish.wisher_id == w["resident"].id
    services.claim(wish, by=w["member"])
    commit()
    assert wish.status == WishStatus.CLAIMED
    assert inbox(w["resident"]) == [f"您的微心愿 {wish.id}“想要一台旧电脑给孩子上网课”已有人认领。"]
    services.fulfil(wish, by=w["member"], note="已送去一台笔记本电脑")
    commit()
    services.confirm(wish, by=w["resident"])
    commit()
    assert wish.status == WishStatus.CONFIRMED
    record = db.session.scalar(select(ServiceRecord))
    assert record.wish_id == wish.id and record.claimant_kind == "party_member"
    assert record.party_member.user_id == w["member"].id and record.summary == "微心愿：想要一台旧电脑给孩子上网课"
    assert _actions(wish) == ["posted", "claimed", "fulfilled", "confirmed"]
    assert inbox(w["member"])[-1].startswith("您认领的微心愿")


def test_steps_offered_follow_the_table(w):
    wish = make_wish(w)
    assert services.offered_steps(w["member"], wish) == ["claim"]
    assert services.offered_steps(w["resident"], wish) == ["withdraw"]
    assert services.offered_steps(w["neighbour"], wish) == []
    services.claim(wish, by=w["member"])
    assert services.offered_steps(w["member"], wish) == ["fulfil", "release"]
    assert services.offered_steps(w["contact"], wish) == []
    services.fulfil(wish, by=w["member"], note="好了")
    assert services.offered_steps(w["resident"], wish) == ["confirm"]
    assert services.offered_steps(w["member"], wish) == []


def test_claiming_an_already_claimed_wish_is_refused(w):
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    commit()
    with pytest.raises(RuleError) as refused:
        services.claim(wish, by=w["contact"])
    assert "刚被其他人认领" in str(refused.value.message)


def test_the_database_refuses_a_second_live_claim(w):
    """Even written past the services, two live claims of one wish cannot both exist."""
    wish = make_wish(w)
    db.session.add(WishClaim(wish_id=wish.id, claimer_id=w["member"].id, claimant_kind="party_member"))
    db.session.flush()
    db.session.add(WishClaim(wish_id=wish.id, claimer_id=w["contact"].id, claimant_kind="unit", unit_id=w["unit"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_released_claim_lets_another_claim(w):
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    services.release(wish, by=w["member"], reason="临时出差")
    commit()
    services.claim(wish, by=w["contact"])
    commit()
    claims = db.session.scalars(select(WishClaim).where(WishClaim.wish_id == wish.id).order_by(WishClaim.id)).all()
    assert [c.released_at is None for c in claims] == [False, True]
    assert claims[1].unit_id == w["unit"].id and claims[1].claimant_kind == "unit"


def test_only_claimants_of_the_community_may_claim(w):
    wish = make_wish(w)
    assert not services.may_ever("claim", w["neighbour"], wish)
    assert not wish_visible(w["far_member"], wish)  # another street: not even seen
    with pytest.raises(RuleError):
        services.claim(wish, by=w["neighbour"])


def test_community_staff_claim_for_a_unit_without_an_account(w):
    wish = make_wish(w)
    with pytest.raises(RuleError) as refused:
        services.claim(wish, by=w["worker"], as_kind="unit", as_id=w["unit"].id)  # it has its own contact
    assert refused.value.field == "claimant"
    services.claim(wish, by=w["worker"], as_kind="unit", as_id=w["bare_unit"].id)
    assert wish.status == WishStatus.CLAIMED


def test_confirming_a_wish_one_did_not_post_is_refused(w):
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    services.fulfil(wish, by=w["member"], note="好了")
    with pytest.raises(RuleError) as refused:
        services.confirm(wish, by=w["neighbour"])
    assert "只有发布心愿的居民" in str(refused.value.message)
    with pytest.raises(RuleError):
        services.confirm(wish, by=w["member"])
    assert wish.status == WishStatus.FULFILLED


def test_fulfilling_needs_a_note_or_a_photo(w):
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    with pytest.raises(RuleError) as refused:
        services.fulfil(wish, by=w["member"], note="  ")
    assert refused.value.field == "note"
    services.fulfil(wish, by=w["member"], note="", has_photos=True)
    assert wish.status == WishStatus.FULFILLED


def test_a_resident_posts_only_for_their_own_home(w):
    other = w["compound"].buildings[1].households[0]
    with pytest.raises(RuleError) as refused:
        services.post_wish(by=w["resident"], compound=w["compound"], household=other, title="x")
    assert refused.value.field == "household_id"
    with pytest.raises(RuleError) as refused:
        services.post_wish(by=w["resident"], compound=w["compound"], household=w["household"], title=" ")
    assert refused.value.field == "title"


def test_staff_post_on_behalf_with_a_contact(w):
    with pytest.raises(RuleError) as refused:
        services.post_wish(by=w["worker"], compound=w["compound"], title="轮椅")
    assert refused.value.field == "contact_name"
    wish = services.post_wish(by=w["worker"], compound=w["compound"], title="轮椅", contact_name="赵奶奶",
                              contact_phone="13912345678")
    assert wish.wisher_id is None and wish.posted_by_id == w["worker"].id
    services.claim(wish, by=w["member"])
    services.fulfil(wish, by=w["member"], note="借到了")
    assert services.offered_steps(w["worker"], wish) == ["confirm"]  # no account: the worker confirms


def test_wisher_details_only_for_the_claimer_and_community_staff(w):
    wish = make_wish(w)
    assert sees_personal(w["worker"], wish) and sees_personal(w["grid"], wish) and sees_personal(w["resident"], wish)
    assert not sees_personal(w["member"], wish) and not sees_personal(w["neighbour"], wish)
    assert not wish_visible(w["manager"], wish) and not wish_visible(w["staff"], wish)
    services.claim(wish, by=w["member"])
    assert sees_personal(w["member"], wish)
    assert not wish_visible(w["neighbour"], wish)  # residents see only open wishes of their community


def test_unclaimed_for_14_days_is_raised_to_the_community_once(w):
    old = make_wish(w)
    young = make_wish(w, title="想学智能手机")
    old.created_at = services.now_utc() - timedelta(days=15)
    young.created_at = services.now_utc() - timedelta(days=13)
    commit()
    assert services.sweep() == {"raised": 1}
    commit()
    assert services.sweep() == {"raised": 0}
    assert old.raised_at is not None and young.raised_at is None
    assert inbox(w["worker"]) == [f"微心愿 {old.id}“想要一台旧电脑给孩子上网课”14天无人认领，请协调。"]
    assert inbox(w["manager"]) == []
    assert _actions(old) == ["posted", "raised"]


def test_withdrawing_a_claimed_wish_tells_the_claimer(w):
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    services.withdraw(wish, by=w["resident"])
    commit()
    assert wish.status == WishStatus.WITHDRAWN
    assert db.session.scalar(select(func.count()).select_from(WishClaim).where(WishClaim.released_at.is_(None))) == 0
    assert inbox(w["member"])[-1] == f"您认领的微心愿 {wish.id}“想要一台旧电脑给孩子上网课”已被撤回。"


def test_a_stale_version_is_a_conflict(w):
    wish = make_wish(w)
    with pytest.raises(services.Conflict):
        services.claim(wish, by=w["member"], version=wish.version + 1)
    assert db.session.get(Wish, wish.id).status == WishStatus.OPEN
