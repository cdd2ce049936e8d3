"""Joint meetings: one blueprint, routes split by part of the workflow."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from portal.meetings.views import agenda, calendar, detail, lists, minutes, proposals  # noqa: E402,F401,I001
from portal.meetings.views import convene, records, resolutions, service_day, sign_in  # noqa: E402,F401
