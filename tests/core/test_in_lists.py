"""core.in_lists: a scope's ids as one array parameter on PostgreSQL and `IN` on SQLite, constants written
into the SQL, and the key pages' statements fixed in text on PostgreSQL whatever the user's scope."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.in_lists import in_ids, one_of
from portal.core.kept_statements import kept_statement, param
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from portal.orgs.models import Compound
from portal.repairs.models import RepairRequest, Status
from tests.conftest import csrf_token, make_compound, make_user

PG, LITE = postgresql.psycopg.dialect(), sqlite.dialect()


def _compiled(statement, dialect):
    return statement.compile(dialect=dialect)


def test_postgres_binds_one_array_whatever_the_count_and_sqlite_keeps_in():
    texts = set()
    for ids in ([1], [1, 2, 3], list(range(200))):
        compiled = _compiled(select(Compound.id).where(in_ids(Compound.id, ids)), PG)
        texts.add(compiled.string)
        assert "= ANY (%(id_1)s::INTEGER[])" in compiled.string
        assert not compiled.post_compile_params
        assert compiled.construct_params()["id_1"] == sorted(ids)
    assert len(texts) == 1
    lite = _compiled(select(Compound.id).where(in_ids(Compound.id, [3, 1])), LITE)
    assert "compound.id IN (__[POSTCOMPILE_id_1])" in lite.string


def test_a_kept_statements_parameter_is_one_array_of_that_name():
    statement = select(func.count()).where(in_ids(Compound.id, param("ids", expanding=True)))
    assert "compound.id = ANY (%(ids)s::INTEGER[])" in _compiled(statement, PG).string
    assert "IN (__[POSTCOMPILE_ids])" in _compiled(statement, LITE).string


def test_rows_are_those_of_in_and_no_execution_keeps_anothers_values(app):
    ids = [make_compound().id for _ in range(4)]
    db.session.commit()

    def shape(values):  # the same shape every time: SQLAlchemy's compiled cache serves the later ones
        return select(Compound.id).where(or_(in_ids(Compound.id, values), Compound.id < 0)).order_by(Compound.id)

    for values in ([ids[0], ids[1]], [ids[2], ids[3]], [ids[3]], [], ids):
        assert db.session.scalars(shape(values)).all() == sorted(values)
    assert db.session.scalars(select(Compound.id).where(not_(in_ids(Compound.id, ids[:3])))).all() == [ids[3]]
    kept = kept_statement("tests.in_ids", lambda: select(Compound.id).where(
        in_ids(Compound.id, param("ids", expanding=True))).order_by(Compound.id))
    for values in ([ids[0], ids[1]], [ids[2], ids[3]], [], ids):
        assert db.session.scalars(kept, {"ids": values}).all() == sorted(values)


def test_a_select_from_only_the_condition_reads_the_columns_table(app):
    ids = [make_compound().id for _ in range(2)]
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(in_ids(Compound.id, ids))) == 2


def test_constants_are_written_into_the_sql_and_anything_else_is_refused():
    condition = one_of(RepairRequest.status, Status.OPEN)
    for dialect in (PG, LITE):
        compiled = _compiled(select(RepairRequest.id).where(condition), dialect)
        assert "repair_request.status IN ('submitted', 'assigned', 'in_progress', 'on_hold')" in compiled.string
        assert not compiled.post_compile_params
    for bad in (["closed' OR 1=1 --"], ["a b"], [1.5], [None]):
        with pytest.raises(ValueError):
            one_of(RepairRequest.status, bad)


def test_constants_select_the_same_rows(app):
    compound, by = make_compound(), make_user("填报人")
    for status in (Status.SUBMITTED, Status.CLOSED):
        db.session.add(RepairRequest(compound_id=compound.id, place="1号楼", category="water_power", kind="household",
                                     description="测试", filed_by_id=by.id, status=status))
    db.session.commit()
    open_ = select(RepairRequest.status).where(one_of(RepairRequest.status, Status.OPEN))
    assert db.session.scalars(open_).all() == [Status.SUBMITTED]


KEY_PAGES = [("demo_manager", "/repairs/"), ("demo_street", "/repairs/"), ("demo_worker", "/repairs/"),
             ("demo_resident", "/repairs/board"), ("demo_secretary", "/communities"), ("demo_street", "/communities"),
             ("demo_street", "/"), ("demo_manager", "/"), ("demo_worker", "/"), ("demo_resident", "/"),
             ("demo_secretary", "/")]


def test_no_key_page_statement_expands_a_list_on_postgres(app):
    """Each statement a key page runs at every request (the second: what is kept between requests, such as
    the scope, ran at the first), compiled for PostgreSQL, has a text fixed whatever the user's scope:
    nothing for SQLAlchemy to expand at execution (the database in use may be SQLite: compiled again)."""
    load_demo()
    ran, recording = [], []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if recording and context.compiled is not None and context.compiled.statement is not None:
            ran.append(context.compiled.statement)

    def again(client, path):
        client.get(path)
        recording.append(True)
        response = client.get(path)
        recording.clear()
        assert response.status_code == 200, path
        return response.get_data(as_text=True)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        for login, path in KEY_PAGES:
            client = app.test_client()
            client.post("/auth/login", data={"login": login, "password": DEMO_PASSWORD,
                                             "csrf_token": csrf_token(client)})
            html = again(client, path)
            if path == "/repairs/":  # and one request's page, from the queue
                again(client, "/repairs/" + html.split('data-request="', 1)[1].split('"', 1)[0])
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    expanded = {" ".join(_compiled(s, PG).string.split())[:160] for s in ran if _compiled(s, PG).post_compile_params}
    assert not expanded, sorted(expanded)
    assert len(ran) > 40
