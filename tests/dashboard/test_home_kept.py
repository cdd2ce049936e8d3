"""The home page's statements are built once per shape and kept between requests (core.kept_statements): every value
of a user is a parameter. The risk is one user's values on another's page, so users of different scopes
are served one after another by the same process — the same shape twice with different values, and a
branch absent right after a user who had it — and each must get exactly what a fresh build gives them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest

from portal.core import kept_statements as kept
from portal.core.clock import now_utc, today
from portal.core.modules import registry
from portal.core.todo_counts import Counted
from portal.extensions import db
from portal.orgs.home import shown_structure
from portal.orgs.permissions import scope_of
from portal.repairs.models import Status
from portal.surveys import services as surveys
from portal.surveys.models import Channel
from tests.conftest import login_as, make_user
from tests.dashboard.test_home_queries import _grow
from tests.meetings import conftest as meetings_fixtures
from tests.projects import conftest as projects_fixtures
from tests.repairs.conftest import make_request
from tests.repairs.test_services import bring
from tests.surveys.conftest import households, launch, values_for

co_world, mworld = projects_fixtures.co_world, meetings_fixtures.mworld  # the fixtures of those packages

TODO = re.compile(r'<li( class="todo-urgent")?><a href="([^"]*)"><span class="figure">(\d+)</span> ([^<]*)</a></li>')
#: served in this order, twice round: residents of other homes between those of the same shape, staff
#: without homes after residents, a resident after staff, someone with no scope at all among them
ORDER = ("resident", "manager", "street_admin", "neighbour", "secretary", "nobody", "member", "owners_member",
         "worker", "resident", "staff", "grid", "contact")


@pytest.fixture
def w(co_world, mworld):
    w = {**co_world, **mworld, "nobody": make_user("无岗位")}
    db.session.commit()
    _grow(w, 0)
    _grow(w, 1)
    for _ in range(3):
        make_request(w)
    for status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED):
        bring(w, make_request(w), status)
    make_request(w).due_at = now_utc() - timedelta(hours=2)
    make_request(w, by=w["neighbour"], household=w["compound"].buildings[0].households[2])
    # a campaign the resident's home has answered and the neighbour's has not
    open_campaign = launch(w, title="进行中的测评")
    surveys.submit(open_campaign, w["household"], values_for(open_campaign), channel=Channel.ONLINE)
    # the compound's latest closed campaign below 90%
    closed = launch(w, title="低于目标的测评")
    homes = [h for h in households(w["compound"]) if h.id != w["household"].id]
    for home, overall in zip(homes, [5, 5, 4, 3, 2, 4], strict=False):
        surveys.submit(closed, home, values_for(closed, overall=overall), channel=Channel.ONLINE)
    surveys.close_campaign(closed, by=w["secretary"])
    db.session.commit()
    return w


def _page(client) -> list[tuple]:
    html = client.get("/").get_data(as_text=True)
    return [(bool(urgent), unescape(url), int(count), unescape(label)) for urgent, url, count, label in TODO.findall(html)]


def _fresh(app, user) -> tuple[list[tuple], dict | None]:
    """The user's to-dos (in the page's order) and structure panel, from statements built anew for them."""
    kept.forget_kept()
    with app.test_request_context():
        todos = [todo for provider in registry().todos for todo in _alone(provider(user))]
        todos.sort(key=lambda todo: not todo.urgent)
        panel = _panel(user)
    kept.forget_kept()
    return [(t.urgent, t.url, t.count, str(t.label)) for t in todos], panel


def _alone(found) -> list:
    """A provider's to-dos, its statement run on its own (the page runs them together: core.todo_counts)."""
    return found.run() if isinstance(found, Counted) else found or []


def _panel(user) -> tuple:
    """What the structure panel shows of the structure (read anew: no stamp is read outside a request)."""
    return shown_structure(user, scope_of(user), today())


def test_each_user_gets_their_own_to_dos_from_the_kept_statements(app, w):
    users = {name: w[name] for name in ORDER}
    expected = {name: _fresh(app, user) for name, user in users.items()}
    labels = {label for todos, _panel in expected.values() for _u, _url, _n, label in todos}
    assert {"诉求已超时", "待派单的诉求", "派给我、待接单", "我正在处理", "待我评价", "满意度测评待您填写", "满意率低于90%的小区，需整改",
            "项目环节已逾期", "微心愿无人认领，请协调", "待参加的会议"} <= labels, labels
    assert any(label.startswith("进行中的满意度测评") for label in labels)
    assert expected["nobody"] == ([], ((), ()))

    clients = {name: login_as(app.test_client(), user) for name, user in users.items()}
    for _ in range(2):
        for name in ORDER:
            assert _page(clients[name]) == expected[name][0], name
            with app.test_request_context():
                assert _panel(users[name]) == expected[name][1], name
    assert 0 < len(kept._kept) < len(ORDER) * 2  # statements were kept and served again to others


def test_what_differs_between_users_of_one_shape_is_counted_for_each(app, w):
    """The resident and the neighbour share every statement's shape; their homes differ: the resident
    answered the open campaign, the neighbour did not, and each filed their own requests."""
    resident = login_as(app.test_client(), w["resident"])
    neighbour = login_as(app.test_client(), w["neighbour"])
    street = login_as(app.test_client(), w["street_admin"])
    for _ in range(2):
        mine = {label: n for _u, _url, n, label in _page(resident)}
        theirs = {label: n for _u, _url, n, label in _page(neighbour)}
        admin = {label: n for _u, _url, n, label in _page(street)}
        assert "满意度测评待您填写" not in mine and theirs["满意度测评待您填写"] == 1
        assert "满意度测评待您填写" not in admin  # no homes: the branch is absent from the admin's statement
        assert mine["待我评价"] == 1 and "待我评价" not in theirs  # the resident filed the resolved one
        assert "待派单的诉求" not in mine and "待派单的诉求" not in theirs


def test_a_kept_statement_holds_no_value_of_a_user(app, w):
    """Every parameter of every kept statement is filled at execution; the values fixed in them are the
    constants of the rules (states, thresholds), never a time, a day or a list of ids."""
    for name in ORDER:
        login_as(app.test_client(), w[name]).get("/")
    assert kept._kept
    for key, statement in kept._kept.items():
        binds = statement._generate_cache_key().bindparams
        assert any(isinstance(b, kept._Param) for b in binds), key
        for b in binds:
            if isinstance(b, kept._Param):
                assert b.value is None and b.required, (key, b.key)
            else:
                assert not isinstance(b.value, date | datetime), (key, b.key)  # now and today are parameters
                assert not b.expanding or all(isinstance(v, str) for v in b.value), (key, b.key)  # states only


def test_each_shape_is_its_own_statement(app, w):
    """Those who dispatch and those who do not, with homes and without: a statement per shape, kept once."""
    kept.forget_kept()
    for name in ORDER:
        login_as(app.test_client(), w[name]).get("/")
    shapes = {key[1:] for key in kept._kept if isinstance(key, tuple) and key[0] == "repairs.todos"}
    assert {dispatches for dispatches, _sets in shapes} == {True, False}
    assert {("compound_ids", "household_ids") in {sets[:2]} for _d, sets in shapes} == {True, False}
    surveys_shapes = {key[1:] for key in kept._kept if isinstance(key, tuple) and key[0] == "surveys.todos"}
    assert (True, False) in surveys_shapes and (False, True) in surveys_shapes
