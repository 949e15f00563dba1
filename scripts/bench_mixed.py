"""`make bench`, mixed load (issue 10): public pages, staff pages, API pushes and the citizens'
report form at the same time, against the multi-machine set-up — two gunicorn instances behind
one nginx, two RQ workers, PostgreSQL and Redis — and, beside it, against one gunicorn as
`make demo` runs it (SQLite, the database task queue, one db_worker).

Every process is real and on loopback:
- PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432/tincay_bench_mixed), recreated,
  and dropped at the end. Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/12, a database
  nothing else uses: the suite's task-backend test uses 9), flushed before and after; it holds the
  cache, the portal's pages and the task queue (TASK_BACKEND=rq).
- migrate, collectstatic and load_demo once (scripts.demo_server.prepare); then two gunicorn
  instances (scripts.demo_server.gunicorn: gthread, WEB_WORKERS workers × 4 threads each, the
  access log written) on two ports — what two web machines would be —, both in the upstream of one
  nginx running production's deploy/nginx/tincay-proxy.conf (scripts/nginx.py) with
  its per-address rate limits (deploy/nginx/tincay-limits.conf) and PROXY_COUNT=1;
  two `manage.py rqworker --job-class django_tasks_rq.backend.Job --with-scheduler default` (the
  worker unit's RQ line) and one `manage.py scheduler --interval 60`, as deploy/systemd runs them.
- The comparison: a fresh SQLite demo database, one gunicorn with the same options, no nginx
  (`make demo` has none), `manage.py db_worker --interval 1 --queue-name '*'` and the scheduler.

The load: one asyncio process, BENCH_CONCURRENCY virtual users (default 32), each on its own
keep-alive connection from its own loopback address (127.0.2.1…; nginx's limits are per address),
each request's kind drawn by weight (KINDS below), for BENCH_WARMUP seconds (default 5, not
counted) and then BENCH_SECONDS (default 30): the requests started in that window are counted,
with their latency (from writing the request to the last byte of the answer).
- public: `/`, the latest verdict page, a verdict search no one made before (a cache miss each
  time) and the day's figures as JSON (`/so-lieu/<day>.json`);
- staff: three demo people logged in through the real log-in form — the focal point `daumoi`,
  the Rạch Giá culture office `vhtt.rachgia` and the Phú Quốc broadcasting centre
  `truyenthanh.phuquoc`, none of them a role that must use two-factor (OTP_REQUIRED_ROLES is left
  at production's default, which demo_env and `make demo` empty; the leader and the inspector are
  left out) — asking their home page, the misinfo desk `/misinfo/` and this week's reporting
  cycle: `/reports/<id>/` for the focal point, and for the districts their own report
  `/reports/<id>/district/<code>/` (where the cycle's page sends them);
- API pushes with `Authorization: Bearer` tokens made with manage.py shell: the day's figures of
  every district by the health-data officer `yte` (POST /api/v1/situation/figures), five plays by
  the Rạch Giá broadcasting centre (POST /api/v1/outreach/broadcast-logs, each with a new id), ten
  posts by the listening tool (POST /api/v1/listening/posts, inspector `thanhtra`'s token; one post
  names Tắc Cậu, a demo watchlist, so each push enqueues a `notify_watchers` task: an e-mail);
- the report form: GET /bao-tin-gia/ (CSRF cookie and token), then POST a report, on a new
  connection from one of BENCH_ADDRESSES (default 50) loopback addresses 127.0.1.1… — the limit of
  PUBLIC_TIPS_PER_HOUR (10, its default) is per client address, and with everything coming from
  127.0.0.1 one address would be limited after ten reports. A 429 is counted apart, not as an error.
  The form itself enqueues no task (misinfo.actions.record_tip stores the tip, nothing more).

Counted as errors: an answer other than the kind's expected status (200; a redirect of a staff
page means a lost session), and socket errors (connect, read, timeout after 30 s) apart. The task
queue is read before and after (RQ's registries; the database queue's table): tasks enqueued and
run during the load, failed, and the depth when the load stops; then the workers are given up to
60 s to drain it. The servers' logs are searched for tracebacks and the access logs for 5xx.

Exits non-zero when a check fails (an error answer, a socket error, a traceback, a failed task,
tips stored ≠ accepted); never for speed. Cleans up everything it started.

    .venv/bin/python -m scripts.bench_mixed    (BENCH_SECONDS, BENCH_WARMUP, BENCH_CONCURRENCY,
        BENCH_ADDRESSES, WEB_WORKERS, PG_URL, BENCH_REDIS_URL, BENCH_SETUPS=postgres,sqlite)
"""

import asyncio
import json
import os
import platform
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from scripts.bench_portal import (
    DISTRICTS,
    NAMES,
    OPTION_RE,
    REFERENCE_RE,
    REPORTS,
    TOKEN_RE,
    busy_share,
    commit,
    cpu_model,
    machine_busy,
    tool,
)
from scripts.demo_server import DEMO_PASSWORD, ROOT, demo_env, gunicorn, prepare, shell
from scripts.nginx import LIMITS, PROXY, PROXY_SNIPPET, Nginx

SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
WARM_UP = int(os.environ.get("BENCH_WARMUP", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
ADDRESSES = int(os.environ.get("BENCH_ADDRESSES", "50"))
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))  # scripts/demo.sh's default
WEB_THREADS = 4  # demo.sh's WEB_THREADS default, which demo_server's command line sets
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/tincay_bench_mixed")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SETUPS = [s.strip() for s in os.environ.get("BENCH_SETUPS", "postgres,sqlite").split(",") if s.strip()]
REQUEST_TIMEOUT = 30
DRAIN_SECONDS = 60
STAFF = ["daumoi", "vhtt.rachgia", "truyenthanh.phuquoc"]
POSTGRES = "2 × gunicorn + nginx, 2 RQ workers, PostgreSQL + Redis"
SQLITE = "1 × gunicorn (`make demo`), 1 db_worker, SQLite"

# (kind, weight): the share of the virtual users' actions. A report-form visit is two requests.
KINDS = [
    ("public: home /", 20),
    ("public: verdict page", 20),
    ("public: verdict search, new each time", 8),
    ("public: day's figures JSON", 10),
    ("staff: home /", 8),
    ("staff: misinfo desk /misinfo/", 8),
    ("staff: reporting cycle", 8),
    ("API: situation figures push", 4),
    ("API: broadcast logs push", 5),
    ("API: listening posts push", 4),
    ("report form", 5),
]
ROWS = [kind for kind, _weight in KINDS if kind != "report form"] + ["report form: GET", "report form: POST"]
SEARCH_WORDS = ["vac xin", "phong toa", "Rach Gia", "tỏi", "chanh", "Phú Quốc", "xét nghiệm", "F0", "khẩu trang"]
POSTS = [
    "Nghe nói {place} sắp phong tỏa, chợ đông nghẹt người mua đồ, ai biết thật không?",
    "Mn ơi bên {place} có thêm ca F0 trong khu chợ, đi đâu nhớ đeo khẩu trang",
    "Uống nước lá tre với muối là hết Covid, bên nhóm Zalo xóm {place} gửi",
    "Giá rau ở {place} hôm nay tăng gấp đôi, mua ít thôi mọi người",
]
PLACES = ["Rạch Giá", "Hà Tiên", "Phú Quốc", "Kiên Lương", "Hòn Đất", "Tân Hiệp", "Châu Thành"]

# The production front (deploy/nginx/tincay.conf: one `server` line per web machine), built from
# scripts/nginx.py's proxy configuration with a second upstream server.
TWO_UPSTREAMS = PROXY.replace("        server {upstream};\n", "        server {first};\n        server {second};\n")
assert TWO_UPSTREAMS != PROXY, "scripts/nginx.py's upstream block changed: update bench_mixed"

SETUP_CODE = """\
import json
from django.utils import timezone
from core.models import ApiToken, Person
from listening.models import Source
from misinfo.models import Case
from reporting.models import ReportCycle
from situation import figures
from situation.models import Bulletin, Indicator
def key(username):
    return ApiToken.issue(Person.objects.get(username=username), "bench_mixed")[1]
issued = Bulletin.objects.filter(state="issued").order_by("-date").values_list("date", flat=True).first()
print(json.dumps({
    "figures_token": key("yte"),
    "logs_token": key("truyenthanh.rachgia"),
    "listening_token": key("thanhtra"),
    "zone": Person.objects.get(username="truyenthanh.rachgia").org_unit.code,
    "districts": [u.code for u in figures.districts(figures.root_unit())],
    "indicators": list(Indicator.objects.filter(is_active=True, kind="daily").values_list("code", flat=True)),
    "today": timezone.localdate().isoformat(),
    "verdict": Case.objects.filter(published_at__isnull=False).order_by("-published_at")
        .values_list("pk", flat=True).first(),
    "cycle": ReportCycle.objects.filter(kind="weekly").order_by("-period_end").values_list("pk", flat=True).first(),
    "bulletin_day": issued.isoformat() if issued else None,
    "source": Source.objects.filter(kind="api", is_active=True).order_by("pk").values_list("name", flat=True).first(),
}))
"""


# --- HTTP/1.1 on asyncio streams ----------------------------------------------------------------


class Closed(ConnectionError):
    """The server closed a kept-alive connection before answering (it may, when idle)."""


class Connection:
    def __init__(self, port: int, local: str | None = None):
        self.port, self.local = port, local
        self.reader = self.writer = None
        self.used = False

    async def open(self) -> None:
        local_addr = (self.local, 0) if self.local else None
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=local_addr, limit=2**22
        )
        self.used = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        """(status, headers, Set-Cookie values, body); reopens the connection when needed."""
        if self.writer is None:
            await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "User-Agent: bench_mixed",
                 "Accept-Encoding: gzip"]  # fmt: skip
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        reused, self.used = self.used, True
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
            raise Closed() if reused else ConnectionError("closed before an answer")
        status = int(status_line.split()[1])
        got, cookies = {}, []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            got[name] = value
        if status in (204, 304) or status < 200:
            data = b""
        elif "chunked" in got.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        elif "content-length" in got:
            data = await self.reader.readexactly(int(got["content-length"]))
        else:
            data = await self.reader.read()
            got["connection"] = "close"
        if got.get("connection", "").lower() == "close":
            self.close()
        return status, got, cookies, data


def cookie_value(cookies: list[str], name: str) -> str:
    for value in cookies:
        key, _sep, rest = value.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return ""


# --- the load -----------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.latency = {kind: [] for kind in ROWS}
        self.statuses = {kind: Counter() for kind in ROWS}
        self.errors = Counter()  # unexpected status
        self.sockets = Counter()  # connect, read, timeout
        self.limited = Counter()  # 429
        self.samples = {}  # kind -> one unexpected answer, for the report
        self.accepted = 0  # in the measured window
        self.accepted_all = 0  # with the warm-up: what the database must have stored
        self.references = set()
        self.reconnects = 0


class Load:
    def __init__(self, port: int, data: dict, sessions: list[tuple[str, str]]):
        self.port, self.data, self.sessions = port, data, sessions
        self.stats = Stats()
        self.counter = 0
        self.measure_from = self.measure_to = 0.0

    def counted(self, started: float) -> bool:
        return self.measure_from <= started < self.measure_to

    async def fetch(self, conn: Connection, kind: str, method: str, path: str, headers: dict | None = None,
                    body: bytes = b"", expect=(200,)):  # fmt: skip
        headers = headers or {}
        started = time.perf_counter()
        try:
            try:
                answer = await asyncio.wait_for(conn.request(method, path, headers, body), REQUEST_TIMEOUT)
            except Closed:
                self.stats.reconnects += 1  # as a browser does: once more on a new connection
                started = time.perf_counter()
                answer = await asyncio.wait_for(conn.request(method, path, headers, body), REQUEST_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
            conn.close()
            if self.counted(started):
                self.stats.sockets[kind] += 1
                self.stats.samples.setdefault(kind, f"{type(e).__name__}: {e}"[:300])
            return None
        elapsed = time.perf_counter() - started
        status = answer[0]
        if self.counted(started):
            stats = self.stats
            stats.latency[kind].append(elapsed * 1000)
            stats.statuses[kind][status] += 1
            if status == 429 and kind == "report form: POST":
                stats.limited[kind] += 1
            elif status not in expect:
                stats.errors[kind] += 1
                stats.samples.setdefault(kind, f"{method} {path} → {status}: {answer[3][:300]!r}")
        return answer

    async def user(self, index: int, until: float) -> None:
        rng = random.Random(index)  # noqa: S311 - a load's mix, not a secret
        conn = Connection(self.port, local=f"127.0.{2 + index // 250}.{1 + index % 250}")  # its own address
        kinds, weights = zip(*KINDS, strict=True)
        try:
            while time.perf_counter() < until:
                kind = rng.choices(kinds, weights)[0]
                await self.act(conn, rng, index, kind)
        finally:
            conn.close()

    async def act(self, conn: Connection, rng: random.Random, index: int, kind: str) -> None:
        data = self.data
        self.counter += 1
        n = self.counter
        if kind == "public: home /":
            await self.fetch(conn, kind, "GET", "/")
        elif kind == "public: verdict page":
            await self.fetch(conn, kind, "GET", f"/su-that/{data['verdict']}/")
        elif kind == "public: verdict search, new each time":
            query = urllib.parse.quote(f"{rng.choice(SEARCH_WORDS)} {index}x{n}")
            await self.fetch(conn, kind, "GET", f"/su-that/?q={query}")
        elif kind == "public: day's figures JSON":
            await self.fetch(conn, kind, "GET", f"/so-lieu/{data['bulletin_day']}.json")
        elif kind.startswith("staff: "):
            cookie, cycle_path = rng.choice(self.sessions)
            path = {"staff: home /": "/", "staff: misinfo desk /misinfo/": "/misinfo/"}.get(kind, cycle_path)
            await self.fetch(conn, kind, "GET", path, {"Cookie": cookie})
        elif kind == "API: situation figures push":
            rows = [
                {"district": code, "values": {ind: rng.randint(0, 300) for ind in data["indicators"]},
                 "note": "Sở Y tế cập nhật số liệu trong ngày"}
                for code in data["districts"]
            ]  # fmt: skip
            await self.api(conn, kind, "/api/v1/situation/figures", data["figures_token"],
                           json.dumps({"date": data["today"], "rows": rows}).encode())  # fmt: skip
        elif kind == "API: broadcast logs push":
            now = time.time()
            rows = [
                {"zone": data["zone"], "seconds": rng.randint(60, 300), "title": "Thông điệp 5K",
                 "played_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - rng.randint(60, 7200))),
                 "id": f"bench-{index}-{n}-{i}"}
                for i in range(5)
            ]  # fmt: skip
            await self.api(conn, kind, "/api/v1/outreach/broadcast-logs", data["logs_token"],
                           json.dumps({"rows": rows}).encode())  # fmt: skip
        elif kind == "API: listening posts push":
            lines = []
            for i in range(10):
                text = rng.choice(POSTS).format(place=rng.choice(PLACES))
                if i == 0:
                    text = f"Ghe từ cảng Tắc Cậu về có F0, cả xóm phải cách ly ({index}-{n})"
                post = {"id": f"bench-{index}-{n}-{i}", "text": text,
                        "url": f"https://facebook.com/groups/kg/posts/{index}{n:07d}{i}"}  # fmt: skip
                lines.append(json.dumps(post, ensure_ascii=False))
            source = urllib.parse.quote(data["source"])
            await self.api(conn, kind, f"/api/v1/listening/posts?source={source}", data["listening_token"],
                           "\n".join(lines).encode(), "application/x-ndjson")  # fmt: skip
        else:
            await self.report(rng, index, n)

    async def api(self, conn, kind, path, token, body, content_type="application/json"):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        await self.fetch(conn, kind, "POST", path, headers, body)

    async def report(self, rng: random.Random, index: int, n: int) -> None:
        """A citizen's visit: the form, then the report, on a new connection from their address."""
        number = rng.randrange(ADDRESSES)
        conn = Connection(self.port, local=f"127.0.{1 + number // 250}.{1 + number % 250}")
        try:
            got = await self.fetch(conn, "report form: GET", "GET", "/bao-tin-gia/")
            if got is None or got[0] != 200:
                return
            token, csrf = TOKEN_RE.search(got[3]), cookie_value(got[2], "csrftoken")
            districts = OPTION_RE.findall(got[3])
            if not token or not csrf:
                self.stats.errors["report form: GET"] += 1
                self.stats.samples.setdefault("report form: GET", "no CSRF token or cookie in the form")
                return
            text = REPORTS[n % len(REPORTS)].format(district=DISTRICTS[(index + n) % len(DISTRICTS)])
            form = {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "text": f"{text} (thấy lúc {7 + n % 14} giờ, lần {index}-{n})",
                "url": f"https://www.facebook.com/groups/kiengiang{index}/posts/{100000 + n}" if n % 3 == 0 else "",
                "org_unit": districts[n % len(districts)].decode() if districts and n % 2 == 0 else "",
                "reporter_name": NAMES[index % len(NAMES)] if n % 4 == 0 else "",
                "reporter_contact": f"09{index % 100:02d}{n % 10**6:06d}" if n % 4 == 0 else "",
                "website": "",
            }
            headers = {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"}
            started = time.perf_counter()
            posted = await self.fetch(conn, "report form: POST", "POST", "/bao-tin-gia/", headers,
                                      urllib.parse.urlencode(form).encode())  # fmt: skip
            reference = REFERENCE_RE.search(posted[3]) if posted is not None and posted[0] == 200 else None
            if reference:
                self.stats.accepted_all += 1
                self.stats.references.add(reference.group(0))
                self.stats.accepted += self.counted(started)
        finally:
            conn.close()

    async def run(self) -> float:
        start = time.perf_counter()
        self.measure_from = start + WARM_UP
        self.measure_to = self.measure_from + SECONDS
        await asyncio.gather(*(self.user(i, self.measure_to) for i in range(CONCURRENCY)))
        return self.measure_to - self.measure_from


# --- the set-ups --------------------------------------------------------------------------------


def log_in(port: int, username: str, cycle: int) -> tuple[str, str]:
    """Through the real log-in form: the Cookie header of the session, and the person's page of
    the reporting cycle (a district's people are sent on to their district's report)."""

    async def go():
        conn = Connection(port)
        try:
            _s, _h, cookies, page = await conn.request("GET", "/login/", {})
            csrf = cookie_value(cookies, "csrftoken")
            token = TOKEN_RE.search(page).group(1).decode()
            form = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD,
                                           "csrfmiddlewaretoken": token}).encode()  # fmt: skip
            headers = {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded",
                       "Referer": f"http://127.0.0.1:{port}/login/"}  # fmt: skip
            status, got, cookies, _body = await conn.request("POST", "/login/", headers, form)
            session = cookie_value(cookies, "sessionid")
            if status != 302 or not session:
                raise RuntimeError(f"log-in of {username}: {status}, no session")
            cookie = f"sessionid={session}; csrftoken={cookie_value(cookies, 'csrftoken') or csrf}"
            status, got, _c, _b = await conn.request("GET", "/", {"Cookie": cookie})
            if status != 200:
                raise RuntimeError(f"{username}'s home page after log-in: {status} {got.get('location', '')}")
            path = f"/reports/{cycle}/"
            status, got, _c, _b = await conn.request("GET", path, {"Cookie": cookie})
            if status == 302:
                path = urlsplit(got["location"]).path
                status, got, _c, _b = await conn.request("GET", path, {"Cookie": cookie})
            if status != 200:
                raise RuntimeError(f"{username}'s page of cycle {cycle}: {status} {got.get('location', '')}")
            return cookie, path
        finally:
            conn.close()

    return asyncio.run(go())


def start(env: dict, log: Path, *args: str) -> subprocess.Popen:
    out = log.open("ab")
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT)  # fmt: skip


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def gunicorn_env(env: dict, tmp: Path, name: str) -> dict:
    # demo.sh's options that demo_server lacks, with the logs in files (not an unread pipe).
    return {**env, "GUNICORN_CMD_ARGS": f"--graceful-timeout 10 --access-logfile {tmp}/access-{name}.log "
                                        f"--error-logfile {tmp}/gunicorn-{name}.log --capture-output"}  # fmt: skip


class Queue:
    """The task queue's counts: RQ's registries, or the database queue's table."""

    def __init__(self, env: dict):
        self.env = env

    def counts(self) -> dict:
        if self.env.get("TASK_BACKEND") == "rq":
            from redis import Redis
            from rq import Queue as RQueue

            queue = RQueue("default", connection=Redis.from_url(self.env["REDIS_URL"]))
            counts = {
                "queued": queue.count,
                "running": queue.started_job_registry.count,
                "done": queue.finished_job_registry.count,
                "failed": queue.failed_job_registry.count,
                "later": queue.deferred_job_registry.count + queue.scheduled_job_registry.count,
            }
        else:
            database = Path(self.env["TINCAY_VAR_DIR"]) / "tincay.sqlite3"
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
                by = dict(db.execute("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))
            counts = {"queued": by.get("READY", 0), "running": by.get("RUNNING", 0),
                      "done": by.get("SUCCESSFUL", 0), "failed": by.get("FAILED", 0), "later": 0}  # fmt: skip
        counts["total"] = sum(counts.values())
        return counts

    def failures(self) -> list[str]:
        if self.env.get("TASK_BACKEND") == "rq":
            from redis import Redis
            from rq import Queue as RQueue

            queue = RQueue("default", connection=Redis.from_url(self.env["REDIS_URL"]))
            out = []
            for job_id in queue.failed_job_registry.get_job_ids()[:3]:
                job = queue.fetch_job(job_id)
                out.append(f"{job_id}: {job.func_name if job else '?'}\n{(job.exc_info or '') if job else ''}"[-2000:])
            return out
        database = Path(self.env["TINCAY_VAR_DIR"]) / "tincay.sqlite3"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute(
                "SELECT task_path, traceback FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED' LIMIT 3"
            ).fetchall()
        return [f"{path}\n{trace[-2000:]}" for path, trace in rows]


def tip_count(env: dict) -> int:
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as db:
            return db.execute("SELECT COUNT(*) FROM misinfo_tip").fetchone()[0]
    database = Path(env["TINCAY_VAR_DIR"]) / "tincay.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM misinfo_tip").fetchone()[0]


def recreate_database(url: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def flush_redis() -> None:
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()


def measure(name: str, env: dict, tmp: Path, port: int, procs: list) -> dict:
    """Sessions, tokens, the load, the queue; `procs` are the workers and the scheduler."""
    print(f"[{name}] tokens and sessions…", file=sys.stderr)
    data = json.loads(shell(env, SETUP_CODE))
    if not data["verdict"] or not data["cycle"] or not data["bulletin_day"] or not data["source"]:
        raise RuntimeError(f"the demo data lacks a verdict, a cycle, an issued bulletin or an API source: {data}")
    sessions = [log_in(port, username, data["cycle"]) for username in STAFF]
    queue = Queue(env)
    tips_before, tasks_before = tip_count(env), queue.counts()
    load = Load(port, data, sessions)
    print(f"[{name}] {WARM_UP} s warm-up, {SECONDS} s measured, {CONCURRENCY} users…", file=sys.stderr)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    busy_before, load_before = machine_busy(), os.getloadavg()[0]
    seconds = asyncio.run(load.run())
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    busy = busy_share(busy_before, machine_busy())
    client_cores = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / (
        seconds + WARM_UP
    )
    tasks_end = queue.counts()
    drained = None
    started = time.perf_counter()
    while time.perf_counter() - started < DRAIN_SECONDS:
        now = queue.counts()
        if now["queued"] == 0 and now["running"] == 0:
            drained = time.perf_counter() - started
            break
        time.sleep(0.5)
    tasks_after = queue.counts()
    stored = tip_count(env) - tips_before
    dead = [" ".join(p.args[2:4]) for p in procs if p.poll() is not None]
    return {
        "name": name, "stats": load.stats, "seconds": seconds, "client_cores": client_cores, "busy": busy,
        "load_before": load_before, "tasks_before": tasks_before, "tasks_end": tasks_end,
        "tasks_after": tasks_after, "drained": drained, "stored": stored, "failures": queue.failures(),
        "dead": dead,
    }  # fmt: skip


def logs_check(result: dict, tmp: Path) -> None:
    tracebacks, fives, excerpts = 0, 0, []
    for path in sorted(tmp.glob("*.log")):
        text = path.read_text(errors="replace")
        if path.name.startswith("access-"):
            fives += len(re.findall(r'" 5\d\d ', text))
            continue
        found = len(re.findall(r"^Traceback|Internal Server Error|database is locked", text, re.M))
        tracebacks += found
        if found:
            at = re.search(r"^Traceback|Internal Server Error|database is locked", text, re.M).start()
            excerpts.append(f"{path.name}:\n{text[max(0, at - 300) : at + 3000]}")
    result.update({"tracebacks": tracebacks, "fives": fives, "excerpts": excerpts})


def bench_env(var: Path) -> dict:
    """demo_env, with production's two-factor roles (demo_env empties OTP_REQUIRED_ROLES for the
    demo's log-ins; the staff sessions here are of roles that need none)."""
    env = demo_env(var)
    env.pop("OTP_REQUIRED_ROLES", None)
    return env


def run_postgres(tmp: Path) -> dict:
    print(f"[PostgreSQL] recreating {PG_URL}, flushing {REDIS_URL}…", file=sys.stderr)
    recreate_database(PG_URL)
    flush_redis()
    env = bench_env(tmp / "var")
    env.update({"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL, "TASK_BACKEND": "rq", "PROXY_COUNT": "1"})
    procs = []
    try:
        print("[PostgreSQL] migrate, collectstatic, load_demo…", file=sys.stderr)
        prepare(env)
        with ExitStack() as stack:
            first = stack.enter_context(gunicorn(gunicorn_env(env, tmp, "a"), workers=WEB_WORKERS))
            second = stack.enter_context(gunicorn(gunicorn_env(env, tmp, "b"), workers=WEB_WORKERS))
            (tmp / "nginx").mkdir()
            front = Nginx(tmp / "nginx", TWO_UPSTREAMS, workers="auto", first=first.split("//")[1],
                          second=second.split("//")[1], snippet=PROXY_SNIPPET, limits=LIMITS)  # fmt: skip
            stack.callback(front.stop)
            for n in (1, 2):
                procs.append(start(env, tmp / f"rqworker-{n}.log", "rqworker", "--job-class",
                                   "django_tasks_rq.backend.Job", "--with-scheduler", "default"))  # fmt: skip
            procs.append(start(env, tmp / "scheduler.log", "scheduler", "--interval", "60"))
            try:
                result = measure("PostgreSQL", env, tmp, front.port, procs)
            finally:
                stop(procs)
            nginx_errors = front.log()
        result["nginx_errors"] = len(re.findall(r"\[(error|crit|alert|emerg)\]", nginx_errors))
        logs_check(result, tmp)
        return result
    finally:
        stop(procs)
        recreate_database(PG_URL, drop_only=True)
        flush_redis()


def run_sqlite(tmp: Path) -> dict:
    env = bench_env(tmp / "var")
    env.pop("REDIS_URL", None)
    env["TASK_BACKEND"] = "database"
    print("[SQLite] migrate, collectstatic, load_demo…", file=sys.stderr)
    prepare(env)
    procs = []
    with gunicorn(gunicorn_env(env, tmp, "a"), workers=WEB_WORKERS) as base:
        procs.append(start(env, tmp / "db_worker.log", "db_worker", "--interval", "1", "--queue-name", "*",
                           "--verbosity", "1"))  # fmt: skip
        procs.append(start(env, tmp / "scheduler.log", "scheduler", "--interval", "60"))
        try:
            result = measure("SQLite", env, tmp, int(base.rsplit(":", 1)[1]), procs)
        finally:
            stop(procs)
    result["nginx_errors"] = 0
    logs_check(result, tmp)
    return result


# --- the report ---------------------------------------------------------------------------------


def pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def cells(result: dict | None, kind: str | None) -> list[str]:
    if result is None:
        return ["", "", "", "", "", ""]
    s, seconds = result["stats"], result["seconds"]
    if kind is None:  # total
        latency = [v for values in s.latency.values() for v in values]
        errors, sockets, limited = sum(s.errors.values()), sum(s.sockets.values()), sum(s.limited.values())
    else:
        latency = s.latency[kind]
        errors, sockets, limited = s.errors[kind], s.sockets[kind], s.limited[kind]
    count = len(latency) + sockets
    return [f"{count:,}", f"{count / seconds:,.1f}", ms(pct(latency, 50)), ms(pct(latency, 99)),
            f"{errors} / {sockets}", f"{limited}" if kind in (None, "report form: POST") else ""]  # fmt: skip


def versions() -> str:
    out = []
    try:
        import psycopg

        with psycopg.connect(urlsplit(PG_URL)._replace(path="/postgres").geturl()) as db:
            out.append("PostgreSQL " + db.execute("SHOW server_version").fetchone()[0].split()[0])
    except Exception:  # only for the header
        out.append("PostgreSQL ?")
    try:
        from redis import Redis

        out.append("Redis " + Redis.from_url(REDIS_URL).info("server")["redis_version"])
    except Exception:
        out.append("Redis ?")
    nginx = subprocess.run([tool("nginx"), "-v"], capture_output=True, text=True).stderr if tool("nginx") else ""
    found = re.search(r"nginx/([\d.]+)", nginx)
    out.append(f"nginx {found.group(1) if found else '?'}")
    out += [f"SQLite {sqlite3.sqlite_version}", f"gunicorn {version('gunicorn')}", f"Django {version('django')}",
            f"rq {version('rq')}"]  # fmt: skip
    return ", ".join(out)


def report(results: list[dict], started: str, measured: str) -> list[str]:
    by = {r["name"]: r for r in results}
    pg, lite = by.get("PostgreSQL"), by.get("SQLite")
    print(
        f"\nTin Cậy bench, mixed load — {started} — commit {measured} — {platform.node()}, {os.cpu_count()} cores "
        f"({cpu_model()}), Python {platform.python_version()}, {versions()}\n"
    )
    print(
        f"{CONCURRENCY} virtual users (one asyncio process, keep-alive; a report-form visit on a new connection "
        f"from one of {ADDRESSES} loopback addresses), {SECONDS} s measured after {WARM_UP} s of warm-up; "
        f"gunicorn {WEB_WORKERS} workers × {WEB_THREADS} threads (gthread) per instance; the same machine, "
        "loopback. Errors: unexpected answers / socket errors; 429: the report form's hourly limit per address.\n"
    )
    head = ["requests", "req/s", "p50", "p99", "errors", "429"]
    columns = [f"{setup}: {h}" if i == 0 else h for setup in (POSTGRES, SQLITE) for i, h in enumerate(head)]
    print("| kind | weight | " + " | ".join(columns) + " |")
    print("| --- " * (2 + 2 * len(head)) + "|")
    weights = dict(KINDS)
    for kind in ROWS:
        weight = weights.get(kind, weights["report form"])
        print(f"| {kind} | {weight} | " + " | ".join(cells(pg, kind) + cells(lite, kind)) + " |")
    print("| **total** | | " + " | ".join(f"**{c}**" if c else "" for c in cells(pg, None) + cells(lite, None)) + " |")

    print("\n| tasks and checks | " + " | ".join(r["name"] for r in results) + " |")
    print("| --- " * (1 + len(results)) + "|")

    def row(label, fn):
        print(f"| {label} | " + " | ".join(fn(r) for r in results) + " |")

    row("task queue", lambda r: "RQ on Redis, 2 `rqworker`" if r["name"] == "PostgreSQL" else "database, 1 `db_worker`")
    row("tasks enqueued during the load", lambda r: f"{r['tasks_end']['total'] - r['tasks_before']['total']:,}")
    row("tasks run during the load (done + failed)", lambda r: f"{_ran(r['tasks_end']) - _ran(r['tasks_before']):,}")
    row("queue depth when the load stopped (queued + running)",
        lambda r: f"{r['tasks_end']['queued'] + r['tasks_end']['running']:,}")  # fmt: skip
    row("drained after the load", lambda r: "not in 60 s" if r["drained"] is None else f"{r['drained']:.1f} s")
    row("tasks failed (during the load and the drain)",
        lambda r: f"{r['tasks_after']['failed'] - r['tasks_before']['failed']:,}")  # fmt: skip
    row("reports accepted (with the warm-up) / tips stored",
        lambda r: f"{r['stats'].accepted:,} ({r['stats'].accepted_all:,}) / {r['stored']:,}")  # fmt: skip
    row("5xx in the access logs; tracebacks in the logs", lambda r: f"{r['fives']}; {r['tracebacks']}")
    row("kept-alive connections closed by the server (retried)", lambda r: f"{r['stats'].reconnects:,}")
    row("CPU: the client, the machine", lambda r: f"{r['client_cores']:.2f} cores, {_percent(r['busy'])}")
    row("load average before", lambda r: f"{r['load_before']:.1f}")

    failures = []
    for r in results:
        s = r["stats"]
        for kind in ROWS:
            if s.errors[kind] or s.sockets[kind]:
                statuses = ", ".join(f"{n} × {code}" for code, n in sorted(s.statuses[kind].items()))
                failures.append(f"{r['name']}, {kind}: {s.errors[kind]} unexpected answers, {s.sockets[kind]} "
                                f"socket errors (answers: {statuses}); e.g. {s.samples.get(kind)}")  # fmt: skip
        if r["stored"] != s.accepted_all or len(s.references) != s.accepted_all:
            failures.append(f"{r['name']}: {r['stored']} tips stored for {s.accepted_all} accepted reports "
                            f"({len(s.references)} distinct references)")  # fmt: skip
        failed = r["tasks_after"]["failed"] - r["tasks_before"]["failed"]
        if failed:
            failures.append(f"{r['name']}: {failed} failed tasks:\n" + "\n".join(r["failures"]))
        if r["tracebacks"] or r["fives"]:
            excerpts = "\n".join(r["excerpts"][:3])
            failures.append(f"{r['name']}: {r['fives']} 5xx, {r['tracebacks']} tracebacks:\n{excerpts}")
        if r["dead"]:
            failures.append(f"{r['name']}: died during the load: {', '.join(r['dead'])}")
        if r["drained"] is None:
            failures.append(f"{r['name']}: the task queue was not drained {DRAIN_SECONDS} s after the load")
    return failures


def _ran(counts: dict) -> int:
    return counts["done"] + counts["failed"]


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def main():
    if tool("nginx") is None:
        print("bench_mixed needs nginx: run `scripts/system-deps bench` as root.", file=sys.stderr)
        sys.exit(2)
    started, measured = time.strftime("%Y-%m-%d %H:%M %Z"), commit()
    results = []
    runners = {"postgres": run_postgres, "sqlite": run_sqlite}
    for setup in SETUPS:
        runner = runners[setup]
        with tempfile.TemporaryDirectory(prefix=f"tincay-bench-mixed-{setup}-") as tmp:
            results.append(runner(Path(tmp)))
    failures = report(results, started, measured)
    if failures:
        print("\nChecks FAILED:\n- " + "\n- ".join(failures))
        sys.exit(1)
    print("\nChecks: no error answer, no socket error, no traceback, no failed task, stored = accepted.")


if __name__ == "__main__":
    main()
