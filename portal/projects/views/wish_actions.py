"""The steps of the wish page (认领/放弃/登记完成/确认/撤回), one POST route each.

load (out of scope → 404) → may this user ever take this step here? (services.STEPS; no → 403) → the
service decides (a refusal comes back beside the field, the wish unchanged) → back to the page. Two
people claiming at once meet at the database: the loser is told it was just claimed.
"""

from io import BytesIO

from flask import abort, flash, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.security import safe_join

from portal.core.errors import RuleError
from portal.core.rendering import form_status, hx_redirect
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.projects import services
from portal.projects.forms import FORMS
from portal.projects.models import WishPhoto
from portal.projects.permissions import get_wish_or_404, wish_visible
from portal.projects.photos import chosen, save_photos, upload_folder
from portal.projects.views import bp
from portal.projects.views.wishes import show

REFUSED = _l("您不能对这个心愿进行这个操作。")


def _redisplay(wish, step, form, message=None, status=None):
    headers = {"HX-Replace-Url": url_for("projects.wish_detail", wish_id=wish.id)}
    return show(wish, posted=(step, form), message=message, headers=headers,
                status=status if status is not None else form_status({"step": [message]} if message else form))


def _step(step: str, wish_id: int, act, done):
    wish = get_wish_or_404(current_user, wish_id)
    form = FORMS[step]()
    if not services.may_ever(step, current_user, wish):
        return _redisplay(wish, step, form, REFUSED, status=403)
    if not form.validate_on_submit():
        return _redisplay(wish, step, form)
    if form.version_number is None:
        db.session.refresh(wish)
        form.version.data = str(wish.version)
        return _redisplay(wish, step, form, services.STALE)
    with refusals(form, duplicate=RuleError(services.ALREADY_CLAIMED)) as outcome:
        act(wish, form)
    if not outcome.ok:  # rolled back: show the wish as it is now (someone else may have claimed it)
        db.session.expire_all()
        wish = get_wish_or_404(current_user, wish_id)
        if outcome.error.field:
            return _redisplay(wish, step, form)
        form.form_errors.clear()  # said once, at the top of the page
        form.version.data = str(wish.version)
        return _redisplay(wish, step, form, outcome.error.message)
    flash(str(done), "success")
    if wish_visible(current_user, wish):
        return hx_redirect(url_for("projects.wish_detail", wish_id=wish.id))
    return hx_redirect(url_for("projects.wishes"))


@bp.route("/wishes/<int:wish_id>/claim", methods=["POST"])
@login_required
def wish_claim(wish_id: int):
    def act(wish, form):
        kind, _sep, raw = (form.claimant.data or "").partition(":")
        services.claim(wish, by=current_user, as_kind=kind or None, as_id=int(raw) if raw.isdigit() else None,
                       version=form.version_number)

    return _step("claim", wish_id, act, _l("已认领，请与居民联系。"))


@bp.route("/wishes/<int:wish_id>/release", methods=["POST"])
@login_required
def wish_release(wish_id: int):
    return _step("release", wish_id, lambda wish, f: services.release(
        wish, by=current_user, reason=f.reason.data, version=f.version_number), _l("已放弃认领。"))


@bp.route("/wishes/<int:wish_id>/fulfil", methods=["POST"])
@login_required
def wish_fulfil(wish_id: int):
    def act(wish, form):
        files = request.files.getlist(form.photos.name)
        services.fulfil(wish, by=current_user, note=form.note.data, has_photos=bool(chosen(files)),
                        version=form.version_number)
        save_photos(wish, files, by=current_user)

    return _step("fulfil", wish_id, act, _l("已登记完成，等待居民确认。"))


@bp.route("/wishes/<int:wish_id>/confirm", methods=["POST"])
@login_required
def wish_confirm(wish_id: int):
    return _step("confirm", wish_id, lambda wish, f: services.confirm(wish, by=current_user, version=f.version_number),
                 _l("已确认，谢谢！"))


@bp.route("/wishes/<int:wish_id>/withdraw", methods=["POST"])
@login_required
def wish_withdraw(wish_id: int):
    return _step("withdraw", wish_id, lambda wish, f: services.withdraw(wish, by=current_user, version=f.version_number),
                 _l("心愿已撤回。"))


@bp.route("/wishes/photos/<int:photo_id>")
@login_required
def wish_photo(photo_id: int):
    """A proof photo, to whoever may open its wish."""
    photo = db.session.get(WishPhoto, photo_id)
    if photo is None or not wish_visible(current_user, photo.wish):
        abort(404)
    path = safe_join(str(upload_folder()), photo.stored_name)
    try:
        if path is None:
            raise FileNotFoundError(photo.stored_name)
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        abort(404)
    response = send_file(BytesIO(data), mimetype="image/jpeg", download_name=f"wish-{photo.wish_id}-{photo.id}.jpg",
                         etag=photo.stored_name, conditional=True, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
