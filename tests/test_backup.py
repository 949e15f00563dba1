"""The restore drill (issue 10): a demo site is backed up with `manage.py backup`, its database
and uploaded files wiped, restored with `manage.py restore`, and compared: every table's row count
and every file's hash as before. A damaged archive is refused and changes nothing. Real processes
on a database of their own: SQLite (the online backup API), and PostgreSQL when the suite runs
on it (pg_dump / pg_restore)."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.demo_server import ROOT, demo_env, manage, shell
from tests.owndb import PG, own_database

pytestmark = pytest.mark.browser  # its own database and processes, not the test database


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def counts(env: dict) -> dict[str, int]:
    import json

    code = "import json; from core.backup import table_counts; print(json.dumps(table_counts()))"
    return json.loads(shell(env, code))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("drill")
    with own_database(demo_env(var), "tincay_drill") as env:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo", "--quiet-logins")
        yield var, env


def test_backup_wipe_restore_gives_back_every_row_and_every_file(site, tmp_path):
    var, env = site
    media = var / "media"
    before_rows, before_files = counts(env), hashes(media)
    assert before_rows["misinfo_tip"] > 0 and before_rows["roster_assignment"] > 0
    assert before_files, "the demo has uploaded files (tips' screenshots, evidence)"
    manage(env, "backup", "--output", str(tmp_path))
    archive = next(tmp_path.glob("tincay-backup-*.tar"))

    # Wipe: the uploaded files gone, the database emptied to a bare schema.
    shutil.rmtree(media)
    if PG:
        manage(env, "flush", "--noinput")
    else:
        for suffix in ("", "-wal", "-shm"):
            (var / f"tincay.sqlite3{suffix}").unlink(missing_ok=True)
        manage(env, "migrate", "--noinput", "-v", "0")
    assert counts(env)["misinfo_tip"] == 0

    manage(env, "restore", str(archive), "--yes")
    assert counts(env) == before_rows
    assert hashes(media) == before_files


def test_a_damaged_archive_is_refused_and_changes_nothing(site, tmp_path):
    var, env = site
    manage(env, "backup", "--output", str(tmp_path))
    archive = next(tmp_path.glob("tincay-backup-*.tar"))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the middle of a member
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    before_rows, before_files = counts(env), hashes(var / "media")
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(damaged), "--yes"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "checksum" in done.stderr or "unexpected member" in done.stderr or "not a" in done.stderr, done.stderr
    assert counts(env) == before_rows and hashes(var / "media") == before_files
    # --check reads and verifies only.
    check = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), "--check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0 and "every checksum matches" in check.stdout
