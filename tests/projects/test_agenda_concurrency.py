"""Two clicks at once put a project, or a survey dimension below target, on the joint meeting once: the
row of the project (or of the campaign's compound) is locked while the once-only rule is checked.

Two sessions need two connections: a file SQLite database here, PostgreSQL when TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core.clock import today
from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings.models import Proposal
from portal.orgs.models import Compound
from portal.projects import agenda as project_agenda
from portal.projects import project_services as ps
from portal.projects.models import Project
from portal.surveys import agenda as survey_agenda
from portal.surveys import services as surveys
from portal.surveys.models import Campaign, Channel
from tests.projects.test_concurrency import _file_app, app  # noqa: F401  (fixtures: a database two connections share)
from tests.surveys.conftest import households, launch, sw, values_for  # noqa: F401


def _race(app, act) -> list[str]:  # noqa: F811
    """Run `act()` in two requests at once; the first holds its transaction open a moment after acting."""
    outcomes: list[str] = []
    acted = threading.Event()

    def request(first: bool):
        with app.app_context():
            try:
                if not first:
                    acted.wait(5)
                act()
                if first:
                    acted.set()
                    time.sleep(0.5)
                db.session.commit()
                outcomes.append("filed")
            except RuleError:
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001  (SQLite: the second writer may be turned away instead)
                outcomes.append(type(error).__name__)
            finally:
                acted.set()
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=request, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_clicks_on_one_project_file_one_topic(app, co_world):  # noqa: F811
    w = co_world
    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title="充电棚", content="新建充电棚",
                                responsible_body="居委会", responsible_person="陈静", start_date=today(),
                                deadline=today() + timedelta(days=30), compound_ids=[w["compound"].id])
    db.session.commit()
    ids = (project.id, w["compound"].id, w["worker"].id)

    def act():
        project_agenda.propose(db.session.get(Project, ids[0]), db.session.get(Compound, ids[1]),
                               by=db.session.get(User, ids[2]))

    outcomes = _race(app, act)
    assert outcomes.count("filed") == 1, outcomes
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_two_clicks_on_one_dimension_file_one_topic(app, sw):  # noqa: F811
    campaign = launch(sw)
    for home in households(sw["compound"]):
        surveys.submit(campaign, home, values_for(campaign, overall=5, others=3), channel=Channel.ONLINE)
    surveys.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    ids = (campaign.id, sw["compound"].id, sw["secretary"].id)

    def act():
        survey_agenda.propose(db.session.get(Campaign, ids[0]), ids[1], "order", by=db.session.get(User, ids[2]))

    outcomes = _race(app, act)
    assert outcomes.count("filed") == 1, outcomes
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
