"""The peer a team would bolt on instead: Flask-Admin's list view over the same `repair_request`
table (reflected, not the portal's model), 20 rows a page, newest first, on the same database
(`DATABASE_URL`). Served like the portal; the queues are compared with its throughput."""

import os

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel
from sqlalchemy import Table, create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

PATH = "/admin/repair_request/"


class Base(DeclarativeBase):
    pass


class RequestList(ModelView):
    page_size = 20
    column_default_sort = ("id", True)
    can_create = can_edit = can_delete = False


def create_app() -> Flask:
    engine = create_engine(os.environ["DATABASE_URL"])

    class RepairRequest(Base):
        __table__ = Table("repair_request", Base.metadata, autoload_with=engine)

    session = scoped_session(sessionmaker(bind=engine))
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "bench"
    Babel(app)  # Flask-Admin translates its labels with Flask-Babel when it is installed
    Admin(app, name="bench").add_view(RequestList(RepairRequest, session, endpoint="repair_request",
                                                  url=PATH.rstrip("/")))
    app.teardown_appcontext(lambda _exc: session.remove())
    return app
