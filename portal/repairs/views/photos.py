"""Serving a request's photos to those who may see them (permissions.photo_visible); anyone else gets
404, as for the request itself. Photos of a household are never cached by the browser. A photo is at most a few hundred kilobytes, so it is read whole: no
file handle outlives the request.
"""

from io import BytesIO

from flask import abort, send_file
from flask_login import current_user, login_required
from werkzeug.security import safe_join

from portal.extensions import db
from portal.repairs.models import RequestPhoto
from portal.repairs.permissions import photo_visible
from portal.repairs.photos import upload_folder
from portal.repairs.views import bp


@bp.route("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    photo = db.session.get(RequestPhoto, photo_id)
    if photo is None or not photo_visible(current_user, photo):
        abort(404)
    path = safe_join(str(upload_folder()), photo.stored_name)
    try:
        if path is None:
            raise FileNotFoundError(photo.stored_name)
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        abort(404)
    name = f"repair-{photo.request_id}-{photo.id}.jpg"
    response = send_file(BytesIO(data), mimetype="image/jpeg", as_attachment=False, download_name=name,
                         etag=photo.stored_name, conditional=True, max_age=3600)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A household's photos can show the inside of a home: never kept in the browser's cache, where they
    # would outlive a logout on a shared computer. Public-area photos may be cached privately.
    response.headers["Cache-Control"] = "no-store" if photo.request.household_id else "private, max-age=3600"
    return response
