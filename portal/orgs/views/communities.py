"""Communities: the party secretary's overview of their structure, and the street's management."""

from flask import abort, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.clock import today
from portal.core.concurrency import load_version, save_form
from portal.core.in_lists import in_ids
from portal.core.kept import kept_drawer
from portal.core.permissions import can, require
from portal.core.rendering import form_status, hx_redirect, render
from portal.extensions import db
from portal.orgs import services
from portal.orgs.forms import CommunityForm
from portal.orgs.models import Community
from portal.orgs.permissions import STAFF_ROLES, get_community_or_404, scope_of
from portal.orgs.views import bp


@bp.route("/communities")
@login_required
def communities():
    scope = scope_of(current_user)
    if not scope.community_ids:
        abort(403)
    rows = db.session.scalars(
        select(Community).where(in_ids(Community.id, scope.community_ids)).order_by(Community.street_id, Community.name)
    ).all()
    on = today()
    stats, total = services.coverage_by_community([c.id for c in rows], on)
    street_total = total if len(rows) > 1 else None
    return render("orgs/communities.html", communities=rows, stats=stats, street_total=street_total)


@bp.route("/communities/new", methods=["GET", "POST"])
@login_required
def community_new():
    require(current_user, "structure.manage")
    street_id = min(scope_of(current_user).street_ids)
    form = CommunityForm()
    if form.validate_on_submit():
        community = Community(street_id=street_id)
        saved, form = save_form(form, community, duplicate=("name", _("本街道已有同名社区。")), prepare=_tidy)
        if saved:
            flash(_("已创建社区“%(name)s”。", name=community.name), "success")
            return hx_redirect(url_for("orgs.community_detail", community_id=community.id))
    return render("orgs/community_form.html", "form", form=form, community=None, status=form_status(form))


def _tidy(community: Community) -> None:
    community.address = community.address or None


@bp.route("/communities/<int:community_id>")
@login_required
def community_detail(community_id: int):
    """A user who sees only some compounds of the community gets their rows and nothing computed
    over the whole community (orgs.community_whole); the template gets only what it may show. The
    body is kept rendered (core.kept) under every value it shows: the structure's rows come from
    services.community_rows (kept under the structure's stamp), the names of the people
    cross-appointed are read each time."""
    community = get_community_or_404(current_user, community_id)
    require(current_user, "structure.view", community)
    on = today()
    whole = can(current_user, "orgs.community_whole", community)
    rows, own = services.community_rows(community.id, on)
    staff = scope_of(current_user).compounds_with(STAFF_ROLES)  # the rows permissions.community_compounds_shown gives
    cross = services.cross_appointments([community.id], on) if whole else []
    figures = None
    if whole:
        stats = services.coverage([community.id], on, cross=cross)
        figures = (stats.compounds, stats.households, stats.property_rate, stats.owners_committee_rate,
                   stats.owners_party_rate, stats.cross_rate)
    values = ((community.id, community.name, community.address), can(current_user, "structure.manage", community),
              figures, tuple(row for row in rows if row[0] in staff), own if whole else (),
              tuple((person.name, tuple(person.positions)) for person in cross))
    draw = current_app.jinja_env.get_template("orgs/_community_macros.html").module.community_body
    body = kept_drawer("orgs.community_body")(values, lambda: draw(*values, services.KIND_LABELS))
    return render("orgs/community_detail.html", community=community, body=body)


@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@login_required
def community_edit(community_id: int):
    community = get_community_or_404(current_user, community_id)
    require(current_user, "structure.manage", community)
    form = CommunityForm(obj=community)
    load_version(form, community)
    if form.validate_on_submit():
        saved, form = save_form(form, community, duplicate=("name", _("本街道已有同名社区。")), prepare=_tidy)
        if saved:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.community_detail", community_id=community.id))
    return render("orgs/community_form.html", "form", form=form, community=community, status=form_status(form))
