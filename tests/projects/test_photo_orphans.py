"""Photo files that no row refers to are removed once an hour old; files of saved photos stay."""

from __future__ import annotations

import os
import time
from io import BytesIO

from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.transaction import commit
from portal.projects.photos import remove_orphans, save_photos, upload_folder
from tests.projects.conftest import make_wish


def test_orphans_go_and_saved_photos_stay(app, co_world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PROJECTS_UPLOAD_FOLDER", str(tmp_path))
    wish = make_wish(co_world)
    image = BytesIO()
    Image.new("RGB", (10, 10)).save(image, "JPEG")
    image.seek(0)
    [photo] = save_photos(wish, [FileStorage(image, "a.jpg")], by=co_world["resident"])
    commit()
    orphan = upload_folder() / ("ab" * 16 + ".jpg")
    orphan.write_bytes(b"x")
    old = time.time() - 7200
    for path in (orphan, upload_folder() / photo.stored_name):
        os.utime(path, (old, old))
    assert remove_orphans() == {"removed": 1}
    assert not orphan.exists() and (upload_folder() / photo.stored_name).exists()
