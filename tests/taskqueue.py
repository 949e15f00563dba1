"""The task queue as tests see it, whichever backend the run uses (TASK_BACKEND): the database's
task table (django-tasks-db) or Redis Queue (django-tasks-rq). Tests ask what was queued and
run it in this process, inside their own transaction, the way the chosen backend's worker would.

`make test` runs the suite on the database queue; `make test-postgres` on Redis Queue."""

import signal
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Queued:
    path: str  # the task function's dotted path
    args: list
    kwargs: dict
    status: str  # READY, RUNNING, SUCCESSFUL, FAILED (django.tasks' names)


def on_redis() -> bool:
    return "django_tasks_rq" in settings.TASKS["default"]["BACKEND"]


def _rq_queue():
    import django_rq

    return django_rq.get_queue("default")


def _rq_jobs() -> list:
    """Every job of this test: waiting, scheduled, running, finished or failed (the queue is
    emptied before each test)."""
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    queue = _rq_queue()
    ids = list(queue.get_job_ids())
    for registry in (ScheduledJobRegistry, StartedJobRegistry, FinishedJobRegistry, FailedJobRegistry):
        ids += registry(queue=queue).get_job_ids()
    from django_tasks_rq.backend import Job

    jobs = [job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None]
    return sorted(jobs, key=lambda job: job.created_at)


def everything() -> list[Queued]:
    """What was queued, oldest first."""
    if on_redis():
        return [
            Queued(job.func_name, list(job.args), dict(job.kwargs), job.task_result.status.name) for job in _rq_jobs()
        ]
    from django_tasks_db.models import DBTaskResult

    return [
        Queued(row.task_path, row.args_kwargs["args"], row.args_kwargs["kwargs"], row.status)
        for row in DBTaskResult.objects.order_by("enqueued_at", "id")
    ]


def count(path_endswith: str = "", status: str | None = None) -> int:
    return len(find(path_endswith, status))


def find(path_endswith: str = "", status: str | None = None) -> list[Queued]:
    return [q for q in everything() if q.path.endswith(path_endswith) and status in (None, q.status)]


def latest(path_endswith: str = "") -> Queued:
    found = find(path_endswith)
    assert found, f"no task {path_endswith or ''} queued"
    return found[-1]


def run(monkeypatch) -> None:
    """Run the waiting tasks here, as the backend's own worker loop does (batch/burst). The
    workers' connection hygiene for long-running processes would close the test's own
    database connection mid-transaction, so only that is switched off."""
    if on_redis():
        from django_tasks_rq.backend import Job
        from rq import SimpleWorker

        queue = _rq_queue()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        finally:  # the worker takes over Ctrl-C for its own stop: give it back to pytest
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        return
    from django.core.management import call_command

    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def empty() -> None:
    """Before each test: nothing queued by another test (on Redis the queue is outside the
    rolled-back transaction)."""
    if on_redis():
        from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

        queue = _rq_queue()
        queue.empty()
        for registry in (ScheduledJobRegistry, StartedJobRegistry, FinishedJobRegistry, FailedJobRegistry):
            reg = registry(queue=queue)
            for job_id in reg.get_job_ids():
                reg.remove(job_id, delete_job=True)
