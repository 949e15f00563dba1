"""Background tasks of the core app (django.tasks; run by `manage.py db_worker`)."""

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task


@task()
def send_email(recipients: list[str], subject: str, body: str) -> int:
    """Send one plain-text email; returns the number sent (0 or 1)."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    return send_mail(subject, body, None, recipients, fail_silently=False)


def enqueue_on_commit(task_obj, *args, **kwargs) -> None:
    """Enqueue only once the surrounding transaction has committed, so a rolled-back change
    never sends anything and the worker never sees rows that do not exist yet."""
    transaction.on_commit(lambda: task_obj.enqueue(*args, **kwargs))


@task()
def heartbeat() -> str:
    """Proves a worker runs tasks: /healthz reads the stamp (core.health)."""
    from .models import Heartbeat

    Heartbeat.beat("worker", "task run")
    return "ok"
