"""The clock's jobs run once a minute across every scheduler: the first to claim a job's minute
runs it, the others skip it; a run that has not finished keeps its claim until its lease runs
out (its scheduler died: another takes over); the claim is a row in the shared database, so it
outlives restarts. The last test starts several real `manage.py scheduler --once` at once."""

import datetime
import subprocess
import sys

import pytest
from django.utils import timezone

from core import scheduler
from core.models import ScheduledRun

NOON = timezone.make_aware(datetime.datetime(2026, 12, 7, 12, 0, 5))


@pytest.fixture
def counted(monkeypatch):
    """One job that counts its runs, instead of the real ones."""
    runs = []

    def job(now):
        runs.append(now)
        return len(runs)

    monkeypatch.setattr(scheduler, "JOBS", {"test.counted": job})
    return runs


def test_two_schedulers_on_the_same_minute_run_a_job_once(counted):
    assert scheduler.claim("test.counted", NOON, "a:1")
    assert not scheduler.claim("test.counted", NOON + datetime.timedelta(seconds=40), "b:2")
    scheduler.finish("test.counted", "done", "a:1")
    assert not scheduler.claim("test.counted", NOON + datetime.timedelta(seconds=50), "b:2")  # finished, same minute
    assert scheduler.claim("test.counted", NOON + datetime.timedelta(minutes=1), "b:2")  # the next minute
    run = ScheduledRun.objects.get(job="test.counted")
    assert run.holder == "b:2" and run.finished_at is None and run.slot.minute == 1


def test_run_once_skips_what_another_scheduler_claimed(counted):
    assert scheduler.run_once(NOON) == {"test.counted": 1}
    assert scheduler.run_once(NOON + datetime.timedelta(seconds=30)) == {"test.counted": scheduler.SKIPPED}
    assert scheduler.run_once(NOON + datetime.timedelta(seconds=61)) == {"test.counted": 2}
    assert len(counted) == 2
    run = ScheduledRun.objects.get(job="test.counted")
    assert run.result == "2" and run.finished_at is not None


def test_a_job_still_running_is_not_started_beside_itself_until_its_lease_runs_out(counted):
    assert scheduler.claim("test.counted", NOON, "dead:1")  # claimed, then its scheduler died
    later = NOON + datetime.timedelta(minutes=5)
    assert scheduler.run_once(later) == {"test.counted": scheduler.SKIPPED}
    assert scheduler.run_once(NOON + scheduler.LEASE + datetime.timedelta(minutes=1)) == {"test.counted": 1}
    assert ScheduledRun.objects.get(job="test.counted").holder == scheduler.holder()


def test_a_failing_job_is_recorded_and_tried_again_the_next_minute(monkeypatch):
    calls = []

    def broken(now):
        calls.append(now)
        raise RuntimeError("feed down")

    monkeypatch.setattr(scheduler, "JOBS", {"test.broken": broken})
    assert scheduler.run_once(NOON) == {"test.broken": "error"}
    assert ScheduledRun.objects.get(job="test.broken").result == "error"
    assert scheduler.run_once(NOON + datetime.timedelta(minutes=1)) == {"test.broken": "error"}
    assert len(calls) == 2


@pytest.mark.browser  # its own database (SQLite file, or PostgreSQL when the run uses it) and processes
def test_schedulers_started_together_run_each_job_once(tmp_path):
    from scripts.demo_server import ROOT, demo_env, manage
    from tests.owndb import own_database

    with own_database(demo_env(tmp_path), "tincay_scheduler") as env:
        manage(env, "migrate", "--noinput", "-v", "0")
        outputs = _together(env, ROOT, 3)
    jobs = set(outputs[0])
    assert {"core.heartbeat", "reporting.open_cycles"} <= jobs, jobs
    for job in jobs:
        ran = [out[job] for out in outputs if out[job] != scheduler.SKIPPED]
        assert len(ran) == 1, f"{job}: {[out[job] for out in outputs]}"


def _together(env, root, n):
    """`manage.py scheduler --once` n times at once; each one's {job: result}."""
    command = [sys.executable, "manage.py", "scheduler", "--once"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    starts = [subprocess.Popen(command, cwd=root, env=env, **pipes) for _ in range(n)]
    outputs = []
    for process in starts:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        outputs.append(dict(line.split(": ", 1) for line in out.splitlines() if ": " in line))
    return outputs
