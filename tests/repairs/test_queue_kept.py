"""The queue's statements are built once per shape and kept (repairs.queries.queue_page): whoever is served
next gets their own requests, filter values and search text never stay in a kept statement, and the
search still matches "%" and "_" literally."""

from __future__ import annotations

import re
from datetime import date, datetime

from portal.core import kept_statements as kept
from portal.extensions import db
from portal.repairs import services
from tests.conftest import login_as
from tests.repairs.conftest import make_request
from tests.repairs.test_views_queue import ids_on


def test_two_residents_of_one_shape_each_see_their_own_requests(two_homes):
    mine, theirs, resident, neighbour = (two_homes[k] for k in ("mine", "theirs", "resident", "neighbour"))
    for _ in range(2):
        assert ids_on(resident) == [mine.id]
        assert ids_on(neighbour) == [theirs.id]
        assert ids_on(resident, "/repairs/?q=暖气") == [] and ids_on(neighbour, "/repairs/?q=暖气") == [theirs.id]


def test_the_search_matches_percent_and_underscore_literally(app, repair_world):
    w = repair_world
    percent = make_request(w, description="电费多收了50%")
    plain = make_request(w, description="电费多收了500元")
    underscore = make_request(w, description="门牌写成了A_1")
    other = make_request(w, description="门牌写成了AB1")
    client = login_as(app.test_client(), w["manager"])
    assert ids_on(client, "/repairs/?q=50%25") == [percent.id]
    assert set(ids_on(client, "/repairs/?q=50")) == {percent.id, plain.id}
    assert ids_on(client, "/repairs/?q=A_1") == [underscore.id] and other.id not in ids_on(client, "/repairs/?q=A_1")


def test_no_kept_queue_statement_holds_a_value_of_the_request(app, repair_world):
    w = repair_world
    req = make_request(w, description="楼道灯不亮")
    services.assign(req, by=w["manager"], handler=w["staff"])
    db.session.commit()
    compound = w["compound"].id
    asked = (f"/repairs/?q=楼道灯&status=assigned&kind=household&category=water_power&compound={compound}"
             "&from=2020-01-01&to=2099-12-31&mine=handler&overdue=1")
    kept.forget_kept()
    for user in (w["manager"], w["staff"], w["resident"]):
        client = login_as(app.test_client(), user)
        client.get(asked)
        client.get("/repairs/?tab=closed&q=灯&page=2")
    queue = {key: statement for key, statement in kept._kept.items() if key[0] == "repairs.queue"}
    assert len(queue) >= 4  # count and rows, for several shapes
    # the text asked for (states and kinds are also the rules' own constants, and small ids look like the
    # order's 0 and 1: those are left to the parameter check above and to the alternation test)
    values = {"楼道灯", "%楼道灯%", "灯", "water_power"}
    for key, statement in queue.items():
        for bind in statement._generate_cache_key().bindparams:
            if isinstance(bind, kept._Param):
                assert bind.value is None and bind.required, (key, bind.key)
            else:
                assert not isinstance(bind.value, date | datetime), (key, bind.key)
                fixed = bind.value if isinstance(bind.value, list | tuple) else [bind.value]
                assert not any(value in values for value in fixed), (key, bind.key, bind.value)


def _page_of(client, url: str) -> str:
    return re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1-", client.get(url).get_data(as_text=True))


def test_the_kept_page_head_and_menu_are_what_a_fresh_drawing_shows(app, repair_world):
    """The queue's head (tabs, filters, search) and the page's menu are kept rendered (core.kept_tag) under
    the values they show: serve pages that differ in one value each, one after another, and each must
    equal the page drawn with nothing kept."""
    w = repair_world
    make_request(w, description="楼道灯不亮")
    compound = w["compound"].id
    urls = ["/repairs/", "/repairs/?tab=closed", "/repairs/?status=assigned", "/repairs/?kind=household",
            "/repairs/?category=water_power", f"/repairs/?compound={compound}", "/repairs/?from=2020-01-01",
            "/repairs/?to=2099-12-31", "/repairs/?mine=handler", "/repairs/?mine=requester", "/repairs/?overdue=1",
            "/repairs/?q=灯", "/repairs/?q=%20灯", "/repairs/?q=灯&tab=closed", "/repairs/board"]
    clients = [login_as(app.test_client(), user) for user in (w["manager"], w["staff"], w["resident"])]
    served = {(i, url): _page_of(client, url) for i, client in enumerate(clients) for url in urls}
    for (i, url), html in served.items():
        app.extensions.pop("portal.kept_html", None)
        assert _page_of(clients[i], url) == html, (i, url)
