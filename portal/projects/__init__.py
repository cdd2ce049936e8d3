"""Co-construction (共建): resident units and party members who report in, micro-wishes they claim and
fulfil, and the monthly service record. DOMAIN.md, Workflow 4."""

from flask import Flask

from portal.core.modules import (
    add_compound_panel,
    add_demo,
    add_files,
    add_indicators,
    add_nav,
    add_report_sheet,
    add_task,
    add_todos,
)
from portal.core.translations import lazy_gettext as _l

SWEEP_EVERY = 3600  # seconds between looks for wishes nobody claimed for 14 days


def init_app(app: Flask) -> None:
    import portal.projects.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.projects import agenda, notices, permissions, services  # noqa: F401  (registers the rules)
    from portal.projects.indicators import projects_section, projects_sheet
    from portal.projects.panel import compound_panel
    from portal.projects.photos import remove_orphans, upload_folder
    from portal.projects.todos import counted
    from portal.projects.views import bp

    app.register_blueprint(bp)
    notices.register()
    agenda.register()  # the "project" agenda source of the joint meetings
    add_task(app, "projects.wish_sweep", services.sweep, every_seconds=SWEEP_EVERY)
    add_task(app, "projects.photo_orphans", remove_orphans, every_seconds=SWEEP_EVERY)
    add_nav(app, "projects.project_list", _l("共建项目"), "projects", rule="projects.list", order=38)
    add_nav(app, "projects.match", _l("三清单"), "lists", rule="projects.manage", order=39)
    add_nav(app, "projects.wishes", _l("微心愿"), "wishes", rule="projects.wishes", order=40)
    add_nav(app, "projects.records", _l("服务记录"), "records", rule="projects.records", order=42)
    add_nav(app, "projects.registers_page", _l("报到台账"), "registers", rule="projects.registers", order=44)
    add_todos(app, counted)
    add_indicators(app, "projects.figures", projects_section, order=40)
    add_report_sheet(app, "projects.records", projects_sheet, order=40)
    add_compound_panel(app, "projects/_compound_panel.html", compound_panel, order=50)
    add_demo(app, _load_demo, order=40)
    add_files(app, "projects-photos", upload_folder)


def _load_demo(today):
    from portal.projects import demo

    return demo.load_projects_demo(today)
