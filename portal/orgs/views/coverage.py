"""The coverage figures of the home page, in their own request: the home page holds a slot that htmx
fills right after it loads (without JavaScript the slot is a link here), so the home page's cost does not
include the figures and a large area never delays the to-dos."""

from flask import abort
from flask_login import current_user, login_required

from portal.core.clock import today
from portal.core.rendering import render
from portal.orgs.home import coverage, has_coverage
from portal.orgs.permissions import scope_of
from portal.orgs.views import bp


@bp.route("/home/coverage")
@login_required
def home_coverage():
    """The area the user answers for (their street, else their community); 403 for those with none."""
    scope = scope_of(current_user)
    if not has_coverage(scope):
        abort(403)
    return render("orgs/home_coverage.html", "coverage", coverage=coverage(scope, today()))
