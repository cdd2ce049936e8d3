"""Co-construction: one blueprint, routes split by subject (wishes, registers, service record)."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from portal.projects.views import agenda, figure_records, lists, projects, records, registers, wish_actions, wishes  # noqa: E402,F401,I001
