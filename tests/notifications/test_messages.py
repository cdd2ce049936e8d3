"""Notifications store a key and parameters and are worded when read, in the reader's language;
what goes in is checked (known key, JSON scalars, no phone numbers), what comes out never fails."""

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.notifications import register_messages, registry
from portal.notifications.models import Notification
from portal.notifications.services import UnknownMessage, message_for, notify
from portal.orgs.models import Role
from portal.repairs import notices
from tests.conftest import login_as, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def user(app):
    user = make_user("通知读者")
    db.session.commit()
    return user


def test_a_notification_stores_key_and_params_not_text(user):
    note = notify(user.id, "repairs.assigned", link="/repairs/42", no=42, category="elevator", summary="2号楼 电梯")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Notification, note.id)
    assert (stored.key, stored.params, stored.title, stored.link) == (
        "repairs.assigned", {"no": 42, "category": "elevator", "summary": "2号楼 电梯"}, None, "/repairs/42")


def test_the_text_follows_the_readers_language(user):
    note = notify(user.id, "repairs.accepted", no=7, category="water_power")
    assert message_for(note) == "您的水电诉求 7 已受理，正在处理。"  # no request: the default language
    with force_locale("en"):  # the category is worded in the reader's language too
        assert message_for(note) == "Your request #7 (Water and electricity) has been accepted and is being handled."
    with force_locale("zh_CN"):
        assert message_for(note) == "您的水电诉求 7 已受理，正在处理。"


def test_an_english_reader_sees_english_in_the_list_and_the_bell(client, world):
    resident = world["users"][Role.RESIDENT]
    resident.locale = "en"
    notify(resident.id, "repairs.resolved", link="/repairs/9", no=9, category="water_power")
    db.session.commit()
    login_as(client, resident)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Your request #9 (Water and electricity) has been resolved. Please rate it." in listing
    assert "您的诉求" not in listing
    bell = client.get("/notifications/bell", headers={"HX-Request": "true", "X-Block": "bell"}).get_data(as_text=True)
    assert 'title="Your request #9 (Water and electricity) has been resolved. Please rate it."' in bell
    assert re.search(r'visually-hidden">Notifications</span><span class="badge"[^>]*>1</span>'
                     r'<span class="visually-hidden">unread</span>', bell)  # read as "Notifications 1 unread"


def test_an_unknown_key_is_a_programming_error(user):
    with pytest.raises(UnknownMessage):
        notify(user.id, "repairs.no_such_message", no=1)
    assert db.session.query(Notification).count() == 0


@pytest.mark.parametrize("value", [[1], {"a": 1}, object(), float("nan"), float("inf")])
def test_parameters_must_be_json_scalars(user, value):
    with pytest.raises((TypeError, ValueError)):
        notify(user.id, "repairs.assigned", no=value, category="other", summary="x")


@pytest.mark.parametrize("value", ["13912345678", "+86 139 1234 5678", "联系 139-1234-5678 王先生", 13912345678,
                                   "8613912345678"])
def test_a_phone_number_never_goes_into_a_notification(user, value):
    with pytest.raises(ValueError, match="mobile"):
        notify(user.id, "repairs.assigned", no=value, category="other", summary="x")


@pytest.mark.parametrize("value", [42, "A-12", 2_000_000_000, "12345678901234", 3.5, True, None])
def test_ordinary_values_are_accepted(user, value):
    note = notify(user.id, "repairs.assigned", no=value, category="other", summary="x")
    assert message_for(note) == f"您有一条新派单：{value}（其他）x"


def test_the_parameters_must_fit_the_text(user):
    with pytest.raises(ValueError, match="no"):
        notify(user.id, "repairs.assigned")
    with pytest.raises(ValueError, match="extra"):
        notify(user.id, "repairs.assigned", no=1, category="other", summary="x", extra="x")


def test_reading_never_fails(user):
    """Old rows keep their text; a key whose module is gone, or a text that no longer fits its
    parameters, falls back to the stored title or a generic message in the reader's language."""
    old = Notification(user_id=user.id, title="您的报修已受理")
    orphan = Notification(user_id=user.id, key="gone.module", params={"no": 1})
    orphan_with_title = Notification(user_id=user.id, key="gone.module", params={}, title="旧的文字")
    misfit = Notification(user_id=user.id, key="repairs.assigned", params={"number": 1})
    db.session.add_all([old, orphan, orphan_with_title, misfit])
    db.session.commit()
    assert message_for(old) == "您的报修已受理"
    assert message_for(orphan) == "您有一条通知。" and message_for(misfit) == "您有一条通知。"
    assert message_for(orphan_with_title) == "旧的文字"
    with force_locale("en"):
        assert message_for(orphan) == "You have a notification."


def test_the_list_shows_orphans_instead_of_failing(client, world):
    resident = world["users"][Role.RESIDENT]
    db.session.add(Notification(user_id=resident.id, key="gone.module", params={"no": 1}))
    db.session.add(Notification(user_id=resident.id, title="旧系统的通知"))
    db.session.commit()
    login_as(client, resident)
    response = client.get("/notifications/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "您有一条通知。" in html and "旧系统的通知" in html


def test_a_row_needs_a_key_or_a_title(user):
    db.session.add(Notification(user_id=user.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_registering(test_messages):
    register_messages(test_messages)  # the same texts again: harmless (one call per app created)
    with pytest.raises(ValueError, match="already registered"):
        register_messages({"tests.accepted": _l("别的文字")})
    with pytest.raises(ValueError):
        register_messages({"NoModule": _l("别的文字")})
    with pytest.raises(TypeError):
        register_messages({"tests.plain": "不是惰性字符串"})
    assert registry.lookup("tests.plain") is None


def test_repairs_registers_every_key_its_services_use(app):
    """Every string literal passed as a key in repairs/services.py is in repairs/notices.py, and
    every registered text is used."""
    source = (ROOT / "portal" / "repairs" / "services.py").read_text(encoding="utf-8")
    used = {node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("repairs.")
                and node.value != "repairs."}  # "repairs." alone is the prefix of the step rules (f-string)
    assert used == set(notices.MESSAGES)
    assert all(registry.lookup(key) is text for key, text in notices.MESSAGES.items())
