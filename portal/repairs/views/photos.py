"""Serving a request's photos to those who may see the request.

Filing photos can show the inside of a home, so they follow the request's visibility. Result photos
of a closed request are on the compound's public board, so everyone in the compound may see those.
Anyone else gets 404, as for the request itself. A photo is at most a few hundred kilobytes, so it is
read whole: no file handle outlives the request.
"""

from io import BytesIO

from flask import abort, send_file
from flask_login import current_user, login_required
from werkzeug.security import safe_join

from portal.core.permissions import scope_of
from portal.extensions import db
from portal.repairs.models import RequestPhoto, Status
from portal.repairs.photos import upload_folder
from portal.repairs.queries import request_visible
from portal.repairs.views import bp


def _on_board(photo: RequestPhoto) -> bool:
    req = photo.request
    return (photo.stage == "result" and req.status == Status.CLOSED
            and req.compound_id in scope_of(current_user).compound_ids)


@bp.route("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    photo = db.session.get(RequestPhoto, photo_id)
    if photo is None or not (_on_board(photo) or request_visible(current_user, photo.request)):
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
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
