"""Home-page to-dos: each module adds what the person must do now; every figure links to the queue
filtered the same way, and the queue's count is the figure. Counted in one query."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.core.clock import now_utc
from portal.extensions import db
from portal.repairs.models import Status
from portal.repairs.todos import todos
from tests.conftest import login_as
from tests.repairs.conftest import make_request
from tests.repairs.test_services import bring

ACTORS = ("resident", "neighbour", "manager", "staff", "staff2", "worker", "secretary", "grid", "owners",
          "street_admin")


def _world_with_work(w):
    for status in (Status.SUBMITTED, Status.ASSIGNED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED,
                   Status.CLOSED):
        bring(w, make_request(w), status)
    late = make_request(w)
    late.due_at = now_utc() - timedelta(hours=2)
    db.session.commit()


def _listed(client, url) -> int:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r"共 (\d+) 条", html)
    return int(match.group(1)) if match else 0


def test_every_figure_is_the_count_of_the_list_it_links_to(app, repair_world):
    w = repair_world
    _world_with_work(w)
    seen = set()
    for actor in ACTORS:
        client = login_as(app.test_client(), w[actor])
        with app.test_request_context():
            items = todos(w[actor])
        for item in items:
            seen.add(str(item.label))
            assert _listed(client, item.url) == item.count, (actor, str(item.label), item.url)
        home = client.get("/").get_data(as_text=True)
        for item in items:
            assert f'href="{item.url.replace("&", "&amp;")}"' in home
    assert {"诉求已超时", "待派单的诉求", "派给我、待接单", "我正在处理", "待我评价"} <= seen


def test_the_repairman_is_told_what_to_accept_and_the_resident_what_to_rate(app, repair_world):
    w = repair_world
    _world_with_work(w)
    with app.test_request_context():
        staff = {str(t.label): t.count for t in todos(w["staff"])}
        resident = {str(t.label): t.count for t in todos(w["resident"])}
        owners = {str(t.label): t.count for t in todos(w["owners"])}
    assert staff["派给我、待接单"] == 2 and staff["我正在处理"] == 1
    assert resident == {"诉求已超时": 1, "待我评价": 1}
    assert "待派单的诉求" not in owners  # the owners' committee sees requests but does not dispatch


def test_the_to_dos_cost_one_query_however_many_requests(app, repair_world, count_queries):
    w = repair_world
    _world_with_work(w)
    with app.test_request_context():
        todos(w["manager"])
        db.session.expire_all()
        count_queries["n"] = 0
        todos(w["manager"])
        few = count_queries["n"]
        for _ in range(15):
            make_request(w)
        db.session.expire_all()
        count_queries["n"] = 0
        todos(w["manager"])
        assert count_queries["n"] == few
