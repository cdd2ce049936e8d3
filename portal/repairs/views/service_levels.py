"""Service-level targets: hours to resolve per category and urgency, set by the street.

Each street office runs its own targets in practice, but one deployment serves one city's
agreed table, so the table is global and only street administrators change it.
"""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.audit import audit
from portal.core.params import parse_id
from portal.core.permissions import require
from portal.core.rendering import hx_redirect, render
from portal.extensions import db
from portal.repairs import labels
from portal.repairs.models import CATEGORIES, URGENCIES, ServiceLevel
from portal.repairs.services import DEFAULT_HOURS
from portal.repairs.views import bp

MAX_HOURS = 24 * 60


def _current() -> dict[tuple[str, str], int]:
    return {(row.category, row.urgency): row.hours for row in db.session.scalars(select(ServiceLevel))}


@bp.route("/service-levels", methods=["GET", "POST"])
@login_required
def service_levels():
    require(current_user, "repairs.service_levels")
    configured = _current()
    values, errors = {}, {}
    if request.method == "POST":
        for category in CATEGORIES:
            for urgency in URGENCIES:
                key = f"{category}-{urgency}"
                raw = request.form.get(key, "").strip()
                values[key] = raw
                if raw and not 1 <= (parse_id(raw) or 0) <= MAX_HOURS:
                    errors[key] = _("请填写 1 到 %(n)s 之间的整数（小时）。", n=MAX_HOURS)
        if not errors:
            _save(values, configured)
            audit("service_levels.updated", None)
            flash(_("时限已保存，新的诉求按新时限计算。"), "success")
            return hx_redirect(url_for("repairs.service_levels"))
    else:
        values = {f"{c}-{u}": str(configured[(c, u)]) for (c, u) in configured}
    return render("repairs/service_levels.html", values=values, errors=errors, categories=CATEGORIES,
                  urgencies=URGENCIES, defaults=DEFAULT_HOURS, labels=labels, status=422 if errors else 200)


def _save(values: dict[str, str], configured: dict) -> None:
    """A blank field means the default for its urgency; only differences are stored."""
    rows = {(r.category, r.urgency): r for r in db.session.scalars(select(ServiceLevel))}
    for category in CATEGORIES:
        for urgency in URGENCIES:
            raw = values.get(f"{category}-{urgency}", "")
            hours = int(raw) if raw else None
            row = rows.get((category, urgency))
            if hours is None or hours == DEFAULT_HOURS[urgency]:
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(ServiceLevel(category=category, urgency=urgency, hours=hours))
            else:
                row.hours = hours
