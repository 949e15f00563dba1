"""Backups and restores (`manage.py backup`, `manage.py restore`): the database and the uploaded
files in one tar archive with a manifest that gives each member's SHA-256, every table's row
count and the applied migrations.

- SQLite: SQLite's online backup API copies a consistent database while the site runs.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot), restored with `pg_restore
  --clean --if-exists --no-owner --single-transaction`.
- Uploaded files: every file under MEDIA_ROOT, read once, hashed as written.

A restore first reads the whole archive and checks every hash; if one differs, or the archive's
migrations are not all known to this code, nothing is touched. The files are unpacked beside
MEDIA_ROOT and swapped in with two renames; the database is replaced in one step (a single
transaction for PostgreSQL; the backup API writes the SQLite file under its lock). The row
counts are compared with the manifest's afterwards.
"""

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
CHUNK = 1 << 20


class BackupError(Exception):
    pass


@dataclass
class Report:
    path: Path
    members: int = 0
    bytes: int = 0
    tables: dict = field(default_factory=dict)


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else connection.vendor


def table_counts() -> dict[str, int]:
    """Rows in every table Django manages (and its migrations table)."""
    names = sorted(set(connection.introspection.table_names()) & set(_model_tables()) | {"django_migrations"})
    out = {}
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 (known names)
            out[name] = cursor.fetchone()[0]
    return out


def _model_tables() -> set[str]:
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        tables.add(model._meta.db_table)
    return tables


def _applied() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_database(folder: Path) -> Path:
    settings_dict = connection.settings_dict
    if _engine() == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # consistent while others write
        return target
    if _engine() == "postgresql":
        target = folder / "database.pgdump"
        _pg("pg_dump", "--format=custom", "--no-owner", f"--file={target}", settings_dict=settings_dict)
        return target
    raise BackupError(f"no backup for the {connection.vendor} database")


def _pg(program: str, *args: str, settings_dict) -> None:
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    command = [program, *args]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command.append(f"{flag}={settings_dict[key]}")
    command.append(f"--dbname={settings_dict['NAME']}")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise BackupError(f"{program} failed: {done.stderr.strip()[-1000:]}")


def backup(destination: Path) -> Report:
    """Write the archive to `destination` (a file name, or a folder: a dated name in it)."""
    destination = Path(destination)
    if destination.is_dir():
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"tincay-backup-{stamp}.tar"
    destination.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="tincay-backup-", dir=destination.parent) as tmp:
        tmp = Path(tmp)
        counts = table_counts()
        dump = _dump_database(tmp)
        members = {f"database/{dump.name}": dump}
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    members[f"media/{path.relative_to(media).as_posix()}"] = path
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "engine": _engine(),
            "migrations": _applied(),
            "tables": counts,
            "files": {},
        }
        partial = destination.with_name(destination.name + ".partial")
        report = Report(destination, tables=counts)
        with tarfile.open(partial, "w") as tar:
            for name, path in members.items():
                info = tar.gettarinfo(str(path), arcname=name)
                digest = hashlib.sha256()
                with path.open("rb") as f:
                    data = _HashingReader(f, digest)
                    tar.addfile(info, data)
                manifest["files"][name] = {"sha256": digest.hexdigest(), "size": info.size}
                report.members += 1
                report.bytes += info.size
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(body), int(datetime.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(body))
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.replace(destination)  # a reader never sees half an archive
    return report


class _HashingReader:
    def __init__(self, f, digest):
        self.f, self.digest = f, digest

    def read(self, size=-1):
        chunk = self.f.read(size)
        self.digest.update(chunk)
        return chunk


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r") as tar:
        try:
            member = tar.getmember("manifest.json")
        except KeyError:
            raise BackupError("not a Tin Cậy backup: no manifest.json") from None
        return json.loads(tar.extractfile(member).read())


def verify(archive: Path) -> dict:
    """Every member's hash against the manifest; the manifest. Raises BackupError."""
    manifest = read_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    seen = set()
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if member.name == "manifest.json":
                continue
            expected = manifest["files"].get(member.name)
            if expected is None or not member.isfile():
                raise BackupError(f"unexpected member {member.name!r}")
            digest = hashlib.sha256()
            f = tar.extractfile(member)
            while chunk := f.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected["sha256"]:
                raise BackupError(f"{member.name}: the checksum differs (the archive is damaged)")
            seen.add(member.name)
    missing = set(manifest["files"]) - seen
    if missing:
        raise BackupError(f"missing from the archive: {sorted(missing)[:5]}")
    return manifest


def restore(archive: Path) -> dict:
    """Replace the database and the uploaded files by the archive's. Returns the tables whose
    row count differs from the manifest's after the restore (empty: all equal)."""
    archive = Path(archive)
    manifest = verify(archive)
    if manifest["engine"] != _engine():
        raise BackupError(f"the backup is of a {manifest['engine']} database, this one is {_engine()}")
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(connection, ignore_no_migrations=True).disk_migrations}
    unknown = [m for m in manifest["migrations"] if m not in known]
    if unknown:
        raise BackupError(f"the backup was made by a newer version (migrations {unknown[:3]}): upgrade first")
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tincay-restore-", dir=media.parent) as tmp:
        tmp = Path(tmp)
        incoming = tmp / "media"
        incoming.mkdir()
        database = None
        with tarfile.open(archive, "r") as tar:
            for member in tar:
                if member.name.startswith("database/"):
                    database = tmp / Path(member.name).name
                    tar.extract(member, tmp / "db", filter="data")
                    (tmp / "db" / member.name).replace(database)
                elif member.name.startswith("media/"):
                    tar.extract(member, tmp, filter="data")
        if database is None:
            raise BackupError("the archive has no database")
        _load_database(database)
        # The files: the restored tree in place with two renames; the old one removed after.
        old = tmp / "media-before"
        if media.exists():
            media.replace(old)
        incoming.replace(media)
    connections.close_all()
    after = table_counts()
    return {name: (count, after.get(name)) for name, count in manifest["tables"].items() if after.get(name) != count}


def _load_database(dump: Path) -> None:
    if _engine() == "sqlite":
        connection.ensure_connection()
        live = connection.connection
        with sqlite3.connect(dump) as source:
            source.backup(live)  # page by page under the live database's lock
        return
    settings_dict = connection.settings_dict
    connections.close_all()
    _pg(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        str(dump),
        settings_dict=settings_dict,
    )
