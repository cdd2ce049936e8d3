"""The navigation each user sees follows from their roles (union across cross-appointments)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core.permissions import STAFF_ROLES, scope_of
from portal.orgs.models import Role


def navigation_for(user) -> list[tuple[str, str, str]]:
    """(endpoint, label, key) for every menu entry this user may use."""
    if not user.is_authenticated:
        return []
    scope = scope_of(user)
    items = [("dashboard.home", _l("首页"), "home")]
    if scope.compound_ids:
        items.append(("repairs.queue", _l("报修"), "repairs"))
    if scope.compound_ids and scope.roles & (STAFF_ROLES | {Role.RESIDENT, Role.PROPERTY_STAFF}):
        items.append(("repairs.board", _l("公示栏"), "board"))
    if scope.roles & STAFF_ROLES:
        items.append(("orgs.compounds", _l("小区"), "compounds"))
    if scope.community_ids:
        items.append(("orgs.communities", _l("社区"), "communities"))
    if scope.roles & STAFF_ROLES:
        items.append(("orgs.organisations", _l("组织与任职"), "organisations"))
    if Role.RESIDENT in scope.roles:
        items.append(("orgs.my_home", _l("我的家"), "home_household"))
    if scope.street_ids:
        items.append(("orgs.people", _l("账号"), "people"))
        items.append(("orgs.audit_log", _l("审计日志"), "audit"))
    items.append(("notifications.index", _l("通知"), "notifications"))
    # A module that is not installed simply has no menu entry.
    return [item for item in items if item[0] in current_app.view_functions]
