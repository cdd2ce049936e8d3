"""The platform layer: street → community → compound → building → household, organisations,
positions and contracts; the scope every other module's permissions build on."""

from flask import Flask
from flask_babel import lazy_pgettext

from portal.core.modules import add_home_panel, add_indicators, add_nav, add_report_sheet
from portal.core.translations import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import portal.orgs.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.orgs import audit_labels, permissions  # noqa: F401  (registers the rules)
    from portal.orgs.home import structure_panel
    from portal.orgs.indicators import compounds_sheet, coverage_section
    from portal.orgs.views import bp

    app.register_blueprint(bp)
    audit_labels.register()
    add_nav(app, "orgs.compounds", lazy_pgettext("list", "小区"), "compounds", rule="structure.view", order=40)
    add_nav(app, "orgs.communities", lazy_pgettext("list", "社区"), "communities", rule="orgs.communities", order=50)
    add_nav(app, "orgs.organisations", _l("组织与任职"), "organisations", rule="structure.view", order=60)
    add_nav(app, "orgs.my_home", _l("我的家"), "home_household", rule="orgs.my_home", order=70)
    add_nav(app, "orgs.people", _l("账号"), "people", rule="accounts.manage", order=80)
    add_nav(app, "orgs.audit_log", _l("审计日志"), "audit", rule="audit.view", order=90)
    add_home_panel(app, "orgs/_home_panel.html", structure_panel, order=50)
    add_indicators(app, "orgs.coverage", coverage_section, order=10)
    add_report_sheet(app, "orgs.compounds", compounds_sheet, order=10)
