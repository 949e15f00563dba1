"""Tin Cậy as `make demo` runs it, for tests, benchmarks and screenshots: a fresh SQLite database
in a temporary folder with the demo data, static files collected, gunicorn on a free port."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "tincay-demo-2021"  # core.demo.DEMO_PASSWORD, without importing Django here
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def demo_env(var_dir: Path) -> dict:
    # As `make demo` runs: SQLite, per-process caches and the database queue, even inside a test
    # run on PostgreSQL + Redis (a test that wants those sets them on the returned env).
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RQ_URL", "TASK_BACKEND"}}
    env.update({"TINCAY_VAR_DIR": str(var_dir), "SECRET_KEY": "demo-server", "HTTPS": "0", "DEBUG": "0"})
    # The demo log-ins work with the password alone (in production leaders, inspectors and
    # administrators must give an authenticator's code: tincay.settings.OTP_REQUIRED_ROLES).
    env["OTP_REQUIRED_ROLES"] = ""
    return env


def manage(env: dict, *args: str, quiet: bool = True) -> float:
    """Run a management command; return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - start


def shell(env: dict, code: str) -> str:
    """Run Python in `manage.py shell` with `env`; the last line it printed. Raises with the
    error's end when it fails."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"manage.py shell failed:\n{done.stderr[-3000:]}")
    out = done.stdout.strip()
    return out.splitlines()[-1] if out else ""


def prepare(env: dict) -> None:
    for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        manage(env, *args)
    manage(env, "load_demo", "--quiet-logins")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 1, threads: int = 4, worker_class: str = "gthread", timeout: int = 30):
    """Yield the base URL of gunicorn serving Tin Cậy with `env`; stop it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "tincay.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--worker-class", worker_class, "--timeout", str(timeout), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@contextmanager
def demo_server(workers: int = 1):
    """A fresh demo database and gunicorn on it: yields (base URL, environment)."""
    with tempfile.TemporaryDirectory(prefix="tincay-demo-") as var:
        env = demo_env(Path(var))
        prepare(env)
        with gunicorn(env, workers=workers) as url:
            yield url, env
