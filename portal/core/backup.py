"""Backup and restore: the database and the uploaded files in one archive, and back.

`flask --app portal backup FILE.tar.gz` writes every table of the schema as JSON lines (a logical
copy, so an archive from SQLite restores into PostgreSQL and back) with the files each module
registered (`add_files`, e.g. request photos) and a manifest (schema revision, row counts, a checksum
per file). `flask --app portal restore FILE.tar.gz` puts it all back into a database migrated to the
same revision: it refuses a database that holds data unless told `--replace`, and it is one
transaction — a failure leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, Integer, Numeric, func, insert, select, text, update

from portal.core.clock import aware, now_utc
from portal.core.modules import registry
from portal.extensions import db

FORMAT = 1


class BackupError(click.ClickException):
    """An archive that cannot be restored here, said plainly."""


def _tables():
    return list(db.metadata.sorted_tables)  # parents before children


def _revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _encode(value):
    if isinstance(value, datetime):
        return aware(value).isoformat()  # stored as UTC; SQLite hands it back without its zone
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Numeric) and not isinstance(value, int | float):
        return Decimal(value)
    return value


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now_utc().timestamp())
    archive.addfile(info, io.BytesIO(data))


def write_backup(path: str | Path) -> dict:
    """Write the archive; returns its manifest."""
    manifest = {"format": FORMAT, "revision": _revision(), "created_at": now_utc().isoformat(),
                "tables": {}, "files": {}}
    with tarfile.open(path, "w:gz") as archive:
        for table in _tables():
            with tempfile.TemporaryFile() as rows:
                count = 0
                for row in db.session.execute(select(table)).mappings().yield_per(1000):
                    rows.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False).encode())
                    rows.write(b"\n")
                    count += 1
                rows.seek(0)
                info = tarfile.TarInfo(f"tables/{table.name}.jsonl")
                info.size = rows.seek(0, io.SEEK_END)
                rows.seek(0)
                archive.addfile(info, rows)
            manifest["tables"][table.name] = count
        for name, folder in _file_folders():
            checksums = {}
            for file in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
                relative = file.relative_to(folder).as_posix()
                data = file.read_bytes()
                checksums[relative] = hashlib.sha256(data).hexdigest()
                _add_bytes(archive, f"files/{name}/{relative}", data)
            manifest["files"][name] = checksums
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def _file_folders() -> list[tuple[str, Path]]:
    return [(name, Path(folder())) for name, folder in registry().files.items()]


def _has_data() -> bool:
    return any(db.session.scalar(select(func.count()).select_from(table)) for table in _tables())


def restore_backup(path: str | Path, *, replace: bool = False) -> dict:
    """Restore the archive into this database (same schema revision) and the registered folders."""
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise BackupError("不认识的备份格式 / unknown backup format")
        if manifest["revision"] != _revision():
            raise BackupError(f"备份的数据库版本 {manifest['revision']} 与当前 {_revision()} 不同，请先迁移到相同版本 / "
                              "migrate this database to the backup's revision first")
        if _has_data() and not replace:
            raise BackupError("数据库中已有数据；确认覆盖请加 --replace / the database holds data: use --replace")
        _verify_files(archive, manifest)  # before anything is replaced
        tables = _tables()
        try:
            for table in reversed(tables):
                db.session.execute(table.delete())
            for table in tables:
                _restore_table(archive, table)
            _reset_sequences(tables)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        _restore_files(archive, manifest)
    return manifest


def _restore_table(archive: tarfile.TarFile, table) -> None:
    """Insert a table's rows; a column that points into the same table (an organisation's parent) is
    set afterwards, so the order of the rows does not matter."""
    member = archive.extractfile(f"tables/{table.name}.jsonl")
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    # columns an UPDATE would stamp (updated_at): set back to their restored values with the update
    stamped = [c.name for c in table.columns if c.onupdate is not None]
    later = []
    batch = []
    for line in member:
        raw = json.loads(line)
        row = {c.name: _decode(c, raw.get(c.name)) for c in table.columns}
        if self_refs and any(row[name] is not None for name in self_refs):
            later.append({name: row[name] for name in (*self_refs, *stamped, *[c.name for c in table.primary_key])})
            row.update({name: None for name in self_refs})
        batch.append(row)
        if len(batch) >= 1000:
            db.session.execute(insert(table), batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
    key = [c for c in table.primary_key]
    for values in later:
        db.session.execute(update(table).where(*(c == values[c.name] for c in key))
                           .values({name: values[name] for name in (*self_refs, *stamped)}))


def _reset_sequences(tables) -> None:
    """PostgreSQL: the next id after the restored ones (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key:
            if isinstance(column.type, Integer) and column.autoincrement is not False:
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                    f"COALESCE((SELECT MAX(\"{column.name}\") FROM \"{table.name}\"), 0) + 1, false)"))


def _files(archive: tarfile.TarFile, manifest: dict):
    """(folder name, relative path, bytes) of each file, its checksum checked and its path kept inside."""
    for name, checksums in manifest["files"].items():
        for relative, checksum in checksums.items():
            if relative.startswith("/") or ".." in Path(relative).parts:
                raise BackupError(f"不安全的文件路径 / unsafe path in archive: {relative}")
            data = archive.extractfile(f"files/{name}/{relative}").read()
            if hashlib.sha256(data).hexdigest() != checksum:
                raise BackupError(f"文件已损坏 / damaged file in archive: {relative}")
            yield name, relative, data


def _verify_files(archive: tarfile.TarFile, manifest: dict) -> None:
    for _file in _files(archive, manifest):
        pass


def _restore_files(archive: tarfile.TarFile, manifest: dict) -> None:
    folders = dict(_file_folders())
    for name, relative, data in _files(archive, manifest):
        folder = folders.get(name)
        if folder is None:
            continue
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:  # whole, or not at all
            handle.write(data)
        shutil.move(handle.name, target)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Write the database and the uploaded files to one archive (.tar.gz)."""
    manifest = write_backup(path)
    rows = sum(manifest["tables"].values())
    files = sum(len(f) for f in manifest["files"].values())
    click.echo(f"已备份 / backed up: {rows} 行 rows, {files} 个文件 files → {path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace the data this database already holds.")
@with_appcontext
def restore_command(path, replace):
    """Restore an archive written by `backup` into this database (migrated to the same revision)."""
    manifest = restore_backup(path, replace=replace)
    click.echo(f"已恢复 / restored: {sum(manifest['tables'].values())} 行 rows from {manifest['created_at']}")
    current_app.logger.info("restored backup of %s", manifest["created_at"])


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
