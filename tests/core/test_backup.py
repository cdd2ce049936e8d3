"""Backup and restore: a round trip gives back every row and every file, identical (on SQLite and,
under TEST_DATABASE_URL, on PostgreSQL); a damaged or foreign archive is refused and changes nothing."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.core import backup
from portal.core.modules import registry
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from tests.conftest import make_org
from tests.repairs.conftest import make_request


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def _everything() -> dict:
    rows = {table.name: sorted(json.dumps({k: backup._encode(v) for k, v in row.items()}, sort_keys=True)
                                for row in db.session.execute(select(table)).mappings())
            for table in db.metadata.sorted_tables}
    files = {}
    for name, folder in backup._file_folders():
        if folder.is_dir():
            files[name] = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return {"rows": rows, "files": files}


def _some_of_everything(world):
    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.repairs.photos import save_photos

    users = world["users"]
    company = world["company"]
    make_org(OrgKind.PARTY_BRANCH, street=world["street"], name="安居物业党支部", parent=company)
    req = make_request({**world, "users": users}, household=world["household"])
    image = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(image, "JPEG")
    image.seek(0)
    save_photos(req, [FileStorage(image, "leak.jpg")], stage="filing", by=req.requester)
    db.session.commit()


def test_a_round_trip_gives_back_every_row_and_file(app, world, tmp_path):
    _some_of_everything(world)
    before = _everything()
    assert before["rows"]["repair_request"] and before["files"]["repairs-photos"]
    archive = tmp_path / "portal.tar.gz"
    manifest = backup.write_backup(archive)
    assert manifest["tables"]["repair_request"] == 1 and len(manifest["files"]["repairs-photos"]) == 1

    for table in reversed(db.metadata.sorted_tables):  # a lost database and a lost upload folder
        db.session.execute(table.delete())
    db.session.commit()
    for _name, folder in backup._file_folders():
        for path in folder.rglob("*"):
            if path.is_file():
                path.unlink()

    backup.restore_backup(archive)
    db.session.expire_all()
    after = _everything()
    for name in before['rows']:
        assert after['rows'][name] == before['rows'][name], name
    assert after == before
    # The ids go on from where they were: a new row does not collide with a restored one.
    org = make_org(OrgKind.VOLUNTEER_TEAM, street=world["street"], name="新志愿队")
    db.session.commit()
    assert org.id > max(db.session.scalars(select(Organisation.id).where(Organisation.id != org.id)))


def test_restore_refuses_a_database_with_data_unless_told(app, world, tmp_path):
    archive = tmp_path / "portal.tar.gz"
    backup.write_backup(archive)
    with pytest.raises(backup.BackupError):
        backup.restore_backup(archive)
    backup.restore_backup(archive, replace=True)


def test_a_damaged_or_foreign_archive_changes_nothing(app, world, tmp_path):
    _some_of_everything(world)
    before = _everything()
    archive = tmp_path / "portal.tar.gz"
    backup.write_backup(archive)
    with tarfile.open(archive, "r:gz") as source:
        members = {m.name: source.extractfile(m).read() for m in source.getmembers()}
    manifest = json.loads(members["manifest.json"])

    def rewrite(name, changes, manifest_changes=None):
        path = tmp_path / name
        data = {**members, **changes}
        if manifest_changes:
            data["manifest.json"] = json.dumps({**manifest, **manifest_changes}).encode()
        with tarfile.open(path, "w:gz") as target:
            for member, content in data.items():
                info = tarfile.TarInfo(member)
                info.size = len(content)
                target.addfile(info, io.BytesIO(content))
        return path

    photo = next(name for name in members if name.startswith("files/"))
    broken_rows = {"tables/repair_request.jsonl": members["tables/repair_request.jsonl"] + b'{"id": "x"}\n'}
    db.session.execute(Organisation.__table__.update().values(note="改过"))  # so a restore would show
    db.session.commit()
    before = _everything()
    for bad in (rewrite("other-revision.tar.gz", {}, {"revision": "0001_structure"}),
                rewrite("damaged-photo.tar.gz", {photo: b"not the photo"}),
                rewrite("broken-rows.tar.gz", broken_rows)):
        with pytest.raises(Exception):  # noqa: B017 — each is refused, whatever the reason
            backup.restore_backup(bad, replace=True)
        db.session.rollback()
        db.session.expire_all()
        assert _everything()["rows"] == before["rows"], bad.name


def test_the_commands(app, world, tmp_path):
    archive = tmp_path / "cli.tar.gz"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0 and "backed up" in result.output
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code != 0 and "--replace" in result.output
    result = runner.invoke(args=["restore", "--replace", str(archive)])
    assert result.exit_code == 0, result.output
    assert "repairs-photos" in registry(app).files
    assert Path(archive).stat().st_size > 0
