"""Repair requests and residents' demands (报修/诉求): the 五单 loop."""

from flask import Flask

from portal.core.audit import register_audit_labels
from portal.core.modules import (
    add_company_panel,
    add_compound_panel,
    add_demo,
    add_files,
    add_home_panel,
    add_indicators,
    add_nav,
    add_report_sheet,
    add_task,
    add_todos,
)
from portal.core.translations import lazy_gettext as _l

SWEEP_EVERY = 300  # seconds between automatic sweeps in a web process without cron
ORPHANS_EVERY = 3600  # seconds between looks for photo files a crashed request left behind


def init_app(app: Flask) -> None:
    import portal.repairs.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.repairs import company_panel, notices, permissions, photos, services  # noqa: F401  (registers the rules)
    from portal.repairs.cli import repairs_sweep
    from portal.repairs.indicators import records_sheet, requests_section
    from portal.repairs.photos import upload_folder
    from portal.repairs.todos import compound_panel, counted, repairs_panel
    from portal.repairs.views import bp

    app.register_blueprint(bp)
    notices.register()
    register_audit_labels({"service_levels.updated": _l("修改办理时限")}, {"ServiceLevel": _l("办理时限")})
    app.cli.add_command(repairs_sweep)
    add_task(app, "repairs.sweep", services.sweep, every_seconds=SWEEP_EVERY)
    add_task(app, "repairs.photo_orphans", photos.remove_orphans, every_seconds=ORPHANS_EVERY)
    add_nav(app, "repairs.queue", _l("报修"), "repairs", rule="repairs.queue", order=20)
    add_nav(app, "repairs.board", _l("公示栏"), "board", rule="repairs.board", order=30)
    add_todos(app, counted)
    add_indicators(app, "repairs.requests", requests_section, order=20)
    add_report_sheet(app, "repairs.records", records_sheet, order=20)
    add_home_panel(app, "repairs/_home_panel.html", repairs_panel, order=60)
    add_company_panel(app, "repairs/_company_panel.html", company_panel.company_panel, order=20)
    add_compound_panel(app, "repairs/_compound_panel.html", compound_panel, order=20)
    add_demo(app, _load_demo, order=20)
    add_files(app, "repairs-photos", upload_folder)


def _load_demo(today):
    """Imported when the demo is loaded, not at every start."""
    from portal.repairs import demo

    return demo.load_repairs_demo(today)
