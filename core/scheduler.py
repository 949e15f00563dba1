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
    now = now or timezone.now()
    results = {}
    for name, func in JOBS.items():
        try:
            results[name] = func(now)
        except Exception:  # one failing job must not stop the others; it is retried next tick
            log.exception("Scheduled job %s failed", name)
            results[name] = "error"
    return results
