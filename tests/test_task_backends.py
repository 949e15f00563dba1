"""The two task queues production can choose (TASK_BACKEND): the database (django-tasks-db,
`manage.py db_worker`) and Redis Queue (django-tasks-rq on Redis, `manage.py rqworker`). For
each, a site's processes enqueue real tasks — e-mails, the scheduler's tick with the worker's
heartbeat —, a real worker runs them, and each side effect happens exactly once; /healthz's
queue and worker checks read the chosen queue. Redis on 127.0.0.1:6379, database 9 (flushed)."""

import json
import subprocess
import sys

import pytest

from scripts.demo_server import ROOT, demo_env, manage, shell

pytestmark = pytest.mark.browser  # its own database and processes, not the test database

REDIS_TEST_URL = "redis://127.0.0.1:6379/9"


def run_worker(env: dict, backend: str) -> None:
    if backend == "database":
        command = ["db_worker", "--batch", "--no-startup-delay", "--queue-name", "*"]
    else:
        command = ["rqworker", "--burst", "--job-class", "django_tasks_rq.backend.Job", "default"]
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(params=["database", "rq"])
def site(request, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    env = demo_env(tmp_path)
    env.update({"TASK_BACKEND": request.param, "REDIS_URL": REDIS_TEST_URL})
    manage(env, "migrate", "--noinput", "-v", "0")
    yield request.param, env, tmp_path
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()


def test_each_task_runs_once_and_the_health_check_sees_the_queue(site):
    backend, env, var = site
    shell(
        env,
        "from core.tasks import send_email\n"
        "for n in range(5):\n"
        "    send_email.enqueue([f'nguoi{n}@example.vn'], f'Thư thử {n}', 'Nội dung tiếng Việt có dấu.')\n"
        "from core import scheduler\n"
        "scheduler.run_once()\n"
        "print(scheduler.worker_heartbeat(None))",
    )  # fmt: skip
    before = json.loads(
        shell(env, "import json; from core import health; print(json.dumps(health.report()[1]['queue']))")
    )
    assert before["ok"] and before["depth"] == 6  # five e-mails and the heartbeat (queued once)
    run_worker(env, backend)
    mails = sorted((var / "mail").glob("*.log"))
    text = "".join(p.read_text() for p in mails)
    for n in range(5):
        assert text.count(f"nguoi{n}@example.vn") == 1, f"e-mail {n} sent {text.count(f'nguoi{n}@example.vn')} times"
    after = json.loads(shell(env, "import json; from core import health; print(json.dumps(health.report()))"))
    status, checks = after
    assert checks["queue"]["depth"] == 0 and checks["queue"]["backend"].endswith("Backend")
    assert checks["worker"]["ok"] and checks["scheduler"]["ok"], checks
    assert status == "ok", checks
    # Run again: nothing left, nothing sent twice.
    run_worker(env, backend)
    assert "".join(p.read_text() for p in sorted((var / "mail").glob("*.log"))).count("nguoi0@example.vn") == 1
