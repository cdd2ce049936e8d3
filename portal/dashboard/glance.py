"""This month at a glance: the few figures a home page has room for, for the area the person answers
for (their street, else their community, else the company they manage).

The home page only holds a slot; the figures come in a moment later through htmx (`hx-trigger="load"`),
so the home page's own cost stays the same however large the area is, and a slow figure never delays
the to-dos. Without JavaScript the slot is a link to the same page.
"""

from __future__ import annotations

from flask import current_app

from portal.core.clock import today
from portal.core.indicators import Area, Figure, Period, month
from portal.core.kept import kept_drawer
from portal.core.kept_statements import plan_for_values
from portal.core.modules import registry
from portal.core.permissions import can

#: the figures a person wants to see first, in this order; the whole set is one tap away
GLANCE_KEYS = ("repairs.received", "repairs.closure_rate", "repairs.overdue", "repairs.satisfaction",
               "meetings.resolutions_overdue", "projects.overdue", "surveys.satisfaction")


def glance_slot(user) -> dict | None:
    """The home section's context: a slot for whoever reads some area's figures (no query), kept
    rendered (core.kept): it shows only words of the reader's language and links."""
    if not can(user, "dashboard.figures"):
        return None
    draw = current_app.jinja_env.get_template("dashboard/_home_macros.html").module.glance_slot
    return {"html": kept_drawer("dashboard.glance_slot")((), draw)}


def glance_figures(area: Area, period: Period | None = None) -> tuple[Period, list[Figure]]:
    """The glance figures of `area` for `period` (this month by default), in GLANCE_KEYS order; only
    the providers that own one of the keys are asked."""
    period = period or month(today())
    modules = {key.split(".", 1)[0] for key in GLANCE_KEYS}
    found: dict[str, Figure] = {}
    plan_for_values()
    for _order, name, provider in registry().indicators:
        if name.split(".", 1)[0] not in modules:
            continue
        section = provider(area, period)
        for figure in section.figures if section else ():
            found[figure.key] = figure
    return period, [found[key] for key in GLANCE_KEYS if key in found]
