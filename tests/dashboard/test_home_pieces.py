"""The home page's kept pieces (core.kept): the structure section (orgs.home) and the to-do section
(dashboard.views.todo_list) are drawn again whenever anything they show changes, a kept piece is exactly
what a fresh drawing gives, and the structure's values are read again as soon as the structure moves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from portal.core.clock import today
from portal.core.modules import Todo
from portal.dashboard import views
from portal.extensions import db
from portal.orgs import home, services
from portal.orgs.models import HouseholdMember, Position, Role, ServiceContract
from portal.orgs.permissions import forget_scope, scope_of
from tests.conftest import login_as, make_compound, make_contract, make_org


def _kept_structure(user) -> str:
    forget_scope()
    return str(home.structure_panel(user)["html"])


def _fresh_structure(app, user) -> str:
    forget_scope()
    scope, on = scope_of(user), today()
    positions, compounds = home.shown_structure(user, scope, on)
    draw = app.jinja_env.get_template("orgs/_home_macros.html").module.structure_section
    return str(draw(positions, Role.RESIDENT in scope.roles, bool(scope.roles), home.has_coverage(scope), compounds,
                    len(scope.compound_ids), services.ROLE_LABELS))


STRUCTURE_CHANGES = {
    "post title": lambda w, user: setattr(user.positions[0], "title", "新职务"),
    "organisation name": lambda w, user: setattr(w["party"], "name", "改名党委"),
    "compound name": lambda w, user: setattr(w["compound"], "name", "改名小区"),
    "community name": lambda w, user: setattr(w["community"], "name", "改名社区"),
    "company name": lambda w, user: setattr(w["company"], "name", "改名物业"),
    "contract ended": lambda w, user: [setattr(c, "end_date", date.today() - timedelta(days=1))
                                       for c in db.session.query(ServiceContract).filter_by(compound_id=w["compound"].id)],
    "new contract": lambda w, user: make_contract(w["other_compound"], make_org("property_company", street=w["street"], name="新物业")),
    "another compound": lambda w, user: make_compound(w["community"], "新小区"),
    "a second post": lambda w, user: db.session.add(Position(user_id=user.id, organisation_id=w["residents_committee"].id,
                                                             role=Role.COMMUNITY_WORKER, title="社工",
                                                             start_date=date.today() - timedelta(days=1))),
    "post ended": lambda w, user: setattr(user.positions[0], "end_date", date.today() - timedelta(days=1)),
    "now a resident": lambda w, user: db.session.add(HouseholdMember(household_id=w["household"].id, user_id=user.id,
                                                                    relation="tenant")),
}


@pytest.mark.parametrize("change", STRUCTURE_CHANGES)
def test_a_changed_value_draws_the_structure_section_again(app, world, change):
    user = world["users"][Role.PARTY_SECRETARY]
    with app.test_request_context("/"):
        before = _kept_structure(user)
        assert before == _fresh_structure(app, user)
        assert "阳光花园" in before and "和平社区党委 · 书记" in before
        STRUCTURE_CHANGES[change](world, user)
        db.session.flush()
        db.session.expire_all()
        after = _kept_structure(user)
        assert after == _fresh_structure(app, user)
        assert after != before


def test_the_structure_section_is_drawn_in_the_readers_language(app, world):
    user = world["users"][Role.PROPERTY_MANAGER]
    with app.test_request_context("/"):
        with force_locale("zh_CN"):
            chinese = _kept_structure(user)
        with force_locale("en"):
            english = _kept_structure(user)
            assert english == _fresh_structure(app, user)
    assert "我负责的小区" in chinese and "My compounds" in english


@pytest.fixture
def computed(monkeypatch):
    """How many times the structure section's values were really read."""
    calls = {"n": 0}
    real = home.shown_structure

    def counting(*args):
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(home, "shown_structure", counting)
    return calls


def test_the_structure_values_are_read_once_until_the_structure_moves(app, world, client, computed):
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    assert "阳光花园" in client.get("/").get_data(as_text=True)
    read = computed["n"]
    assert "阳光花园" in client.get("/").get_data(as_text=True)
    assert computed["n"] == read  # kept under the structure's stamp
    world["compound"].name = "朝阳花园"
    db.session.commit()  # moves the stamp
    html = client.get("/").get_data(as_text=True)
    assert computed["n"] == read + 1 and "朝阳花园" in html and "阳光花园" not in html


TODOS = [Todo("诉求已超时", 3, "/repairs/?overdue=1", urgent=True), Todo("待派单的诉求", 2, "/repairs/?status=submitted")]
TODO_CHANGES = {
    "urgent": lambda todos: [Todo(todos[0].label, todos[0].count, todos[0].url, urgent=False), todos[1]],
    "count": lambda todos: [Todo(todos[0].label, 4, todos[0].url, urgent=True), todos[1]],
    "url": lambda todos: [Todo(todos[0].label, todos[0].count, "/repairs/?overdue=2", urgent=True), todos[1]],
    "label": lambda todos: [Todo("我正在处理", todos[0].count, todos[0].url, urgent=True), todos[1]],
    "a line less": lambda todos: todos[:1],
    "order": lambda todos: todos[::-1],
}


def _fresh_todos(app, todos) -> str:
    """The to-do section as the home page drew it before it was kept."""
    return app.jinja_env.from_string(
        '{% for todo in todos %}<li{% if todo.urgent %} class="todo-urgent"{% endif %}><a href="{{ todo.url }}">'
        '<span class="figure">{{ todo.count }}</span> {{ todo.label }}</a></li>{% endfor %}').render(todos=todos)


def _lines(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines() if line.strip().startswith("<li"))


@pytest.mark.parametrize("change", TODO_CHANGES)
def test_a_changed_value_draws_the_to_do_section_again(app, change):
    with app.test_request_context("/"):
        before = str(views.todo_list(TODOS))
        assert _lines(before) == _fresh_todos(app, TODOS)
        changed = TODO_CHANGES[change](TODOS)
        after = str(views.todo_list(changed))
        assert _lines(after) == _fresh_todos(app, changed)
        assert after != before


def test_a_lazy_label_is_kept_in_each_language(app):
    from portal.core.translations import lazy_gettext as _l

    todos = [Todo(_l("待派单的诉求"), 2, "/repairs/?status=submitted"), Todo(_l("进行中的满意度测评（参与率 %(rate)s%%）", rate=13), 1, "/surveys/")]
    with app.test_request_context("/"):
        with force_locale("zh_CN"):
            chinese = str(views.todo_list(todos))
            assert _lines(chinese) == _fresh_todos(app, todos)
        with force_locale("en"):
            english = str(views.todo_list(todos))
            assert _lines(english) == _fresh_todos(app, todos)
    assert "待派单的诉求" in chinese and "待派单的诉求" not in english and "13%" in english
    assert views.todo_list([]) is None


def test_the_repairs_section_is_drawn_for_whether_the_user_may_file(app, world, monkeypatch):
    from portal.core import permissions
    from portal.repairs.todos import repairs_panel

    draw = app.jinja_env.get_template("repairs/_home_macros.html").module.repairs_section
    with app.test_request_context("/"):
        resident = str(repairs_panel(world["users"][Role.RESIDENT])["html"])
        real = permissions.can
        monkeypatch.setattr(permissions, "can", lambda user, name, obj=None: name != "repairs.file" and real(user, name, obj))
        may_not = str(repairs_panel(world["users"][Role.RESIDENT])["html"])
        monkeypatch.setattr(permissions, "can", real)
        assert resident == str(draw(True)) and may_not == str(draw(False)) and resident != may_not
        with force_locale("en"):
            english = str(repairs_panel(world["users"][Role.RESIDENT])["html"])
            assert english == str(draw(True)) != resident


def test_the_glance_slot_is_drawn_in_the_readers_language(app, world):
    from portal.dashboard.glance import glance_slot

    draw = app.jinja_env.get_template("dashboard/_home_macros.html").module.glance_slot
    user = world["users"][Role.STREET_ADMIN]
    with app.test_request_context("/"):
        chinese = str(glance_slot(user)["html"])
        with force_locale("en"):
            english = str(glance_slot(user)["html"])
            assert english == str(draw())
        assert chinese == str(draw()) != english
        assert glance_slot(world["users"][Role.RESIDENT]) is None
