"""Failure drills (issue 10): each breaks a real part under real processes and checks what people
see and what is kept — never how fast. Waits poll for a condition with generous limits.

1. A worker killed (SIGKILL) in the middle of sending an e-mail: the task runs again, the e-mail
   arrives once (database queue; core.tasks.requeue_abandoned and the e-mail's run record).
2. The database restarted while citizens send reports: every answer is a success or a clean 503
   page in Vietnamese, answers succeed again afterwards, and every report answered as received
   is in the database (core.middleware.DatabaseUnavailableMiddleware).
3. Redis stopped: public and staff pages still answer, a report is still kept, a task queued
   meanwhile waits in the database and runs once Redis is back (core.cache, core.tasks.unpark).
4. The disk full while a screenshot is uploaded: a clear error, no part of the file left, no tip
   pointing at a missing file; once there is room the same upload works (misinfo.actions.store_file).

Needs root for (2) (a private PostgreSQL cluster run as `postgres`) and (4) (a small tmpfs)."""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from scripts.demo_server import DEMO_PASSWORD, ROOT, demo_env, free_port, manage, prepare, shell

pytestmark = pytest.mark.browser  # its own databases and processes, not the test database

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BUSY_PAGE = "Hệ thống đang bận"


@contextmanager
def serve(env: dict, log: Path, workers: int = 1):
    """gunicorn as scripts.demo_server.gunicorn runs it, its log in a file: a drill makes the site
    log hundreds of errors, which would fill a pipe nobody reads and stall the server."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "tincay.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", "4", "--worker-class", "gthread", "--timeout", "30"],
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:

        def up():
            assert proc.poll() is None, f"gunicorn stopped: {log.read_text()[-2000:]}"
            try:
                return requests.get(f"{url}/login/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, "gunicorn to start", timeout=120)
        yield url
    finally:
        proc.terminate()
        proc.wait(60)


def wait_for(condition, what: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def needs_root(what: str):
    if os.geteuid() != 0:
        pytest.skip(f"{what} needs root")


# --- 1. A worker killed in the middle of a task ---------------------------------------------


class HoldingSMTPServer:
    """A mail server that holds its first message: it reads it whole and never answers, as a
    slow server would, until the sender goes away (the message is then not accepted: SMTP's
    rule). Every later message is accepted and kept in `delivered`."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.holding = threading.Event()
        self.delivered: list[str] = []
        self.sessions = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.sessions += 1
            threading.Thread(target=self._session, args=(conn, self.sessions == 1), daemon=True).start()

    def _session(self, conn, hold):
        reader = conn.makefile("rb")
        conn.sendall(b"220 drill ESMTP\r\n")
        try:
            for line in reader:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 drill\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    body = b""
                    for data_line in reader:
                        if data_line == b".\r\n":
                            break
                        body += data_line
                    if hold:
                        self.holding.set()
                        while conn.recv(1024):  # until the sender is gone
                            pass
                        return
                    self.delivered.append(body.decode("utf-8", "replace"))
                    conn.sendall(b"250 kept\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            return
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def task_row(env: dict, task_id: str) -> dict:
    return json.loads(
        shell(
            env,
            "import json; from django_tasks_db.models import DBTaskResult\n"
            f"r = DBTaskResult.objects.get(pk='{task_id}')\n"
            "print(json.dumps({'status': r.status, 'workers': len(r.worker_ids)}))",
        )
    )


def run_heartbeat_and_worker(env: dict) -> None:
    """What happens on a server after a worker died: systemd starts a new worker, the scheduler
    queues the heartbeat, the worker runs it (it puts the abandoned task back) and then the rest."""
    shell(env, "from core.tasks import heartbeat; heartbeat.enqueue()")
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--queue-name", "*"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_worker_killed_while_sending_an_email_sends_it_once_in_the_end(tmp_path):
    smtp = HoldingSMTPServer()
    env = demo_env(tmp_path)
    env.update({
        "TASK_BACKEND": "database", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0", "EMAIL_TIMEOUT": "300", "TASK_ABANDONED_SECONDS": "1",
    })  # fmt: skip
    manage(env, "migrate", "--noinput", "-v", "0")
    task_id = enqueue_email(env)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--queue-name", "*"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    kill_when_sending(worker, smtp)
    assert task_row(env, task_id) == {"status": "RUNNING", "workers": 1}  # left behind by the dead worker
    assert smtp.delivered == []

    time.sleep(1.1)  # older than TASK_ABANDONED_SECONDS (1 s here; half an hour by default)
    run_heartbeat_and_worker(env)
    assert task_row(env, task_id) == {"status": "SUCCESSFUL", "workers": 2}
    assert len(smtp.delivered) == 1 and "nguoidan@example.vn" in smtp.delivered[0]

    # The worst moment: the mail was accepted and recorded, then the worker died before marking the
    # task done. Run again, it sends nothing.
    shell(
        env,
        "from datetime import timedelta; from django.utils import timezone\n"
        "from django_tasks_db.models import DBTaskResult\n"
        f"DBTaskResult.objects.filter(pk='{task_id}').update(status='RUNNING', "
        "started_at=timezone.now() - timedelta(hours=1))",
    )
    run_heartbeat_and_worker(env)
    assert task_row(env, task_id) == {"status": "SUCCESSFUL", "workers": 3}
    assert len(smtp.delivered) == 1
    smtp.close()


REDIS_DRILL_URL = "redis://127.0.0.1:6379/13"  # flushed here; nothing else uses it


def test_a_redis_queue_worker_killed_while_sending_an_email_sends_it_once_in_the_end(tmp_path):
    """The same on Redis Queue: the dead worker's job stays "started" until its heartbeat runs out
    (RQ's, about a minute and a half), then the heartbeat task queues it again."""
    import redis

    redis.Redis.from_url(REDIS_DRILL_URL).flushdb()
    smtp = HoldingSMTPServer()
    env = demo_env(tmp_path)
    env.update({
        "TASK_BACKEND": "rq", "REDIS_URL": REDIS_DRILL_URL, "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "0", "EMAIL_TIMEOUT": "300",
    })  # fmt: skip
    rqworker = [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.backend.Job"]
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        task_id = enqueue_email(env)
        # Its own process group: RQ runs each job in a child (the "horse"), killed with it.
        worker = subprocess.Popen([*rqworker, "default"], cwd=ROOT, env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        kill_when_sending(worker, smtp, group=True)
        status = f"from django_tasks_rq.backend import Job; import django_rq; q = django_rq.get_queue('default'); print(Job.fetch('{task_id}', connection=q.connection).get_status().value)"  # noqa: E501
        assert shell(env, status) == "started" and smtp.delivered == []

        def requeued():
            return (
                shell(env, "from core.tasks import heartbeat; print(heartbeat.call())")
                and shell(env, status) == "queued"
            )

        wait_for(requeued, "the abandoned job to be queued again", timeout=400)
        done = subprocess.run([*rqworker, "--burst", "default"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert shell(env, status) == "finished"
        assert len(smtp.delivered) == 1 and "nguoidan@example.vn" in smtp.delivered[0]
    finally:
        smtp.close()
        redis.Redis.from_url(REDIS_DRILL_URL).flushdb()


def enqueue_email(env: dict) -> str:
    return shell(
        env,
        "from core.tasks import send_email\n"
        "print(send_email.enqueue(['nguoidan@example.vn'], 'Thư thử', 'Nội dung có dấu: bản tin số 6.').id)",
    )


def kill_when_sending(worker: subprocess.Popen, smtp: "HoldingSMTPServer", group: bool = False) -> None:
    """SIGKILL the worker (and its children) once the mail server holds the message: the message
    is sent, no answer yet — the middle of the task."""
    try:
        assert smtp.holding.wait(120), "the worker never reached the mail server"
        if group:
            os.killpg(worker.pid, signal.SIGKILL)
        else:
            os.kill(worker.pid, signal.SIGKILL)
        worker.wait(60)
    finally:
        if worker.poll() is None:
            worker.kill()


# --- 2. The database restarted under load ---------------------------------------------------


@contextmanager
def private_postgres():
    """A PostgreSQL 15 cluster of our own on a free port (the machine's own is never touched):
    yields (DATABASE_URL, pg_ctl as a function)."""
    needs_root("a private PostgreSQL cluster")
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    folder = Path(tempfile.mkdtemp(prefix="tincay-drill-pg-"))
    folder.chmod(0o755)
    shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()

    def as_postgres(*args, check=True):
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=check, capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    def pg_ctl(*args, check=True):
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        return as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                           "-w", "-t", "120", *args, check=check)  # fmt: skip

    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    pg_ctl("start")
    try:
        as_postgres(str(PG_BIN.parent / "bin" / "createdb"), "-h", "127.0.0.1", "-p", str(port), "tincay")
        yield f"postgres://postgres@127.0.0.1:{port}/tincay", pg_ctl
    finally:
        pg_ctl("stop", "-m", "immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def send_report(session: requests.Session, url: str, text: str, files=None) -> requests.Response:
    page = session.get(f"{url}/bao-tin-gia/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        return page  # the form itself did not come (503 while the database is down)
    return session.post(
        f"{url}/bao-tin-gia/", data={"csrfmiddlewaretoken": token.group(1), "text": text}, files=files,
        headers={"Referer": f"{url}/bao-tin-gia/"}, timeout=60,
    )  # fmt: skip


def accepted(response: requests.Response) -> bool:
    return response.status_code == 200 and "TG-" in response.text


def tips_with(env: dict, marker: str) -> list[str]:
    return json.loads(
        shell(
            env,
            "import json; from misinfo.models import Tip\n"
            f"print(json.dumps(list(Tip.objects.filter(text__contains='{marker}').values_list('text', flat=True))))",
        )
    )


def test_the_database_restarted_under_load_fails_cleanly_and_loses_no_accepted_report(tmp_path):
    with private_postgres() as (database_url, pg_ctl):
        env = demo_env(tmp_path)
        env.update({"DATABASE_URL": database_url, "PUBLIC_TIPS_PER_HOUR": "1000000"})
        for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            manage(env, *args)
        marker = f"DRILL{uuid.uuid4().hex[:10]}"
        answers: list[tuple[int, str, str]] = []  # (status, text sent, what the page said)
        failures: list[str] = []
        stop = threading.Event()
        with serve(env, tmp_path / "gunicorn.log", workers=2) as url:

            def citizen(n):
                session = requests.Session()
                i = 0
                while not stop.is_set():
                    i += 1
                    text = f"Tin đồn thử {marker}-{n}-{i}: uống nước muối chữa được bệnh"
                    try:
                        response = send_report(session, url, text)
                    except requests.RequestException as error:  # a hang or a dropped connection
                        failures.append(f"{type(error).__name__}: {error}")
                        continue
                    answers.append((response.status_code, text, response.text))

            def received_after(count):
                return lambda: sum(accepted_status(a) for a in answers[count:]) >= 10

            def accepted_status(answer):
                return answer[0] == 200 and "TG-" in answer[2]

            threads = [threading.Thread(target=citizen, args=(n,), daemon=True) for n in range(4)]
            for thread in threads:
                thread.start()
            try:
                wait_for(received_after(0), "reports accepted before the restart")
                pg_ctl("restart", "-m", "fast")
                restarted_at = len(answers)
                wait_for(received_after(restarted_at), "reports accepted after the restart", timeout=180)

                # And with the database down for a while: the clean page, every time.
                pg_ctl("stop", "-m", "fast")
                down = [requests.get(f"{url}/bao-tin-gia/", timeout=60) for _ in range(3)]
                pg_ctl("start")
                stopped_at = len(answers)
                wait_for(received_after(stopped_at), "reports accepted after the database came back", timeout=180)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(120)

        assert failures == []
        statuses = {status for status, _text, _page in answers}
        assert statuses <= {200, 503}, statuses
        for status, _text, page in answers:
            if status == 503:
                assert BUSY_PAGE in page and "Traceback" not in page
        assert all(r.status_code == 503 and BUSY_PAGE in r.text and r.headers["Retry-After"] for r in down)
        sent_ok = {text for status, text, page in answers if status == 200 and "TG-" in page}
        kept = set(tips_with(env, marker))
        assert sent_ok <= kept, f"{len(sent_ok - kept)} reports answered as received are not in the database"


# --- 3. Redis stopped -----------------------------------------------------------------------


@contextmanager
def private_redis():
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="tincay-drill-redis-"))

    def start():
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: _answers(port), "redis to start", timeout=60)
        return proc

    box = {"proc": start()}

    def stop():
        box["proc"].terminate()
        box["proc"].wait(60)

    def restart():
        box["proc"] = start()

    try:
        yield f"redis://127.0.0.1:{port}/0", stop, restart
    finally:
        if box["proc"].poll() is None:
            box["proc"].terminate()
            box["proc"].wait(60)
        shutil.rmtree(folder, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def log_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = session.post(
        f"{url}/login/", data={"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD},
        headers={"Referer": f"{url}/login/"}, timeout=60,
    )  # fmt: skip
    assert done.status_code == 200 and "sessionid" in session.cookies, done.status_code
    return session


def test_with_redis_stopped_the_site_serves_and_queued_work_waits_then_runs(tmp_path):
    with private_redis() as (redis_url, stop_redis, start_redis):
        env = demo_env(tmp_path)
        env.update(
            {"REDIS_URL": redis_url, "TASK_BACKEND": "rq", "OTP_REQUIRED_ROLES": "", "PUBLIC_TIPS_PER_HOUR": "100"}
        )
        prepare(env)
        marker = f"DRILL{uuid.uuid4().hex[:10]}"
        with serve(env, tmp_path / "gunicorn.log") as url:
            public_pages = ["/", "/su-that/", "/ban-tin/", "/bao-tin-gia/"]
            for page in public_pages:
                assert requests.get(f"{url}{page}", timeout=60).status_code == 200, page  # the cache filled

            stop_redis()
            for page in public_pages:
                response = requests.get(f"{url}{page}", timeout=60)
                assert response.status_code == 200, (page, response.status_code)
            staff = log_in(url, "daumoi")
            assert staff.get(f"{url}/", timeout=60).status_code == 200
            assert staff.get(f"{url}/misinfo/", timeout=60).status_code == 200
            health = requests.get(f"{url}/healthz", timeout=60)
            assert health.status_code == 200 and health.json()["status"] == "degraded"
            assert accepted(send_report(requests.Session(), url, f"Tin đồn khi Redis dừng {marker}"))
            assert len(tips_with(env, marker)) == 1
            # A change committed while Redis is down queues its e-mail: kept in the database meanwhile.
            shell(
                env,
                "from django.db import transaction\n"
                "from core.tasks import enqueue_on_commit, send_email\n"
                "with transaction.atomic():\n"
                "    enqueue_on_commit(send_email, ['khi-redis-dung@example.vn'], 'Thư chờ', 'Gửi sau.')",
            )
            parked = (
                "from django_tasks_db.models import DBTaskResult as R\n"
                "print(R.objects.filter(backend_name='parked').count())"
            )
            assert shell(env, parked) == "1"

            start_redis()
            shell(env, "from core import scheduler; print(scheduler.worker_heartbeat(None))")
            done = subprocess.run(
                [sys.executable, "manage.py", "rqworker", "--burst", "--job-class", "django_tasks_rq.backend.Job",
                 "default"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr[-2000:]
            mail = "".join(p.read_text() for p in sorted((tmp_path / "mail").glob("*.log")))
            assert mail.count("khi-redis-dung@example.vn") == 1
            assert shell(env, parked) == "0"
            for page in public_pages:
                assert requests.get(f"{url}{page}", timeout=60).status_code == 200, page


# --- 4. The disk full while uploading -------------------------------------------------------


@contextmanager
def small_disk(size_kb: int = 2048):
    needs_root("mounting a tmpfs")
    folder = Path(tempfile.mkdtemp(prefix="tincay-drill-media-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def test_a_full_disk_while_uploading_says_so_and_leaves_nothing_half_written(tmp_path):
    with small_disk() as media:
        env = demo_env(tmp_path)
        env.update({"MEDIA_ROOT": str(media), "PUBLIC_TIPS_PER_HOUR": "100"})  # the upload itself is in memory
        for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            manage(env, *args)
        screenshot = b"\x89PNG\r\n\x1a\n" + os.urandom(600 * 1024)
        digest = hashlib.sha256(screenshot).hexdigest()
        free = os.statvfs(media).f_bavail * os.statvfs(media).f_frsize
        filler = media / "filler"
        filler.write_bytes(b"\0" * (free - 200 * 1024))  # 200 KB left: the screenshot needs 600
        marker = f"DRILL{uuid.uuid4().hex[:10]}"
        with serve(env, tmp_path / "gunicorn.log") as url:
            text = f"Ảnh chụp tin đồn {marker}"
            full = send_report(requests.Session(), url, text, files={"attachment": ("anh chup.png", screenshot)})
            assert full.status_code == 400
            assert "không còn chỗ" in full.text, full.text[-3000:]
            assert [p for p in media.rglob("*") if p.is_file() and p != filler] == []  # no part of the file
            assert tips_with(env, marker) == []

            filler.unlink()
            again = send_report(requests.Session(), url, text, files={"attachment": ("anh chup.png", screenshot)})
            assert accepted(again), again.status_code
            stored = media / "evidence" / f"{digest}.png"
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
            assert len(tips_with(env, marker)) == 1
