"""The co-construction to-dos, counted in one statement for all: each count checked with its neighbours
(claimants by party registration and by unit, the claimer, the wisher, community staff)."""

from __future__ import annotations

from datetime import timedelta

from portal.core.clock import now_utc
from portal.extensions import db
from portal.projects import services
from portal.projects.todos import todos
from tests.projects.conftest import make_wish


def counts(app, user) -> dict[str, int]:
    with app.test_request_context():
        return {str(t.label): t.count for t in todos(user)}


def test_each_count_of_the_wish_to_dos(app, co_world):
    w = co_world
    make_wish(w, title="想要一台旧电脑")
    raised = make_wish(w, title="想要有人陪老人聊天")
    raised.raised_at = now_utc() - timedelta(days=1)
    held = make_wish(w, title="想要修好自行车")
    services.claim(held, by=w["member"])
    done = make_wish(w, title="想要几本绘本")
    services.claim(done, by=w["contact"])
    services.fulfil(done, by=w["contact"], note="已送到")
    db.session.commit()

    assert counts(app, w["member"]) == {"附近待认领的微心愿": 2, "我认领的微心愿": 1}
    assert counts(app, w["contact"]) == {"附近待认领的微心愿": 2}
    assert counts(app, w["far_member"]) == {}  # a party member of another street's community
    assert counts(app, w["resident"]) == {"微心愿已完成，请确认": 1}
    assert counts(app, w["worker"]) == {"微心愿无人认领，请协调": 1}
    assert counts(app, w["neighbour"]) == {}
