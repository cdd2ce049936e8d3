"""Satisfaction surveys (满意度测评): one anonymous answer per household, by phone, code or paper."""

from flask import Flask

from portal.core.modules import (
    add_company_panel,
    add_compound_panel,
    add_demo,
    add_indicators,
    add_nav,
    add_report_sheet,
    add_task,
    add_todos,
)
from portal.core.translations import lazy_gettext as _l

ANNOUNCE_EVERY = 300  # seconds between looks for campaigns that closed by their end time
REORDER_EVERY = 3600  # seconds between rewrites of the anonymous tables in key order (PostgreSQL)


def init_app(app: Flask) -> None:
    import portal.surveys.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.surveys import agenda, company_panel, notices, permissions, services  # noqa: F401  (registers the rules)
    from portal.surveys.indicators import surveys_section, surveys_sheet
    from portal.surveys.panel import compound_panel
    from portal.surveys.todos import counted
    from portal.surveys.views import bp

    app.register_blueprint(bp)
    notices.register()
    agenda.register()  # the "survey" agenda source of the joint meetings
    add_nav(app, "surveys.index", _l("满意度测评"), "surveys", rule="surveys.index", order=40)
    add_todos(app, counted)
    add_task(app, "surveys.reorder", services.reorder_after_close, every_seconds=REORDER_EVERY)
    add_task(app, "surveys.announce", services.announce_results, every_seconds=ANNOUNCE_EVERY)
    add_demo(app, _load_demo, order=40)
    add_indicators(app, "surveys.figures", surveys_section, order=25)
    add_report_sheet(app, "surveys.campaigns", surveys_sheet, order=25)
    add_company_panel(app, "surveys/_company_panel.html", company_panel.company_panel, order=25)
    add_compound_panel(app, "surveys/_compound_panel.html", compound_panel, order=40)


def _load_demo(today):
    from portal.surveys import demo

    return demo.load_surveys_demo(today)
