"""Background tasks of the core app (django.tasks; run by `manage.py db_worker` or `rqworker`).

A worker can die in the middle of a task (killed, out of memory, the machine lost). The
worker's heartbeat task (queued by the scheduler every minute) puts such a task back
(`requeue_abandoned`): on the database queue one left RUNNING longer than TASK_ABANDONED_SECONDS,
on Redis Queue one whose worker stopped beating (RQ's own detection), and a worker runs it
again. So a task runs at least once, and may run again: each task must be safe to repeat. An
e-mail is: `send_email` records its task's id once the mail server has accepted it, and a repeat
of that task sends nothing. The one window left is between the server's acceptance and that
record (one database write): a worker killed exactly there sends the mail again, with the same
Message-ID, so a mail client shows it once. At least once, in practice once (tests/test_drills.py
kills a worker in the middle of sending).

With the queue in Redis (TASK_BACKEND=rq) and Redis down, `enqueue_on_commit` parks the task in
the database (django-tasks-db's table, backend name "parked") instead of failing the request that already committed its
change; the heartbeat task, the first one a worker runs once Redis is back, moves parked tasks
to Redis (`unpark`)."""

import contextvars
import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.tasks.signals import task_finished, task_started

log = logging.getLogger(__name__)

# The task this worker thread is running now (set by django.tasks' signals, both queues).
_running = contextvars.ContextVar("tincay_running_task", default=None)
PARKED = "parked"  # the backend name of tasks kept in the database while Redis is down


def _on_task_started(sender, task_result, **kwargs):
    _running.set(task_result)


def _on_task_finished(sender, task_result, **kwargs):
    _running.set(None)


task_started.connect(_on_task_started, dispatch_uid="core.tasks.running")
task_finished.connect(_on_task_finished, dispatch_uid="core.tasks.running-done")


def _own_run_id(task_obj) -> str | None:
    """The queue's id of the run of `task_obj` in progress (the same on every attempt), or None
    when it is called directly rather than run by a worker."""
    current = _running.get()
    if current is None or getattr(current.task, "func", None) is not task_obj.func:
        return None
    return str(current.id)


@task()
def send_email(recipients: list[str], subject: str, body: str) -> int:
    """Send one plain-text email; returns the number sent (0 or 1). Run again after a worker
    died, it does not send what an earlier attempt already had accepted (the module's note)."""
    from django.core.mail import EmailMessage, mailers, make_msgid

    from .models import TaskEffect

    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    run_id = _own_run_id(send_email)
    key = f"send_email:{run_id}" if run_id else None
    if key and TaskEffect.objects.filter(key=key).exists():
        log.info("e-mail of task %s was sent by an earlier attempt: not sent again", run_id)
        return 1
    headers = {"Message-ID": make_msgid(idstring=run_id.replace("-", ""))} if run_id else {}
    message = EmailMessage(subject, body, None, recipients, headers=headers)
    connection = mailers.default
    connection.open()
    try:
        sent = connection.send_messages([message]) or 0
        if key and sent:
            # Recorded before the connection closes: the window for a repeat is this one write.
            TaskEffect.objects.get_or_create(key=key)
    finally:
        connection.close()
    return sent


def enqueue_on_commit(task_obj, *args, **kwargs) -> None:
    """Enqueue only once the surrounding transaction has committed, so a rolled-back change
    never sends anything and the worker never sees rows that do not exist yet."""
    transaction.on_commit(lambda: _enqueue_or_park(task_obj, args, kwargs))


def _enqueue_or_park(task_obj, args, kwargs) -> None:
    from django.conf import settings

    try:
        task_obj.enqueue(*args, **kwargs)
    except Exception as error:
        if settings.TASK_BACKEND != "rq":
            raise
        # The queue is unreachable (Redis down): the change is committed, so keep its task.
        log.warning("queue unavailable, %s parked in the database: %s", task_obj.name, error)
        _park(task_obj, args, kwargs)


def _park(task_obj, args, kwargs) -> None:
    """A row of django-tasks-db's table under the backend name "parked", which no worker runs.
    Written directly: with RQ installed, django-tasks-db's own enqueue refuses the backport's
    task class."""
    from django.utils.json import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    DBTaskResult.objects.create(
        args_kwargs=normalize_json({"args": list(args), "kwargs": kwargs}),
        priority=task_obj.priority,
        task_path=task_obj.module_path,
        queue_name=task_obj.queue_name,
        run_after=task_obj.run_after or get_date_max(),
        backend_name=PARKED,
    )


def unpark() -> int:
    """Move the tasks parked while Redis was down to the queue, each once (a conditional
    UPDATE claims it; it is put back if the queue fails again)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    if settings.TASK_BACKEND != "rq":
        return 0
    from django_tasks_db.models import DBTaskResult

    moved = 0
    for row in DBTaskResult.objects.filter(backend_name=PARKED, status="READY").order_by("enqueued_at")[:1000]:
        if not DBTaskResult.objects.filter(pk=row.pk, status="READY").update(status="RUNNING"):
            continue  # another worker took it
        try:
            task_obj = import_string(row.task_path).using(priority=row.priority, queue_name=row.queue_name)
            task_obj.enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        except Exception:
            DBTaskResult.objects.filter(pk=row.pk).update(status="READY")
            raise
        DBTaskResult.objects.filter(pk=row.pk).delete()
        moved += 1
    if moved:
        log.info("%d parked tasks moved to the queue", moved)
    return moved


def requeue_abandoned(now=None) -> int:
    """Database queue: put back the tasks a dead worker left RUNNING. A task still RUNNING after
    TASK_ABANDONED_SECONDS is taken as abandoned (no task here runs that long; a worker that
    is alive finishes or fails its task well before). After TASK_MAX_ATTEMPTS claims it is
    marked FAILED instead, so a task that kills its worker every time cannot loop forever."""
    from django.conf import settings
    from django.utils import timezone

    backend = settings.TASKS["default"]["BACKEND"]
    if "django_tasks_rq" in backend:
        return _requeue_abandoned_rq()
    if "django_tasks_db" not in backend:
        return 0
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=now - timedelta(seconds=settings.TASK_ABANDONED_SECONDS)
    ).exclude(backend_name=PARKED)
    requeued = 0
    for row in stale:
        claimed = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING", started_at=row.started_at)
        if len(row.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
            claimed.update(
                status="FAILED", finished_at=now, exception_class_path="core.tasks.AbandonedTask",
                traceback=f"abandoned by its worker {len(row.worker_ids)} times",
            )  # fmt: skip
            log.error("task %s (%s) abandoned %d times: failed", row.pk, row.task_path, len(row.worker_ids))
            continue
        # Conditional: another worker's heartbeat may be doing the same at this moment.
        if claimed.update(status="READY", started_at=None):
            requeued += 1
            log.warning("task %s (%s) abandoned by worker %s: queued again", row.pk, row.task_path, row.worker_ids[-1:])
    return requeued


def _requeue_abandoned_rq() -> int:
    """Redis Queue: a job whose worker died stays "started" until its heartbeat runs out (about a
    minute and a half); RQ's registry cleanup then retries it if it has retries left, else files
    it as failed. Jobs are queued without retries (an ordinary error is not retried, as on the
    database queue), so an abandoned one is given them here, TASK_MAX_ATTEMPTS in all, before
    the cleanup RQ's own maintenance would run later."""
    import django_rq
    from django.conf import settings
    from django_tasks_rq.backend import Job

    queue = django_rq.get_queue("default")
    registry = queue.started_job_registry
    expired = registry.get_expired_job_ids()
    for job in Job.fetch_many(expired, connection=queue.connection):
        if job is not None and job.retries_left is None and settings.TASK_MAX_ATTEMPTS > 1:
            job.retries_left = settings.TASK_MAX_ATTEMPTS - 1
            job.save(include_meta=False)
    registry.cleanup()
    if expired:
        log.warning("%d tasks abandoned by their worker: queued again or failed", len(expired))
    return len(expired)


@task()
def heartbeat() -> str:
    """Proves a worker runs tasks: /healthz reads the stamp (core.health). It also puts back
    tasks a dead worker abandoned (the scheduler queues it every minute)."""
    from django.utils import timezone

    from .models import Heartbeat, TaskEffect

    Heartbeat.beat("worker", "task run")
    TaskEffect.objects.filter(done_at__lt=timezone.now() - timedelta(days=2)).delete()
    requeue_abandoned()
    unpark()
    return "ok"
