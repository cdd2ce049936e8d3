"""Photos of a request: checked, re-encoded and stored under a generated name.

An upload is never stored as sent. It is decoded with Pillow (so anything that is not an image is
refused), turned upright, scaled down and written again as a plain JPEG: the EXIF block, and with it
the GPS position a phone camera records, never reaches the disk. Every file of a submission is
checked before any is written, so one bad photo leaves nothing half-saved.

A request that fails removes the files it wrote (on_rollback). One whose process died between writing
them and committing (a killed worker, a power cut) cannot: `remove_orphans`, a periodic task, deletes
photo files that no row refers to once they are an hour old.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
import warnings
from dataclasses import dataclass
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
from portal.repairs.models import PhotoStage, RepairRequest, RequestPhoto

MAX_PHOTOS = 6  # per request and stage
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 2000
QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")  # MPO (some cameras) opens as JPEG
STAGES = tuple(PhotoStage)
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")  # what save_photos names a file
ORPHAN_AFTER = timedelta(hours=1)  # far longer than any request runs


def _refused(message) -> RuleError:
    return RuleError(message, "photos")


@dataclass
class _Prepared:
    data: bytes
    width: int
    height: int


def upload_folder() -> Path:
    """Where photos live: UPLOAD_FOLDER, or uploads/repairs under the instance folder.

    Under TESTING without a configured folder, a temporary one: tests never write into instance/.
    """
    configured = current_app.config.get("UPLOAD_FOLDER")
    if not configured and current_app.testing:
        configured = current_app.config["UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="portal-uploads-")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "repairs"


def chosen(files) -> list:
    """The files actually chosen: an empty file input still sends one part without a name."""
    return [f for f in (files or []) if f is not None and getattr(f, "filename", None)]


def _display_name(file) -> str:
    name = os.path.basename((file.filename or "").replace("\\", "/"))
    return name if len(name) <= 40 else name[:37] + "…"


def _prepare(file) -> _Prepared:
    """Read at most MAX_BYTES + 1 (Content-Length is not trusted), decode, re-encode without metadata."""
    name = _display_name(file)
    data = file.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refused(_l("“%(name)s”超过 10 MB，请换一张或压缩后再传。", name=name))
    not_image = _refused(_l("“%(name)s”不是图片文件（支持 JPG、PNG、WebP、GIF）。", name=name))
    if not data:
        raise not_image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=FORMATS) as probe:
                if probe.width * probe.height > MAX_PIXELS:  # from the header, before decoding
                    raise _refused(_l("“%(name)s”的像素太多，请换一张。", name=name))
                probe.verify()  # structure check; the image must be opened again after it
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                clean = _rgb(upright)
    except RuleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refused(_l("“%(name)s”的像素太多，请换一张。", name=name)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_image from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean.info = {}  # no comment, EXIF, XMP or ICC travels on
    out = BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    return _Prepared(out.getvalue(), clean.width, clean.height)


def _rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNGs would otherwise turn black."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def save_photos(req: RepairRequest, files, *, stage: str, by) -> list[RequestPhoto]:
    """Check every chosen file, then store them all and add their rows (the caller commits).

    Raises RuleError (field "photos"), with nothing written, if any file is refused or the stage would
    exceed MAX_PHOTOS. If the request's transaction rolls back afterwards, the written files are removed.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown photo stage {stage!r}")
    if req.id is None:
        raise ValueError("flush the request before attaching photos")
    files = chosen(files)
    if not files:
        return []
    existing = db.session.scalar(select(func.count(RequestPhoto.id)).where(
        RequestPhoto.request_id == req.id, RequestPhoto.stage == stage)) or 0
    if existing + len(files) > MAX_PHOTOS:
        raise _refused(_l("最多只能上传 %(max)s 张照片（已有 %(have)s 张）。", max=MAX_PHOTOS, have=existing))
    prepared = [_prepare(f) for f in files]
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    photos: list[RequestPhoto] = []
    try:
        for item in prepared:
            stored_name = secrets.token_hex(16) + ".jpg"
            with open(folder / stored_name, "xb") as handle:
                handle.write(item.data)
            photos.append(RequestPhoto(request_id=req.id, stage=stage, stored_name=stored_name, width=item.width,
                                       height=item.height, size_bytes=len(item.data), uploaded_by_id=by.id))
    except OSError:
        discard(photos)
        raise
    db.session.add_all(photos)
    on_rollback(lambda: discard(photos))
    return photos


def discard(photos) -> None:
    """Remove the files of photos whose rows were not saved (after a rollback)."""
    folder = upload_folder()
    for photo in photos:
        (folder / photo.stored_name).unlink(missing_ok=True)


def remove_orphans(older_than: timedelta = ORPHAN_AFTER) -> dict[str, int]:
    """Delete stored photo files that no row refers to and that are older than `older_than` (a younger
    one may belong to a request still running). Only names save_photos gives are considered."""
    folder = upload_folder()
    if not folder.is_dir():
        return {"removed": 0}
    cutoff = time.time() - older_than.total_seconds()
    old = [path for path in folder.iterdir()
           if STORED_NAME.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff]
    removed = 0
    for start in range(0, len(old), 500):
        chunk = old[start:start + 500]
        kept = set(db.session.scalars(select(RequestPhoto.stored_name).where(
            RequestPhoto.stored_name.in_([path.name for path in chunk]))))
        for path in chunk:
            if path.name not in kept:
                path.unlink(missing_ok=True)
                removed += 1
    return {"removed": removed}
