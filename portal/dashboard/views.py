"""The home page: what each role needs first, computed from its scope."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.core.permissions import STAFF_ROLES, scope_of, today
from portal.core.rendering import render
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Community, Compound, Position

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    scope = scope_of(current_user)
    on = today()
    stats = services.coverage(sorted(scope.community_ids), on) if scope.community_ids else None
    compounds = []
    if scope.roles & STAFF_ROLES:
        compounds = db.session.scalars(
            select(Compound).where(Compound.id.in_(scope.compound_ids)).join(Community)
            .order_by(Community.name, Compound.name).limit(12)
        ).all()
    contracts = services.current_contracts([c.id for c in compounds], on)
    positions = db.session.scalars(
        select(Position).where(Position.user_id == current_user.id, Position.start_date <= on)
        .where(Position.end_date.is_(None) | (Position.end_date >= on))
    ).all()
    return render("dashboard/home.html", scope=scope, stats=stats, compounds=compounds, contracts=contracts,
                  positions=positions, role_labels=services.ROLE_LABELS, total_compounds=len(scope.compound_ids))
