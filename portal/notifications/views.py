from flask import Blueprint, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.paging import paginate
from portal.core.rendering import hx_redirect, render
from portal.core.security import background
from portal.notifications import services
from portal.notifications.models import Notification
from portal.notifications.permissions import get_notification_or_404, visibility

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    query = select(Notification).where(visibility(current_user)).order_by(Notification.created_at.desc(), Notification.id.desc())
    page = paginate(query)
    return render("notifications/index.html", "list", page=page)


@bp.route("/bell")
@login_required
@background
def bell():
    return render("_bell.html", "bell")


@bp.route("/<int:note_id>/read", methods=["POST"])
@login_required
def read(note_id: int):
    note = get_notification_or_404(current_user, note_id)
    services.mark_read(current_user, note_id)
    target = note.link if note.link and note.link.startswith("/") and not note.link.startswith("//") else url_for("notifications.index")
    if request.form.get("stay"):
        target = url_for("notifications.index")
    return hx_redirect(target)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    services.mark_all_read(current_user)
    return hx_redirect(url_for("notifications.index"))
