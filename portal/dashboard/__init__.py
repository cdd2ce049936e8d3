"""The home page per person: the to-dos and sections the modules registered."""

from flask import Flask

from portal.core.modules import add_home_panel, add_nav, add_task
from portal.core.permissions import rule
from portal.core.translations import lazy_gettext as _l


@rule("dashboard.home")
def _logged_in(user, obj=None) -> bool:
    return True


def init_app(app: Flask) -> None:
    import portal.dashboard.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.dashboard import permissions  # noqa: F401  (registers the rules)
    from portal.dashboard.figures import bp as figures_bp
    from portal.dashboard.glance import glance_slot
    from portal.dashboard.report import rebuild_waiting
    from portal.dashboard.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(figures_bp)
    add_nav(app, "dashboard.home", _l("首页"), "home", rule="dashboard.home", order=0)
    add_home_panel(app, "dashboard/_glance_slot.html", glance_slot, order=55)
    add_task(app, "dashboard.reports", rebuild_waiting, every_seconds=60)
    add_nav(app, "figures.areas", _l("统计"), "figures", rule="dashboard.figures", order=35)
