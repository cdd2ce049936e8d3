"""`{% kept %}` (core.kept_tag): a piece is drawn once per value named in the tag, and base.html's kept
menu still gives each reader their own entries and marks the page they are on."""

import re

from portal.core.navigation import navigation_for
from portal.orgs.models import Role
from tests.conftest import login_as

TEMPLATE = '{% kept "tests.piece", a %}{{ a }}:{{ draw() }}{% endkept %}'


def test_a_piece_is_drawn_once_for_each_value_it_is_kept_under(app):
    drawn = []

    def draw():
        drawn.append(1)
        return len(drawn)

    template = app.jinja_env.from_string(TEMPLATE)
    with app.test_request_context("/"):
        assert template.render(a=1, draw=draw) == "1:1"
        assert template.render(a=1, draw=draw) == "1:1"  # kept: not drawn again
        assert template.render(a=2, draw=draw) == "2:2"
    with app.app_context():  # outside a request (a report built by a task): drawn every time
        assert template.render(a=1, draw=draw) == f"1:{len(drawn)}"


def _menu(html: str) -> tuple[list[str], list[str]]:
    nav = re.search(r'<nav class="container main-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r'data-nav="([^"]+)"', nav), re.findall(r'data-nav="([^"]+)" aria-current="page"', nav)


def test_each_reader_gets_their_own_menu_and_the_page_they_are_on(app, world):
    resident, manager = world["users"][Role.RESIDENT], world["users"][Role.PROPERTY_MANAGER]
    clients = {user: login_as(app.test_client(), user) for user in (resident, manager)}
    with app.test_request_context("/"):
        expected = {user: list(navigation_for(user).keys) for user in clients}
    assert expected[resident] != expected[manager]
    for _ in range(2):
        for user, client in clients.items():
            for path, current in (("/", "home"), ("/repairs/", "repairs")):
                keys, marked = _menu(client.get(path).get_data(as_text=True))
                assert keys == expected[user]
                assert marked == [current]


def test_a_page_asked_with_a_long_query_is_drawn_not_kept(app):
    """What is typed into a URL ends up in a kept piece's key: a made-up long one must not be kept."""
    from portal.core.kept import MAX_QUERY, kept_pieces

    template = app.jinja_env.from_string('{% kept "tests.typed", q %}[{{ q }}]{% endkept %}')
    typed = "水" * MAX_QUERY
    with app.test_request_context("/", query_string={"q": typed}):
        before = len(kept_pieces())
        assert template.render(q=typed) == f"[{typed}]"
        assert len(kept_pieces()) == before
    with app.test_request_context("/", query_string={"q": "水"}):
        assert template.render(q="水") == "[水]" and len(kept_pieces()) == before + 1
