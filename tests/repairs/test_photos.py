"""Photos: only real images are kept, re-encoded without EXIF (no GPS position), all-or-nothing, and
served only to those who may see the request (or, once on the public board, to the compound)."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.core.errors import RuleError as PhotoError
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import photos, services
from portal.repairs.models import RequestPhoto
from portal.repairs.photos import MAX_BYTES, save_photos
from tests.conftest import login_as, make_compound, make_user
from tests.repairs.conftest import make_request


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def jpeg(size=(40, 20), *, gps: bool = False, orientation: int | None = None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "TestPhone"
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0),
            ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (116.0, 23.0, 17.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"home of someone")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> FileStorage:
    return FileStorage(stream=BytesIO(data), filename=name, content_type="image/jpeg")


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size and holds no pixels: a decompression bomb costs nothing to make."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))


def status(client, url: str) -> int:
    response = client.get(url)
    response.close()  # a served file stays open until the response is closed
    return response.status_code


def stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


# --- save_photos ------------------------------------------------------------------------------------

def test_gps_and_all_metadata_are_stripped_and_the_photo_turned_upright(repair_world, uploads):
    req = make_request(repair_world)
    [photo] = save_photos(req, [upload(jpeg(gps=True, orientation=6))], stage="filing", by=repair_world["resident"])
    db.session.commit()

    path = uploads / photo.stored_name
    raw = path.read_bytes()
    assert b"Exif" not in raw and b"TestPhone" not in raw and b"home of someone" not in raw
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "comment" not in image.info
        assert image.size == (20, 40)  # orientation 6 applied, then dropped
    assert (photo.width, photo.height, photo.size_bytes) == (20, 40, len(raw))
    assert photo.stored_name.endswith(".jpg") and len(photo.stored_name) == 36
    assert photo.uploaded_by_id == repair_world["resident"].id and photo.stage == "filing"


def test_large_photos_are_scaled_down_and_transparent_ones_get_a_white_background(repair_world, uploads):
    req = make_request(repair_world)
    big = BytesIO()
    Image.new("RGB", (3000, 1500), (0, 120, 0)).save(big, "JPEG")
    clear = BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(clear, "PNG")
    first, second = save_photos(req, [upload(big.getvalue()), upload(clear.getvalue(), "a.png")], stage="filing",
                                by=repair_world["resident"])
    assert (first.width, first.height) == (2000, 1000)
    with Image.open(uploads / second.stored_name) as image:
        assert image.getpixel((15, 15)) == pytest.approx((255, 255, 255), abs=3)


@pytest.mark.parametrize("data", [b"%PDF-1.4 not an image", b"", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_anything_but_an_image_is_refused_by_name(repair_world, data):
    req = make_request(repair_world)
    with pytest.raises(PhotoError) as refused:
        save_photos(req, [upload(data, "合同.pdf")], stage="filing", by=repair_world["resident"])
    assert "合同.pdf" in str(refused.value.message) and "不是图片" in str(refused.value.message)


@pytest.mark.parametrize("size", [(7000, 7000), (10000, 10000), (20000, 20000)])
def test_decompression_bombs_are_refused_before_decoding(repair_world, size):
    """Over our 40 MP cap, over Pillow's warning threshold, and over its error threshold."""
    req = make_request(repair_world)
    with pytest.raises(PhotoError) as refused:
        save_photos(req, [upload(png_header(*size), "bomb.png")], stage="filing", by=repair_world["resident"])
    assert "像素太多" in str(refused.value.message)


def test_over_10_mb_is_refused_without_reading_it_all(repair_world):
    req = make_request(repair_world)
    stream = BytesIO(jpeg() + b"\0" * MAX_BYTES)
    with pytest.raises(PhotoError) as refused:
        save_photos(req, [FileStorage(stream=stream, filename="huge.jpg")], stage="filing", by=repair_world["resident"])
    assert "10 MB" in str(refused.value.message)
    assert stream.tell() == MAX_BYTES + 1


def test_one_bad_file_leaves_nothing_written(repair_world, uploads):
    req = make_request(repair_world)
    files = [upload(jpeg()), upload(jpeg()), upload(b"not an image", "third.txt")]
    with pytest.raises(PhotoError):
        save_photos(req, files, stage="filing", by=repair_world["resident"])
    assert stored(uploads) == []
    assert db.session.scalar(select(func.count(RequestPhoto.id))) == 0


def test_at_most_six_per_stage_counting_those_already_there(repair_world):
    req = make_request(repair_world)
    by = repair_world["resident"]
    save_photos(req, [upload(jpeg()) for _ in range(5)], stage="filing", by=by)
    db.session.commit()
    with pytest.raises(PhotoError) as refused:
        save_photos(req, [upload(jpeg()), upload(jpeg())], stage="filing", by=by)
    assert "6" in str(refused.value.message)
    assert len(save_photos(req, [upload(jpeg())], stage="filing", by=by)) == 1
    assert len(save_photos(req, [upload(jpeg()) for _ in range(6)], stage="result", by=by)) == 6


def test_empty_file_inputs_are_ignored(repair_world):
    req = make_request(repair_world)
    empty = FileStorage(stream=BytesIO(b""), filename="")
    assert save_photos(req, [empty, None], stage="filing", by=repair_world["resident"]) == []


def test_default_folder_is_under_the_instance_folder_but_never_in_tests(app, monkeypatch):
    monkeypatch.delitem(app.config, "UPLOAD_FOLDER")
    monkeypatch.setattr(app, "testing", False)
    assert photos.upload_folder() == Path(app.instance_path) / "uploads" / "repairs"
    monkeypatch.setattr(app, "testing", True)
    folder = photos.upload_folder()
    assert folder != Path(app.instance_path) / "uploads" / "repairs" and folder.is_dir()
    assert app.config["UPLOAD_FOLDER"] == str(folder)


# --- the photo route -----------------------------------------------------------------------------------

def _closed_with_photos(world):
    """A request filed with one photo, resolved with another, and closed by the resident."""
    resident, manager, staff = world["resident"], world["manager"], world["staff"]
    req = make_request(world)
    [filing] = save_photos(req, [upload(jpeg())], stage="filing", by=resident)
    services.assign(req, by=manager, handler=staff)
    services.accept(req, by=staff)
    services.resolve(req, by=staff, note="已更换水龙头")
    [result] = save_photos(req, [upload(jpeg(color=(0, 0, 200)))], stage="result", by=staff)
    db.session.commit()
    return req, filing, result


def test_the_requester_gets_the_photo_with_safe_headers(app, repair_world):
    req, filing, _result = _closed_with_photos(repair_world)
    client = login_as(app.test_client(), repair_world["resident"])
    response = client.get(f"/repairs/photos/{filing.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" not in response.headers["Cache-Control"]
    assert response.data[:2] == b"\xff\xd8"
    response.close()


def test_photos_are_404_outside_the_request_and_result_photos_public_once_closed(app, repair_world):
    req, filing, result = _closed_with_photos(repair_world)
    far_user = make_user("远方居民", household=repair_world["far_compound"].buildings[0].households[0])
    other_compound_user = make_user("别的小区居民", household=make_compound(repair_world["community"]).buildings[0]
                                    .households[0])
    db.session.commit()
    neighbour = login_as(app.test_client(), repair_world["neighbour"])
    assert status(neighbour, f"/repairs/photos/{filing.id}") == 404
    assert status(neighbour, f"/repairs/photos/{result.id}") == 404  # not closed yet
    for user in (far_user, other_compound_user):
        client = login_as(app.test_client(), user)
        assert status(client, f"/repairs/photos/{filing.id}") == 404
        assert status(client, f"/repairs/photos/{result.id}") == 404
    assert neighbour.get("/repairs/photos/999999").status_code == 404

    services.evaluate(req, by=repair_world["resident"], rating=5, speed=5, attitude=5, satisfied=True)
    db.session.commit()
    assert status(neighbour, f"/repairs/photos/{result.id}") == 200  # on the board now
    assert status(neighbour, f"/repairs/photos/{filing.id}") == 404  # the inside of a home stays private
    owners = login_as(app.test_client(), repair_world["users"][Role.OWNERS_COMMITTEE])
    assert status(owners, f"/repairs/photos/{result.id}") == 200
    for user in (far_user, other_compound_user):
        client = login_as(app.test_client(), user)
        assert status(client, f"/repairs/photos/{result.id}") == 404


def test_anonymous_visitors_are_sent_to_log_in(app, repair_world):
    _req, filing, _result = _closed_with_photos(repair_world)
    response = app.test_client().get(f"/repairs/photos/{filing.id}")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_a_households_photos_are_never_cached_but_a_public_areas_may_be(app, repair_world):
    """A shared computer: after logout, the browser cache must not still hold the inside of a home."""
    _req, filing, result = _closed_with_photos(repair_world)
    client = login_as(app.test_client(), repair_world["resident"])
    for photo in (filing, result):
        response = client.get(f"/repairs/photos/{photo.id}")
        assert response.headers["Cache-Control"] == "no-store"
        response.close()
    public = make_request(repair_world, household=None, place="北门")
    [gate] = save_photos(public, [upload(jpeg())], stage="filing", by=repair_world["resident"])
    db.session.commit()
    response = client.get(f"/repairs/photos/{gate.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, max-age=3600"
    response.close()
