"""Anonymity: nothing in the schema, the keys, the times or the order of rows links an answer to a
household. The test tries each way an administrator would, and must fail to link."""

from __future__ import annotations

import random

from sqlalchemy import inspect, select, text

from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import Answer, AnswerItem, Channel, Participation
from tests.surveys.conftest import households, launch, values_for


def test_no_column_of_the_answer_tables_names_a_household_or_a_time(app):
    inspector = inspect(db.engine)
    for table in ("survey_answer", "survey_answer_item"):
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        assert not {"household_id", "user_id", "created_at", "updated_at", "submitted_at"} & set(columns)
        assert not any("DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper() for c in columns.values())
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets <= {"survey_campaign", "compound", "survey_answer", "survey_question"}
    participation = {c["name"] for c in inspector.get_columns("survey_participation")}
    assert not {"answer_id"} & participation
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_participation")} <= {
        "survey_campaign", "household", "user"}


def test_keys_and_row_order_do_not_follow_the_order_of_answering(app, sw):
    """Twelve households answer in a known order with distinct answers; neither the answer keys nor the
    order the database returns rows in (SQLite: WITHOUT ROWID tables, stored by random key) follow it."""
    campaign = launch(sw, compounds=[sw["compound"], sw["other_compound"]])
    homes = households(sw["compound"]) + households(sw["other_compound"])
    random.Random(7).shuffle(homes)  # answered in an order that is not the order of the household ids
    order = []
    for n, home in enumerate(homes):
        # the answer's free text says which household wrote it: the test's secret, not the database's
        services.submit(campaign, home, values_for(campaign, text=f"secret-{n}"), channel=Channel.ONLINE)
        db.session.commit()
        order.append(n)
    services.reorder_after_close()  # PostgreSQL: rewrite the tables in key order (SQLite: already so)
    secrets_by_key = dict(db.session.execute(select(AnswerItem.answer_id, AnswerItem.text)
                                             .where(AnswerItem.text.is_not(None))).all())
    keys = list(secrets_by_key)
    assert len(keys) == len(homes)
    # 1. keys are random: sorting by key does not give the order of answering
    by_key = [int(secrets_by_key[k].split("-")[1]) for k in sorted(keys)]
    assert by_key != order
    # 2. the physical order of the rows (what SELECT without ORDER BY returns) does not either
    physical = [int(t.split("-")[1]) for (t,) in db.session.execute(
        text("SELECT text FROM survey_answer_item WHERE text IS NOT NULL")).all()]
    participation_order = [home_id for (home_id,) in db.session.execute(
        text("SELECT household_id FROM survey_participation")).all()]
    assert physical != order
    assert participation_order != [h.id for h in homes]  # the order they took part in
    if db.engine.dialect.name == "sqlite":
        for table in ("survey_answer", "survey_answer_item", "survey_participation"):
            sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
            assert "WITHOUT ROWID" in sql.upper()
    # 3. no join: the only columns the two tables share are the campaign (and, for answers, the compound)
    answer_columns = {c.name for c in Answer.__table__.columns} | {c.name for c in AnswerItem.__table__.columns}
    participation_columns = {c.name for c in Participation.__table__.columns}
    assert answer_columns & participation_columns <= {"id", "campaign_id"}
    ids = set(db.session.scalars(select(Participation.id)))
    assert not ids & set(keys)  # participation keys are random too, and not the answers'


def test_paper_participation_records_the_day_not_the_time(app, sw):
    campaign = launch(sw)
    services.submit(campaign, sw["household"], values_for(campaign), channel=Channel.PAPER, keyed_by=sw["worker"])
    db.session.commit()
    keyed_on = db.session.scalar(select(Participation.keyed_on))
    assert not hasattr(keyed_on, "hour")
