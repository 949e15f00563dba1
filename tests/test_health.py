"""/healthz and /metrics: the status a load balancer reads, the details and Prometheus's text for
whoever has system.health (a session or an API token); the worker's and the scheduler's heartbeats."""

import datetime

from django.utils import timezone

from core import health, scheduler, tasks
from core.models import ApiToken, Heartbeat
from core.roles import Role
from tests import taskqueue


def alive():
    scheduler.run_once()  # stamps the scheduler and each job, queues the heartbeat task
    tasks.heartbeat.call()  # as the worker would


def test_the_status_alone_for_anyone_and_the_details_for_the_it_centre(client, login, people):
    alive()
    body = client.get("/healthz").json()
    assert body == {"status": "ok"}
    login(people[Role.IT_CENTRE])
    response = client.get("/healthz")
    checks = response.json()["checks"]
    assert response["Cache-Control"].startswith("max-age=0")
    assert checks["database"]["ok"] and checks["cache"]["ok"] and checks["portal_cache"]["ok"]
    assert checks["queue"]["ok"] and checks["queue"]["depth"] >= 0
    assert checks["worker"]["ok"] and checks["scheduler"]["ok"]
    assert "core.heartbeat" in checks["jobs"] and checks["jobs_failing"] == []
    login(people[Role.PRESS])
    assert "checks" not in client.get("/healthz").json()


def test_a_worker_that_runs_nothing_makes_the_system_degraded(client):
    alive()
    Heartbeat.objects.filter(name="worker").update(at=timezone.now() - datetime.timedelta(minutes=30))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"


def test_a_failing_job_makes_the_system_degraded_and_is_named(client, login, people, monkeypatch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(scheduler.JOBS, "test.broken", broken)
    alive()
    login(people[Role.ADMIN])
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["checks"]["jobs_failing"] == ["test.broken"]


def test_without_the_database_it_fails_with_503(client, monkeypatch):
    def down():
        raise OSError("connection refused")

    monkeypatch.setattr(health, "_database", down)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "fail"}


def test_the_heartbeat_task_is_queued_once_while_it_waits():
    scheduler.worker_heartbeat(timezone.now())
    assert scheduler.worker_heartbeat(timezone.now()) == "waiting"
    assert taskqueue.count(".heartbeat", status="READY") == 1


def test_metrics_need_a_token_and_speak_prometheus(client, people):
    alive()
    assert client.get("/metrics").status_code == 401
    _token, press_key = ApiToken.issue(people[Role.PRESS], "x")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {press_key}"}).status_code == 401
    client.get("/")
    client.get("/su-that/")
    client.get("/no-such-page/")
    _token, key = ApiToken.issue(people[Role.ADMIN], "prometheus")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "# TYPE tincay_up gauge" in text and "\ntincay_up 1\n" in text
    assert 'tincay_http_requests_total{method="GET",status="2xx"}' in text
    assert 'tincay_http_requests_total{method="GET",status="4xx"}' in text
    assert 'tincay_http_request_duration_seconds_bucket{le="+Inf"}' in text
    assert "tincay_queue_depth" in text and 'tincay_tasks{state="' in text and "tincay_sms_parts" in text
    for line in text.splitlines():  # every sample line is "name{labels} value" or "name value"
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_a_password_only_session_where_two_factor_is_due_sees_no_details(client, people):
    """An administrator without the second factor is as anonymous to /healthz and /metrics."""
    alive()
    client.force_login(people[Role.ADMIN])
    session = client.session
    session.pop("otp_device_id", None)
    session.save()
    assert "checks" not in client.get("/healthz").json()
    assert client.get("/metrics").status_code == 401


def test_a_lost_database_connection_is_a_503_page_even_when_the_driver_error_is_not_wrapped(rf):
    """core.middleware.DatabaseUnavailableMiddleware: Django's OperationalError, and the driver's
    own (closing a server-side cursor lets psycopg's through unwrapped); a bug stays a 500."""
    from django.core.handlers.exception import convert_exception_to_response
    from django.db import OperationalError, connection

    from core.middleware import DatabaseUnavailableMiddleware

    connection.ensure_connection()
    for error, status in (
        (OperationalError("server closed the connection unexpectedly"), 503),
        (connection.Database.OperationalError("consuming input failed"), 503),
        (ValueError("a bug"), 500),
    ):

        def view(request, error=error):
            raise error

        response = DatabaseUnavailableMiddleware(convert_exception_to_response(view))(rf.get("/bao-tin-gia/"))
        assert response.status_code == status, error
        if status == 503:
            assert "Hệ thống đang bận" in response.content.decode() and response["Retry-After"] == "30"


def test_a_disk_short_of_space_makes_the_system_degraded_and_shows_in_the_metrics(client, people, settings):
    alive()
    login_ok = client.get("/healthz").json()
    assert login_ok["status"] == "ok"
    settings.HEALTH_DISK_MIN_FREE_MB = 10**12  # more than any disk here has free
    assert client.get("/healthz").json() == {"status": "degraded"}
    _token, key = ApiToken.issue(people[Role.IT_CENTRE], "prometheus")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {key}"}).content.decode()
    assert 'tincay_check_ok{check="disk"} 0' in text and 'tincay_disk_free_bytes{path="media"}' in text
    checks = client.get("/healthz", headers={"Authorization": f"Bearer {key}"}).json()["checks"]
    assert not checks["disk"]["ok"] and "media" in checks["disk"]["detail"] and checks["disk"]["var_free_mb"] > 0
