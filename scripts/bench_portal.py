"""`make bench`, public portal (issue 8, item 6): the cached pages under load from `wrk`, beside
nginx serving the same bytes as static files, and the citizens' report form under a crowd.

gunicorn runs as `make demo` runs it (scripts/demo.sh: WEB_WORKERS=2 × WEB_THREADS=4, gthread,
the access log written; demo.sh's options that `demo_server` lacks are passed in
GUNICORN_CMD_ARGS) on a fresh demo database (`scripts.demo_server`), as if behind one proxy
(PROXY_COUNT=1: the client's address is the last X-Forwarded-For entry). After warming the page
cache, the bytes of the home page `/` and of the latest verdict page `/su-that/<id>/` are saved
to a temporary folder, and nginx (`worker_processes auto`, no access log) serves them with the
same Content-Type in the same run: the yardstick. A second nginx runs the production front,
deploy/nginx/tincay-proxy.conf (scripts/nginx.py), in front of the same gunicorn: the portal's
micro-cache. Each row is `wrk -t2 -c64 -d10s --latency` after a 2 s warm-up: the two pages from
the three, then from gunicorn only /tinh-hinh/, /su-that/ and the verdict page asked with its ETag
(304), and a verdict search no one made before on every request (cache misses: rendered, then
stored) from gunicorn and through the micro-cache. wrk shares the machine's 2 cores with the
server; each row shows the CPU wrk took and how busy the whole machine was.

The report form: SUBMISSIONS visits from CLIENTS concurrent clients, each with its own address:
GET /bao-tin-gia/ (the CSRF cookie and token), then POST a Vietnamese report, each on a new
connection (as a proxy makes them). Every 20th post is a robot's (the honeypot `website`
filled): it is thanked and must not be stored. Each client posts more than the hourly limit
(BENCH_PORTAL_TIPS_PER_HOUR, given to the server as PUBLIC_TIPS_PER_HOUR), so the limit is
exercised. The tips in the server's SQLite database are counted before and after: stored must
equal the people's accepted posts.

Exits non-zero when a correctness check fails (an error answer or a 5xx, a traceback in the
server's log, stored ≠ accepted, different bytes); not for the speed goals (the machine is shared
and noisy), nor for a limit exceeded (a warning: the count lives in the default cache, which
without REDIS_URL is each worker's own memory).

    .venv/bin/python -m scripts.bench_portal    (BENCH_PORTAL_SECONDS, BENCH_PORTAL_SUBMISSIONS,
                                                 BENCH_PORTAL_CLIENTS, BENCH_PORTAL_TIPS_PER_HOUR)
"""

import http.client
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from http.cookies import SimpleCookie
from importlib.metadata import version
from pathlib import Path

from scripts.demo_server import ROOT, demo_server
from scripts.nginx import Nginx

SECONDS = int(os.environ.get("BENCH_PORTAL_SECONDS", "10"))
WARM_UP_SECONDS = 2
CONNECTIONS = 64
SUBMISSIONS = int(os.environ.get("BENCH_PORTAL_SUBMISSIONS", "2000"))
CLIENTS = int(os.environ.get("BENCH_PORTAL_CLIENTS", "50"))
# Below each client's share of the submissions (2,000 / 50 = 40), so that some are refused with 429.
TIPS_PER_HOUR = int(os.environ.get("BENCH_PORTAL_TIPS_PER_HOUR", "30"))
ROBOT_EVERY = 20  # every 20th post of a client fills the honeypot
GOAL_SHARE = 0.5  # of nginx's requests/s
GUNICORN = "gunicorn"
MICRO_CACHE = "nginx micro-cache → gunicorn"
STATIC = "nginx, static file"
GOAL_P99_MS = 50.0
SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

REPORTS = [
    "Trên nhóm Zalo của khu phố có tin nhắn nói uống nước chanh nóng pha tỏi mỗi sáng sẽ khỏi Covid-19 "
    "trong ba ngày, không cần đi khám.",
    "Facebook có bài đăng nói {district} sẽ phong tỏa toàn huyện từ 0 giờ ngày mai, người dân đang đổ xô "
    "đi mua gạo và mì gói.",
    "Có người chia sẻ video nói tiêm vắc-xin Covid-19 gây vô sinh cho phụ nữ, nhiều người ở {district} "
    "hoang mang không dám đi tiêm.",
    "Tin nhắn lan truyền nói bệnh viện đa khoa {district} đã có 20 ca tử vong vì Covid-19 trong tuần này "
    "nhưng bị giấu.",
    "Một trang TikTok nói xông hơi bằng lá sả và lá bưởi ba lần một ngày sẽ diệt được virus corona trong phổi.",
    "Nghe loa của xóm nói ai không có giấy xét nghiệm âm tính sẽ bị phạt 5 triệu đồng khi ra chợ ở {district}.",
]
DISTRICTS = ["Rạch Giá", "Hà Tiên", "Phú Quốc", "Kiên Lương", "Hòn Đất", "Tân Hiệp", "Châu Thành", "Giồng Riềng"]
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thu Hà", "Võ Minh Tuấn"]


# --- the tools ----------------------------------------------------------------------------------


def tool(name: str) -> str | None:
    return shutil.which(name, path=SBIN)


def check_tools() -> None:
    missing = [name for name in ("wrk", "nginx") if tool(name) is None]
    if missing:
        print(
            f"bench_portal needs {' and '.join(missing)}, not found: run `scripts/system-deps bench` "
            "(as root, it installs the Debian packages wrk and nginx-light).",
            file=sys.stderr,
        )
        sys.exit(2)


def tool_versions() -> str:
    wrk = subprocess.run([tool("wrk"), "-v"], capture_output=True, text=True).stdout
    nginx = subprocess.run([tool("nginx"), "-v"], capture_output=True, text=True).stderr
    found_wrk = re.search(r"wrk (?:\w+/)?([\d.]+)", wrk)
    found_nginx = re.search(r"nginx/([\d.]+)", nginx)
    return (
        f"wrk {found_wrk.group(1) if found_wrk else '?'}, nginx {found_nginx.group(1) if found_nginx else '?'}, "
        f"gunicorn {version('gunicorn')}, Django {version('django')}"
    )


def commit() -> str:
    """The commit measured, and whether the application's files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!scripts", ":!docs", ":!Makefile"],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
    except OSError:
        return "?"
    return head.stdout.strip() + (" with local changes" if dirty.stdout.strip() else "")


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return platform.processor() or "?"
    found = re.search(r"^Model name:\s+(.+)$", out, re.M)
    return found.group(1).strip() if found else "?"


# --- HTTP with the standard library -------------------------------------------------------------


def fetch(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """One request on a new connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# --- wrk ----------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


# Each request a search no one made before: the page cache misses every time (render, then store).
NEW_SEARCH_LUA = """\
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/su-that/?q=" .. math.random(1, 1000000000) .. "-" .. n)
end
"""


def wrk(url: str, seconds: int, headers: tuple[str, ...] = (), script: Path | None = None) -> dict:
    """Run wrk; halfway, see which server processes hold its connections (`spread`)."""
    command = [tool("wrk"), "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    proc = subprocess.Popen([*command, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(seconds / 2)
    spread = connections_per_process(urllib.parse.urlsplit(url).port)
    out, err = proc.communicate(timeout=seconds + 60)
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {err}")
    return {**parse_wrk(out), "spread": spread}


def connections_per_process(port: int) -> str:
    """How the open connections to `port` are shared among the server's processes, most first
    ("64" when one gunicorn worker holds them all): keep-alive connections stay where accepted."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
        ).stdout
    except OSError:
        return "?"
    counts = Counter(re.findall(r"pid=(\d+)", out))
    return " + ".join(str(n) for n in sorted(counts.values(), reverse=True)) or "?"


def parse_wrk(out: str) -> dict:
    latency = {
        int(p): float(value) * UNITS[unit]
        for p, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    }
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not rate or not total or 99 not in latency:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    return {
        "rps": float(rate.group(1)),
        "requests": int(total.group(1)),
        "p50": latency.get(50),
        "p99": latency[99],
        "non_ok": int(non_ok.group(1)) if non_ok else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


# --- the report form ----------------------------------------------------------------------------

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
OPTION_RE = re.compile(rb'<option value="(\d+)"')
REFERENCE_RE = re.compile(rb"TG-\d{6}")


def tip_count(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM misinfo_tip").fetchone()[0]


class Crowd:
    """CLIENTS threads, each a citizen's phone posting reports from its own address."""

    def __init__(self, port: int):
        self.port = port
        self.lock = threading.Lock()
        self.outcomes = Counter()
        self.accepted_by_client = Counter()
        self.references = []
        self.post_ms = []
        self.visit_ms = []
        self.robot_posts = 0

    def client(self, index: int, count: int) -> None:
        address = f"198.51.{100 + index // 250}.{index % 250 + 1}"  # TEST-NET-2 and on
        cookie = ""
        for n in range(count):
            robot = n % ROBOT_EVERY == ROBOT_EVERY - 1
            started = time.perf_counter()
            try:
                outcome, reference, post_s, cookie = self.submit(address, cookie, index, n, robot)
            except (OSError, http.client.HTTPException) as e:
                outcome, reference, post_s = f"connection error ({type(e).__name__})", None, None
            visit = time.perf_counter() - started
            with self.lock:
                self.outcomes[outcome] += 1
                if outcome == "accepted":
                    self.accepted_by_client[index] += 1
                    self.references.append(reference)
                if post_s is not None:
                    self.post_ms.append(post_s * 1000)
                    self.robot_posts += robot
                self.visit_ms.append(visit * 1000)

    def submit(self, address: str, cookie: str, index: int, n: int, robot: bool):
        headers = {"X-Forwarded-For": address, "User-Agent": "bench_portal"}
        if cookie:
            headers["Cookie"] = f"csrftoken={cookie}"
        status, got, body = fetch(self.port, "GET", "/bao-tin-gia/", headers)
        if status != 200:
            return f"form GET {status}", None, None, cookie
        cookie = _csrf_cookie(got) or cookie
        token = TOKEN_RE.search(body)
        districts = OPTION_RE.findall(body)
        if not token or not cookie:
            return "form without CSRF token", None, None, cookie
        text = REPORTS[(index + n) % len(REPORTS)].format(district=DISTRICTS[(index * 7 + n) % len(DISTRICTS)])
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "text": f"{text} (thấy lúc {7 + n % 14} giờ {index % 60:02d})",
            "url": f"https://www.facebook.com/groups/kiengiang{index}/posts/{100000 + n}" if n % 3 == 0 else "",
            "org_unit": districts[(index + n) % len(districts)].decode() if districts and n % 2 == 0 else "",
            "reporter_name": NAMES[index % len(NAMES)] if n % 4 == 0 else "",
            "reporter_contact": f"09{index:02d}{n:06d}" if n % 4 == 0 else "",
            "website": "https://cheap-pills.example" if robot else "",
        }
        headers.update({"Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded"})
        started = time.perf_counter()
        status, _got, body = fetch(self.port, "POST", "/bao-tin-gia/", headers, urllib.parse.urlencode(form).encode())
        post_s = time.perf_counter() - started
        reference = REFERENCE_RE.search(body)
        if status == 200 and reference:
            return ("robot thanked" if robot else "accepted"), reference.group(0).decode(), post_s, cookie
        if status == 429:
            return "limited (429)", None, post_s, cookie
        return f"POST {status}", None, post_s, cookie

    def run(self) -> float:
        shares = [SUBMISSIONS // CLIENTS + (i < SUBMISSIONS % CLIENTS) for i in range(CLIENTS)]
        threads = [threading.Thread(target=self.client, args=(i, n), daemon=True) for i, n in enumerate(shares)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        return time.perf_counter() - started


def _csrf_cookie(headers) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(value)
        if "csrftoken" in jar:
            return jar["csrftoken"].value
    return ""


# --- the run ------------------------------------------------------------------------------------


def page(port: int, path: str) -> tuple[bytes, str, str]:
    """The page's bytes, Content-Type and ETag, checked to be the same from every worker."""
    seen = set()
    for _ in range(8):  # new connections: both workers answer, each from its own cache
        status, headers, body = fetch(port, "GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        seen.add((body, headers["Content-Type"], headers.get("ETag", "")))
    if len(seen) != 1:
        raise RuntimeError(f"GET {path}: the workers answer with different bytes")
    return seen.pop()


def latest_verdict(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT id FROM misinfo_case WHERE published_at IS NOT NULL ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
    if row is None:
        raise RuntimeError("the demo data has no published verdict")
    return row[0]


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> tuple[int, int]:
    """The machine's busy and total CPU time so far (/proc/stat, in ticks)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(n) for n in f.readline().split()[1:9]]
    except OSError:
        return 0, 0
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # less idle and iowait


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else None


def measure(label: str, server: str, url: str, headers: tuple[str, ...] = (), script: Path | None = None) -> dict:
    """A warm-up, then the measured run, with the CPU that wrk took (in cores) and the whole
    machine's busy share: what was left for the server."""
    parts = urllib.parse.urlsplit(url)
    asked = dict(header.split(": ", 1) for header in headers)
    size = None if script else len(fetch(parts.port, "GET", url[len(f"{parts.scheme}://{parts.netloc}") :], asked)[2])
    wrk(url, WARM_UP_SECONDS, headers, script)
    cpu, busy = cpu_seconds(resource.RUSAGE_CHILDREN), machine_busy()
    result = wrk(url, SECONDS, headers, script)
    result["wrk_cores"] = (cpu_seconds(resource.RUSAGE_CHILDREN) - cpu) / SECONDS
    result["busy"] = busy_share(busy, machine_busy())
    print(f"  {label} ({server}): {result['rps']:,.0f} req/s, p99 {result['p99']:.1f} ms", file=sys.stderr)
    return {"label": label, "server": server, "bytes": size, **result}


def main():
    check_tools()
    workers = int(os.environ.get("WEB_WORKERS", "2"))  # scripts/demo.sh's defaults
    threads = 4  # demo.sh's WEB_THREADS default, which demo_server's command line sets
    failures = []
    with tempfile.TemporaryDirectory(prefix="tincay-bench-portal-") as tmp_name:
        tmp = Path(tmp_name)
        # The server's settings: behind one proxy (X-Forwarded-For trusted), the report limit, and
        # demo.sh's gunicorn options that demo_server lacks (its command line wins over these: its
        # --timeout 30 stays, demo.sh's 60 only matters for requests that hang): the access log, and
        # the application's log in a file rather than demo_server's unread stderr pipe.
        os.environ.update(
            {
                "PROXY_COUNT": "1",
                "PUBLIC_TIPS_PER_HOUR": str(TIPS_PER_HOUR),
                "GUNICORN_CMD_ARGS": "--graceful-timeout 10 --access-logfile "
                f"{tmp}/access.log --error-logfile {tmp}/gunicorn.log --capture-output",
            }
        )
        started, measured = time.strftime("%Y-%m-%d %H:%M %Z"), commit()
        load_before = os.getloadavg()[0]
        print("Building the demo database and starting gunicorn…", file=sys.stderr)
        with demo_server(workers=workers) as (base, env):
            port = int(base.rsplit(":", 1)[1])
            database = Path(env["TINCAY_VAR_DIR"]) / "tincay.sqlite3"
            verdict_path = f"/su-that/{latest_verdict(database)}/"
            home, content_type, _etag = page(port, "/")
            verdict, verdict_type, verdict_etag = page(port, verdict_path)
            if verdict_type != content_type:
                failures.append(f"Content-Type differs: {content_type} / {verdict_type}")
            www = tmp / "www"
            www.mkdir()
            (www / "home.html").write_bytes(home)
            (www / "verdict.html").write_bytes(verdict)
            static_dir, proxy_dir = tmp / "nginx-static", tmp / "nginx-proxy"
            static_dir.mkdir()
            proxy_dir.mkdir()
            nginx = Nginx.static(static_dir, www, content_type)
            # deploy/nginx/tincay-proxy.conf in front of the same gunicorn: the production setup,
            # its per-address rates raised (wrk's crowd is one address; tests/test_nginx.py checks
            # the limits themselves).
            front = Nginx.proxy(proxy_dir, f"127.0.0.1:{port}", limits=False)
            try:
                for path, expected in (("/home.html", home), ("/verdict.html", verdict)):
                    status, headers, body = fetch(nginx.port, "GET", path)
                    if status != 200 or body != expected or headers["Content-Type"] != content_type:
                        failures.append(f"nginx {path}: {status}, {len(body)} bytes, {headers['Content-Type']}")
                for path, expected in (("/", home), (verdict_path, verdict)):
                    # Absolute links (ClaimReview's url) carry the address the visitor used: nginx's.
                    expected = expected.replace(f"127.0.0.1:{port}".encode(), f"127.0.0.1:{front.port}".encode())
                    for _ in range(2):  # the first fills the micro-cache
                        status, headers, body = fetch(front.port, "GET", path)
                    if status != 200 or body != expected or headers.get("X-Cache-Status") != "HIT":
                        failures.append(f"nginx → gunicorn {path}: {status}, {headers.get('X-Cache-Status')}")
                status, _headers, _body = fetch(port, "GET", verdict_path, {"If-None-Match": verdict_etag})
                if status != 304:
                    failures.append(f"If-None-Match on {verdict_path}: {status}, not 304")
                app, static = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{nginx.port}"
                proxied = f"http://127.0.0.1:{front.port}"
                new_search = tmp / "new-search.lua"
                new_search.write_text(NEW_SEARCH_LUA)
                rows = [
                    measure("home page /", GUNICORN, f"{app}/"),
                    measure("home page /", MICRO_CACHE, f"{proxied}/"),
                    measure("home page /", STATIC, f"{static}/home.html"),
                    measure(f"verdict page {verdict_path}", GUNICORN, f"{app}{verdict_path}"),
                    measure(f"verdict page {verdict_path}", MICRO_CACHE, f"{proxied}{verdict_path}"),
                    measure(f"verdict page {verdict_path}", STATIC, f"{static}/verdict.html"),
                    measure("situation /tinh-hinh/", GUNICORN, f"{app}/tinh-hinh/"),
                    measure("verdict list /su-that/", GUNICORN, f"{app}/su-that/"),
                    measure(
                        "verdict page, If-None-Match → 304",
                        GUNICORN,
                        f"{app}{verdict_path}",
                        (f"If-None-Match: {verdict_etag}",),
                    ),
                    measure("verdict search, a new one each request (cache miss)", GUNICORN, app, script=new_search),
                    measure(
                        "verdict search, a new one each request (cache miss)", MICRO_CACHE, proxied, script=new_search
                    ),
                ]
            finally:
                nginx.stop()
                front.stop()
            print(f"Report form: {SUBMISSIONS} submissions from {CLIENTS} clients…", file=sys.stderr)
            before = tip_count(database)
            crowd = Crowd(port)
            cpu, busy = cpu_seconds(resource.RUSAGE_SELF), machine_busy()
            form_s = crowd.run()  # a tip is committed before its thanks page is sent: count now
            client_cores = (cpu_seconds(resource.RUSAGE_SELF) - cpu) / form_s
            form_busy = busy_share(busy, machine_busy())
            stored = tip_count(database) - before
            log = (tmp / "gunicorn.log").read_text(errors="replace")
            access_lines = (tmp / "access.log").read_bytes().count(b"\n")
        load_after = os.getloadavg()[0]

    for row in rows:
        if row["non_ok"] or row["socket_errors"]:
            failures.append(
                f"{row['label']} ({row['server']}): {row['non_ok']} non-2xx/3xx, {row['socket_errors']} socket errors"
            )
    accepted = crowd.outcomes["accepted"]
    if stored != accepted:
        failures.append(f"report form: {stored} tips stored for {accepted} accepted submissions")
    if len(set(crowd.references)) != len(crowd.references):
        failures.append("report form: a reference number was given twice")
    for outcome, n in crowd.outcomes.items():
        if outcome not in ("accepted", "robot thanked", "limited (429)"):
            failures.append(f"report form: {n} × {outcome}")
    errors = len(re.findall(r"^Traceback|Internal Server Error|database is locked", log, re.M))
    if errors:
        failures.append(f"gunicorn's log: {errors} errors (tracebacks, 500s, database locked)")
    most = max(crowd.accepted_by_client.values(), default=0)
    limit_held = most <= TIPS_PER_HOUR

    cache_kind = "caches: Redis (REDIS_URL)" if env.get("REDIS_URL") else "caches: the defaults without REDIS_URL"
    print(
        f"\nTin Cậy bench, public portal — {started} — commit {measured} — {platform.node()}, {os.cpu_count()} cores "
        f"({cpu_model()}), Python {platform.python_version()}, {tool_versions()}; gunicorn {workers} workers × "
        f"{threads} threads (gthread, as `make demo`; {access_lines:,} access-log lines written), {cache_kind}; "
        f"load average {load_before:.1f} before, {load_after:.1f} after\n"
    )
    print(
        f"`wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --latency` after {WARM_UP_SECONDS} s of warm-up; "
        "the same machine, loopback.\n"
    )
    print(
        "| page | server | bytes | requests/s | p50 | p99 | non-2xx/3xx | socket errors | connections per process "
        "| CPU: wrk, machine | goal |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    nginx_rps = {row["label"]: row["rps"] for row in rows if row["server"] == STATIC}
    verdicts = []
    for row in rows:
        goal = ""
        if row["server"] != STATIC and row["label"] in nginx_rps:
            share = row["rps"] / nginx_rps[row["label"]]
            met = share >= GOAL_SHARE and row["p99"] < GOAL_P99_MS
            goal = f"{share:.0%} of nginx (≥ 50 %), p99 < 50 ms: {'met' if met else 'NOT met'}"
            verdicts.append((f"{row['label']} ({row['server']})", share, row["p99"], met))
        size = "" if row["bytes"] is None else f"{row['bytes']:,}"
        print(
            f"| {row['label']} | {row['server']} | {size} | {row['rps']:,.0f} | "
            f"{row['p50']:.1f} ms | {row['p99']:.1f} ms | {row['non_ok']} | {row['socket_errors']} | "
            f"{row['spread']} | {row['wrk_cores']:.1f} cores, {_percent(row['busy'])} | {goal} |"
        )
    people = len(crowd.post_ms) - crowd.robot_posts
    print(
        f"\nReport form /bao-tin-gia/: {SUBMISSIONS} visits (GET the form, POST it; a new connection each) "
        f"from {CLIENTS} clients with their own X-Forwarded-For address, every {ROBOT_EVERY}th post a "
        f"robot's (honeypot); PUBLIC_TIPS_PER_HOUR={TIPS_PER_HOUR}.\n"
    )
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| time for {SUBMISSIONS} submissions | {form_s:.1f} s ({SUBMISSIONS / form_s:.0f} submissions/s) |")
    print(f"| POST latency | p50 {_pct(crowd.post_ms, 50):.0f} ms, p99 {_pct(crowd.post_ms, 99):.0f} ms |")
    print(
        f"| visit latency (GET + POST) | p50 {_pct(crowd.visit_ms, 50):.0f} ms, p99 {_pct(crowd.visit_ms, 99):.0f} ms |"
    )
    print(f"| CPU: the clients, machine | {client_cores:.1f} cores, {_percent(form_busy)} |")
    for outcome in ("accepted", "robot thanked", "limited (429)"):
        crowd.outcomes.setdefault(outcome, 0)
    for outcome, n in sorted(crowd.outcomes.items()):
        print(f"| {outcome} | {n:,} |")
    print(f"| people's posts accepted / made | {accepted:,} / {people:,} |")
    same = "= accepted" if stored == accepted else "NOT = accepted"
    print(f"| tips stored (before → after) | {stored:,} ({before:,} → {before + stored:,}): {same} |")
    print(
        f"| most accepted from one address | {most} (limit {TIPS_PER_HOUR}/hour: "
        f"{'held' if limit_held else 'NOT held'}) |"
    )
    print(f"| errors in gunicorn's log | {errors} |")

    goals = "; ".join(
        f"{label}: {share:.0%} of nginx, p99 {p99:.1f} ms ({'met' if met else 'NOT met'})"
        for label, share, p99, met in verdicts
    )
    print(f"\nGoals (≥ 50 % of nginx's requests/s, p99 < 50 ms): {goals}.")
    if not limit_held:
        print(
            f"Warning: one address had {most} reports accepted against a limit of {TIPS_PER_HOUR}/hour "
            "(do the gunicorn workers share the count?).",
        )
    if failures:
        print("\nCorrectness checks FAILED:\n- " + "\n- ".join(failures))
        sys.exit(1)
    print("Correctness: no error page, stored = accepted, the same bytes from both servers.")


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def _pct(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


if __name__ == "__main__":
    main()
