"""Surveys: one blueprint; routes split by who uses them."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

from portal.surveys.views import agenda, answering, campaigns, codes, evaluation, results, surveys  # noqa: E402,F401,I001
