"""Repair requests: one blueprint, routes split by step of the 五单 loop."""

from flask import Blueprint

bp = Blueprint("repairs", __name__, url_prefix="/repairs")

from portal.repairs.views import actions, detail, queue  # noqa: E402,F401,I001
from portal.repairs.views import board, filing, photos, records, service_levels  # noqa: E402,F401
