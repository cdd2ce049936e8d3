"""Photo files left behind by a request whose process died before it committed are removed once an hour
old; files with a row, young files and anything save_photos did not name are left alone."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import BytesIO

from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.modules import registry
from portal.core.transaction import commit
from portal.repairs import photos
from tests.repairs.conftest import make_request


def _jpeg() -> FileStorage:
    out = BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, "JPEG")
    return FileStorage(stream=BytesIO(out.getvalue()), filename="a.jpg", content_type="image/jpeg")


def _age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_only_old_files_without_a_row_are_removed(app, repair_world, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    req = make_request(repair_world)
    [kept] = photos.save_photos(req, [_jpeg()], stage="filing", by=repair_world["resident"])
    commit()
    orphan, young, foreign = folder / ("ab" * 16 + ".jpg"), folder / ("cd" * 16 + ".jpg"), folder / "notes.txt"
    for path in (orphan, young, foreign):
        path.write_bytes(b"half a photo")
    for path in (folder / kept.stored_name, orphan, foreign):
        _age(path, 2)

    assert photos.remove_orphans() == {"removed": 1}
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept.stored_name, young.name, foreign.name])
    assert photos.remove_orphans(older_than=timedelta(0)) == {"removed": 1}  # the young one, once old enough
    assert not young.exists() and (folder / kept.stored_name).exists()


def test_it_is_a_periodic_task(app):
    assert "repairs.photo_orphans" in {task.name for task in registry(app).tasks}
