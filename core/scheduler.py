"""Jobs that run on the clock (open the week's report cycle, send reminders, poll feeds). Every
machine may run `manage.py scheduler`: each tick, a job runs where it is first claimed for that
minute (`ScheduledRun`, a conditional UPDATE in the shared database), so it runs once across
every scheduler, and a restart picks up at the next minute. The jobs are idempotent as well
(they claim their work with unique rows), so a claim lost to a crash costs nothing but a
minute. Apps register their jobs in AppConfig.ready."""

import datetime
import logging
import os
import socket

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)
JOBS: dict[str, callable] = {}
# How long a claimed run may take before another scheduler takes the job over (its scheduler
# died mid-run, or hangs). Longer than any job: a campaign's sending runs as a task, not here.
LEASE = datetime.timedelta(minutes=15)
SKIPPED = "skipped"  # another scheduler has this minute, or is still running the job


def register(name: str, func) -> None:
    JOBS[name] = func


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(job: str, now, me: str | None = None) -> bool:
    """Claim `job` for the minute of `now`: True for exactly one scheduler per minute, unless
    the job's last run has neither finished nor outlived its lease."""
    from .models import ScheduledRun

    me = me or holder()
    slot = now.replace(second=0, microsecond=0)
    free = Q(finished_at__isnull=False) | Q(started_at__lt=now - LEASE)
    taken = ScheduledRun.objects.filter(Q(job=job, slot__lt=slot) & free).update(
        slot=slot, holder=me, started_at=now, finished_at=None, result=""
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job, slot=slot, holder=me, started_at=now)
    except IntegrityError:  # it exists: another scheduler has this minute, or the job still runs
        return False
    return True


def finish(job: str, result, me: str | None = None) -> None:
    from .models import ScheduledRun

    ScheduledRun.objects.filter(job=job, holder=me or holder(), finished_at__isnull=True).update(
        finished_at=timezone.now(), result=str(result)[:200]
    )


def run_once(now=None) -> dict[str, object]:
    from .models import Heartbeat

    now = now or timezone.now()
    me = holder()
    results = {}
    for name, func in JOBS.items():
        if not claim(name, now, me):
            results[name] = SKIPPED
            continue
        try:
            results[name] = func(now)
        except Exception:  # one failing job must not stop the others; it is retried next tick
            log.exception("Scheduled job %s failed", name)
            results[name] = "error"
        finish(name, results[name], me)
    Heartbeat.beat("scheduler", f"{len(JOBS)} jobs")
    return results


def worker_heartbeat(now) -> str:
    """Queue the heartbeat task unless one is already waiting: the worker stamps "worker" when it
    runs it, so /healthz sees whether tasks are being run at all (not just queued)."""
    from django.conf import settings

    from .tasks import heartbeat

    backend = settings.TASKS["default"]["BACKEND"]
    if "django_tasks_db" in backend:
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(status="READY", task_path__endswith=".heartbeat").exists():
            return "waiting"
    elif "django_tasks_rq" in backend:
        import django_rq

        waiting = django_rq.get_queue("default")
        for job_id in waiting.get_job_ids(0, 999):
            job = waiting.fetch_job(job_id)
            if job is not None and job.func_name.endswith(".heartbeat"):
                return "waiting"
    heartbeat.enqueue()
    return "queued"
