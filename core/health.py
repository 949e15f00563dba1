"""Is Tin Cậy well? /healthz for load balancers and people, /metrics for Prometheus.

Checks: the database answers; the caches answer (the default one and the portal's); the task
queue's depth and its oldest waiting task; the worker's heartbeat (the scheduler queues a tiny
task every tick and the worker stamps it: a stale stamp means tasks are not being run); the
scheduler's tick and each job's last run; the free space where uploads and backups are written
(MEDIA_ROOT, the var folder). The status is "fail" (503) when the database does not
answer, "degraded" (200) when something else is wrong, "ok" otherwise; a load balancer only
needs the code.

Metrics are read from the database at scrape time (the same for every web process): tasks by
state, SMS parts by state, alerts and tips by state, rosters' people on duty, the heartbeats'
ages; and the web requests counted by core.middleware.MetricsMiddleware in the default cache
(shared with Redis; per process without it)."""

import time

from django.core.cache import cache, caches
from django.db import connection
from django.utils import timezone

WORKER_STALE_SECONDS = 300  # the scheduler ticks every minute; five missed ticks is a problem
SCHEDULER_STALE_SECONDS = 300
# Checks whose failure makes the status "degraded" (the database's makes it "fail").
SECONDARY_CHECKS = ("cache", "portal_cache", "disk", "queue", "worker", "scheduler")
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _timed(check):
    start = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as error:  # a health check reports failures, it does not raise them
        detail, ok = f"{type(error).__name__}: {error}"[:200], False
    out = {"ok": ok, "ms": round((time.perf_counter() - start) * 1000, 1)}
    if isinstance(detail, dict):
        out.update(detail)
    elif detail:
        out["detail"] = detail
    return out


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ""


def _cache(alias):
    def check():
        store = caches[alias]
        key = f"healthz:{time.time_ns()}"
        store.set(key, "1", 10)
        if store.get(key) != "1":
            raise RuntimeError("a value written was not read back")
        store.delete(key)
        return ""

    return check


def queue() -> dict:
    """Tasks waiting to run (database backend): how many, and how long the oldest has waited."""
    from django.conf import settings

    backend = settings.TASKS["default"]["BACKEND"]
    out = {"backend": backend.rsplit(".", 1)[-1]}
    if "django_tasks_db" in backend:
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(status="READY")
        out["depth"] = waiting.count()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        out["oldest_seconds"] = round((timezone.now() - oldest).total_seconds()) if oldest else 0
        out["failed_last_day"] = DBTaskResult.objects.filter(
            status="FAILED", finished_at__gte=timezone.now() - timezone.timedelta(days=1)
        ).count()
    elif "django_tasks_rq" in backend:
        import django_rq

        redis_queue = django_rq.get_queue("default")
        out["depth"] = redis_queue.count
        first = redis_queue.get_job_ids(0, 0)
        job = redis_queue.fetch_job(first[0]) if first else None
        enqueued = job.enqueued_at if job is not None else None
        if enqueued is not None and timezone.is_naive(enqueued):
            enqueued = timezone.make_aware(enqueued, timezone.UTC)
        out["oldest_seconds"] = round((timezone.now() - enqueued).total_seconds()) if enqueued else 0
        out["failed_last_day"] = redis_queue.failed_job_registry.count  # kept a day (RQ_QUEUES)
    return out


def _rq_tasks_by_state() -> list:
    """Redis Queue's jobs by state, named as the database queue names them (finished and failed
    jobs are kept a day: RQ_QUEUES' result TTL)."""
    import django_rq

    redis_queue = django_rq.get_queue("default")
    return [
        ({"state": "READY"}, redis_queue.count + redis_queue.scheduled_job_registry.count),
        ({"state": "RUNNING"}, redis_queue.started_job_registry.count),
        ({"state": "SUCCESSFUL"}, redis_queue.finished_job_registry.count),
        ({"state": "FAILED"}, redis_queue.failed_job_registry.count),
    ]


def heartbeats() -> dict:
    from .models import Heartbeat, ScheduledRun

    now = timezone.now()
    rows = {h.name: h for h in Heartbeat.objects.all()}

    def age(name):
        row = rows.get(name)
        return None if row is None else round((now - row.at).total_seconds())

    jobs = {
        run.job: {
            "at": run.started_at.isoformat(),
            "age_seconds": round((now - run.started_at).total_seconds()),
            "result": run.result if run.finished_at else "running",
            "by": run.holder,
        }
        for run in ScheduledRun.objects.order_by("job")
    }

    def fresh(name, limit):
        seconds = age(name)
        return {"age_seconds": seconds, "ok": seconds is not None and seconds <= limit}

    return {
        "worker": fresh("worker", WORKER_STALE_SECONDS),
        "scheduler": fresh("scheduler", SCHEDULER_STALE_SECONDS),
        "jobs": jobs,
    }


def disk() -> dict:
    """Free space of the file systems Tin Cậy writes to: uploads (MEDIA_ROOT) and the var folder
    (backups, the SQLite database, caches). Below HEALTH_DISK_MIN_FREE_MB on either: not ok — a
    full disk refuses uploads (misinfo.actions.store_file) and stops backups."""
    import shutil

    from django.conf import settings

    out, low = {}, []
    for name, path in (("media", settings.MEDIA_ROOT), ("var", settings.VAR_DIR)):
        usage = shutil.disk_usage(_existing(path))
        out[f"{name}_free_mb"] = usage.free // 2**20
        if usage.free < settings.HEALTH_DISK_MIN_FREE_MB * 2**20:
            low.append(name)
    if low:
        out.update({"ok": False, "detail": f"less than {settings.HEALTH_DISK_MIN_FREE_MB} MB free: {', '.join(low)}"})
    return out


def _existing(path):
    """The folder, or its nearest existing parent (MEDIA_ROOT appears with the first upload)."""
    from pathlib import Path

    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def report() -> tuple[str, dict]:
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache("default")),
        "portal_cache": _timed(_cache("portal")),
        "disk": _timed(disk),
    }
    if checks["database"]["ok"]:
        checks["queue"] = _timed(queue)
        beats = heartbeats()
        checks["worker"], checks["scheduler"], checks["jobs"] = beats["worker"], beats["scheduler"], beats["jobs"]
        failed_jobs = [name for name, job in beats["jobs"].items() if job["result"] == "error"]
        checks["jobs_failing"] = failed_jobs
    if not checks["database"]["ok"]:
        status = "fail"
    elif not all(checks[k]["ok"] for k in SECONDARY_CHECKS) or checks.get("jobs_failing"):
        status = "degraded"
    else:
        status = "ok"
    return status, checks


# --- metrics --------------------------------------------------------------------------------


def count_request(method: str, status: int, seconds: float) -> None:
    """Count one request in the default cache (shared between processes with Redis)."""
    klass = f"{status // 100}xx"
    keys = [f"metrics:requests:{method}:{klass}", "metrics:requests:duration_count"]
    keys += [f"metrics:requests:le:{b}" for b in DURATION_BUCKETS if seconds <= b]
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): start it at 1
            cache.add(key, 1, None)
    try:
        cache.incr("metrics:requests:duration_ms_sum", max(int(seconds * 1000), 0))
    except ValueError:
        cache.add("metrics:requests:duration_ms_sum", int(seconds * 1000), None)


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def exposition() -> str:
    """The Prometheus text format (0.0.4)."""
    from django.db.models import Count

    lines: list[str] = []

    def family(name, kind, help_text, samples):
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{label_text}}} {value}" if label_text else f"{name} {value}")

    status, checks = report()
    family("tincay_up", "gauge", "1 when /healthz says ok, 0.5 degraded, 0 fail.",
           [({}, {"ok": 1, "degraded": 0.5, "fail": 0}[status])])  # fmt: skip
    family("tincay_check_ok", "gauge", "Each health check: 1 ok, 0 not.",
           [({"check": k}, int(bool(checks[k].get("ok")))) for k in ("database", *SECONDARY_CHECKS)
            if k in checks and k != "queue"])  # fmt: skip
    if "media_free_mb" in checks["disk"]:
        family("tincay_disk_free_bytes", "gauge", "Free space where uploads (media) and backups (var) are written.",
               [({"path": k}, checks["disk"][f"{k}_free_mb"] * 2**20) for k in ("media", "var")])  # fmt: skip
    if "queue" in checks and "depth" in checks["queue"]:
        family("tincay_queue_depth", "gauge", "Tasks waiting to run.", [({}, checks["queue"]["depth"])])
        family("tincay_queue_oldest_seconds", "gauge", "How long the oldest waiting task has waited.",
               [({}, checks["queue"]["oldest_seconds"])])  # fmt: skip
    for part in ("worker", "scheduler"):
        age = checks.get(part, {}).get("age_seconds")
        if age is not None:
            family(f"tincay_{part}_heartbeat_age_seconds", "gauge", f"Seconds since the {part}'s last sign of life.",
                   [({}, age)])  # fmt: skip
    if checks["database"]["ok"]:
        from listening.models import Alert
        from misinfo.models import Tip
        from outreach.models import Part

        def by(model, field):
            return [({"state": r[field]}, r["n"]) for r in model.objects.values(field).annotate(n=Count("pk"))]

        backend = checks.get("queue", {}).get("backend", "")
        if backend == "DatabaseBackend":
            from django_tasks_db.models import DBTaskResult

            family("tincay_tasks", "gauge", "Background tasks by state.", by(DBTaskResult, "status"))
        elif backend == "RQBackend" and checks["queue"]["ok"]:
            family("tincay_tasks", "gauge", "Background tasks by state.", _rq_tasks_by_state())
        family("tincay_sms_parts", "gauge", "SMS parts by state.", by(Part, "state"))
        family("tincay_alerts", "gauge", "Social listening alerts by state.", by(Alert, "state"))
        family("tincay_tips", "gauge", "Reports of false information received.", [({}, Tip.objects.count())])
    requests = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        for klass in ("1xx", "2xx", "3xx", "4xx", "5xx"):
            value = cache.get(f"metrics:requests:{method}:{klass}")
            if value:
                requests.append(({"method": method, "status": klass}, value))
    family("tincay_http_requests_total", "counter", "Web requests answered (shared with Redis; else this process's).",
           requests)  # fmt: skip
    count = cache.get("metrics:requests:duration_count") or 0
    buckets = [({"le": str(b)}, cache.get(f"metrics:requests:le:{b}") or 0) for b in DURATION_BUCKETS]
    lines.append("# HELP tincay_http_request_duration_seconds Time to answer a web request.")
    lines.append("# TYPE tincay_http_request_duration_seconds histogram")
    for labels, value in [*buckets, ({"le": "+Inf"}, count)]:
        lines.append(f'tincay_http_request_duration_seconds_bucket{{le="{labels["le"]}"}} {value}')
    lines.append(
        f"tincay_http_request_duration_seconds_sum {(cache.get('metrics:requests:duration_ms_sum') or 0) / 1000}"
    )
    lines.append(f"tincay_http_request_duration_seconds_count {count}")
    return "\n".join(lines) + "\n"
