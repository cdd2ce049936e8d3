"""Proof photos of fulfilled wishes, handled as repairs handles its photos (portal/repairs/photos.py):
decoded with Pillow (anything not an image is refused), turned upright, scaled down and written again as
a plain JPEG, so the EXIF block and a phone's GPS position never reach the disk. Every file is checked
before any is written; a rolled-back request removes the files it wrote. A separate folder, so each
module's orphan sweep only looks at its own names.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
import warnings
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from portal.core.errors import RuleError
from portal.core.transaction import on_rollback
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.projects.models import Wish, WishPhoto

MAX_PHOTOS = 3
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")


def upload_folder() -> Path:
    """PROJECTS_UPLOAD_FOLDER, else uploads/projects next to the repairs photos (a temporary folder in tests)."""
    configured = current_app.config.get("PROJECTS_UPLOAD_FOLDER")
    if not configured and current_app.testing:
        configured = current_app.config["PROJECTS_UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="portal-projects-")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "projects"


def chosen(files) -> list:
    return [f for f in (files or []) if f is not None and getattr(f, "filename", None)]


def _prepare(file) -> tuple[bytes, int, int]:
    name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:40]
    data = file.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise RuleError(_l("“%(name)s”超过 10 MB，请换一张或压缩后再传。", name=name), "photos")
    not_image = RuleError(_l("“%(name)s”不是图片文件（支持 JPG、PNG、WebP、GIF）。", name=name), "photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise RuleError(_l("“%(name)s”的像素太多，请换一张。", name=name), "photos")
                image.load()
                clean = ImageOps.exif_transpose(image).convert("RGBA").convert("RGB") if image.mode in (
                    "RGBA", "LA", "P", "PA") else ImageOps.exif_transpose(image).convert("RGB")
    except RuleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError, OSError,
            SyntaxError, ValueError, EOFError):
        raise not_image from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean.info = {}
    out = BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), clean.width, clean.height


def _store(files, existing: int, by, make) -> list:
    """Check every file, then write them all; `make(stored_name, width, height, size)` builds each row."""
    files = chosen(files)
    if not files:
        return []
    if existing + len(files) > MAX_PHOTOS:
        raise RuleError(_l("最多只能上传 %(max)s 张照片（已有 %(have)s 张）。", max=MAX_PHOTOS, have=existing), "photos")
    prepared = [_prepare(f) for f in files]
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for data, width, height in prepared:
        stored_name = secrets.token_hex(16) + ".jpg"
        (folder / stored_name).write_bytes(data)
        rows.append(make(stored_name, width, height, len(data)))
    db.session.add_all(rows)
    on_rollback(lambda: [(folder / row.stored_name).unlink(missing_ok=True) for row in rows])
    return rows


def save_photos(wish: Wish, files, *, by) -> list[WishPhoto]:
    """Proof of a fulfilled wish (the caller's transaction commits the rows)."""
    existing = db.session.scalar(select(func.count(WishPhoto.id)).where(WishPhoto.wish_id == wish.id)) or 0
    return _store(files, existing, by, lambda name, w, h, size: WishPhoto(
        wish_id=wish.id, stored_name=name, width=w, height=h, size_bytes=size, uploaded_by_id=by.id))


def save_update_photos(event, files, *, by) -> list:
    """Photos of a project update (a timeline line)."""
    from portal.projects.models import ProjectPhoto

    return _store(files, 0, by, lambda name, w, h, size: ProjectPhoto(
        event_id=event.id, stored_name=name, width=w, height=h, size_bytes=size, uploaded_by_id=by.id))


STORED_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


def remove_orphans(older_than: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Delete photo files no row refers to, once an hour old (a request that died between writing them and
    committing cannot remove its own files); only names this module gives are considered."""
    from portal.projects.models import ProjectPhoto

    folder = upload_folder()
    if not folder.is_dir():
        return {"removed": 0}
    cutoff = time.time() - older_than.total_seconds()
    old = [p for p in folder.iterdir() if STORED_NAME.match(p.name) and p.is_file() and p.stat().st_mtime < cutoff]
    removed = 0
    for start in range(0, len(old), 500):
        chunk = [p.name for p in old[start:start + 500]]
        kept = set(db.session.scalars(select(WishPhoto.stored_name).where(WishPhoto.stored_name.in_(chunk))))
        kept |= set(db.session.scalars(select(ProjectPhoto.stored_name).where(ProjectPhoto.stored_name.in_(chunk))))
        for path in old[start:start + 500]:
            if path.name not in kept:
                path.unlink(missing_ok=True)
                removed += 1
    return {"removed": removed}
