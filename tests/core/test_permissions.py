"""Scope: the union of every open position's scope; ended positions give nothing."""

from datetime import date, timedelta

from portal.core.masking import mask_name, mask_phone
from portal.core.permissions import can
from portal.extensions import db
from portal.orgs.models import Position, Role
from portal.orgs.permissions import compute_scope


def test_each_role_sees_what_domain_md_says(world):
    users = world["users"]
    compound, other, far = world["compound"].id, world["other_compound"].id, world["far_compound"].id
    assert compute_scope(users[Role.STREET_ADMIN]).compound_ids == {compound, other}
    assert compute_scope(users[Role.PARTY_SECRETARY]).compound_ids == {compound, other}
    assert compute_scope(users[Role.GRID_WORKER]).compound_ids == {compound}
    assert compute_scope(users[Role.OWNERS_COMMITTEE]).compound_ids == {compound}
    assert compute_scope(users[Role.PROPERTY_MANAGER]).compound_ids == {compound}
    assert compute_scope(users[Role.RESIDENT]).compound_ids == {compound}
    for user in users.values():
        assert far not in compute_scope(user).compound_ids


def test_cross_appointment_is_the_union_and_an_ended_position_gives_nothing(world):
    committee = world["users"][Role.OWNERS_COMMITTEE]
    position = Position(user_id=committee.id, organisation_id=world["party"].id, role=Role.PARTY_COMMITTEE,
                        title="兼职委员", start_date=date.today() - timedelta(days=10))
    db.session.add(position)
    db.session.commit()
    scope = compute_scope(committee)
    assert {Role.OWNERS_COMMITTEE, Role.PARTY_COMMITTEE} <= scope.roles
    assert world["other_compound"].id in scope.compound_ids
    position.end_date = date.today() - timedelta(days=1)
    db.session.commit()
    assert compute_scope(committee).compound_ids == {world["compound"].id}


def test_personal_data_only_for_those_who_act_on_it(world, app):
    household = world["household"]
    users = world["users"]
    with app.test_request_context():
        allowed = {role for role, user in users.items() if can(user, "household.personal", household)}
    assert allowed == {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER,
                       Role.PROPERTY_MANAGER, Role.RESIDENT}


def test_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_name("王小明") == "王**"


def test_phone_numbers_never_reach_the_logs(caplog):
    import logging

    from portal.core.logging import install_log_masking

    install_log_masking()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET /compounds/1/households?q=%s HTTP/1.1" 200 -', "13812345678")
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text
