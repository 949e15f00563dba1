"""Jobs that run on the clock (open the week's report cycle, send reminders). Each job must be
idempotent, so running `manage.py scheduler` on several machines, or twice after a restart,
does each thing once: the jobs claim their work with unique rows, not with a lock held here.
Apps register their jobs in AppConfig.ready."""

import logging

from django.utils import timezone

log = logging.getLogger(__name__)
JOBS: dict[str, callable] = {}


def register(name: str, func) -> None:
    JOBS[name] = func


def run_once(now=None) -> dict[str, object]:
    from .models import Heartbeat

    now = now or timezone.now()
    results = {}
    for name, func in JOBS.items():
        try:
            results[name] = func(now)
        except Exception:  # one failing job must not stop the others; it is retried next tick
            log.exception("Scheduled job %s failed", name)
            results[name] = "error"
        Heartbeat.beat(f"job:{name}", str(results[name]))
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
