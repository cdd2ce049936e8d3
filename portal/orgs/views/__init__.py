"""Structure management: one blueprint, its routes split by subject."""

from flask import Blueprint

bp = Blueprint("orgs", __name__)

from portal.orgs.views import communities, compounds, coverage, households, organisations, people  # noqa: E402,F401
