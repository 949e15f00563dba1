"""Settings come from the environment; production refuses to start without a secret key and
passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env_extra=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS", *drop}}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_web_server_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE"}}
    result = subprocess.run(
        [sys.executable, "-c", "import tincay.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_commands_in_a_checkout_make_their_own_key(tmp_path):
    result = manage("check", env_extra={"TINCAY_VAR_DIR": str(tmp_path)}, drop={"SECRET_KEY_FILE"})
    assert result.returncode == 0, result.stderr
    key = tmp_path / "secret_key"
    assert len(key.read_text().strip()) >= 50
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_secret_key_can_come_from_a_file(tmp_path):
    key = tmp_path / "key"
    key.write_text("x" * 60 + "\n")
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(len(settings.SECRET_KEY))",
        env_extra={"SECRET_KEY_FILE": str(key), "HTTPS": "0"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "60"


def test_bad_boolean_is_a_clear_error():
    result = manage("check", env_extra={"DEBUG": "maybe", "SECRET_KEY": "k"})
    assert result.returncode != 0 and "DEBUG='maybe'" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    env = {
        "SECRET_KEY": "p" * 20 + "Q9-z" * 12,
        "ALLOWED_HOSTS": "tincay.example.vn",
        # Production sends real mail: without a server, check --deploy refuses the file backend.
        "EMAIL_HOST": "smtp.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MISINFO_KEY": "Wm9YcE5yQk1XcjB4c1lFSGh6bFl2d3VxS2JjZFlhQ2c=",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_extra=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_reporters_key_must_be_valid_and_should_be_set_in_production(tmp_path):
    base = {"SECRET_KEY": "p" * 20 + "Q9-z" * 12, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    bad = manage("check", env_extra={**base, "MISINFO_KEY": "not-a-key"})
    assert bad.returncode != 0 and "misinfo.E001" in bad.stderr + bad.stdout
    unset = manage("check", env_extra=base, drop={"MISINFO_KEY", "MISINFO_KEY_FILE"})
    assert "misinfo.W001" in unset.stderr + unset.stdout


def test_defaults():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    # The database queue unless the run chose Redis Queue (make test-postgres does).
    backend = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
    assert settings.TASKS["default"]["BACKEND"] == backend[os.environ.get("TASK_BACKEND", "database")]
