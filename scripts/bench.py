"""`make bench`: measure the foundation on this machine and print a table.

Builds a fresh SQLite database in a temporary folder, times the org-unit import and the demo
data, then runs gunicorn as `make demo` does and sends a bounded number of requests from a
second process on loopback (Python threads, keep-alive off) to a few pages and API routes.
Numbers go to docs/benchmarks.md by hand, with the machine and the date.
"""

import http.cookiejar
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.demo_server import DEMO_PASSWORD, ROOT, demo_env, gunicorn, manage

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))


def logged_in_opener(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(f"{base}/login/", data=data.encode(), headers={"Referer": f"{base}/login/"}))
    return opener


def load(url, opener=None, headers=None):
    opener = opener or urllib.request.build_opener()

    def one(_):
        start = time.perf_counter()
        with opener.open(urllib.request.Request(url, headers=headers or {})) as r:
            r.read()
            assert r.status == 200
        return time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        times = sorted(pool.map(one, range(REQUESTS)))
    elapsed = time.perf_counter() - started
    return REQUESTS / elapsed, statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000


def main():
    env = demo_env(Path(tempfile.mkdtemp(prefix="tincay-bench-")))
    rows = [("migrate (fresh SQLite)", f"{manage(env, 'migrate', '--noinput', '-v', '0'):.2f} s", "")]
    csv = ROOT / "core" / "data" / "orgunits_kien_giang_2021.csv"
    n_units = sum(1 for _ in csv.open(encoding="utf-8")) - 1
    for label, args in (
        (f"import_orgunits --dry-run ({n_units} units)", ["--dry-run"]),
        (f"import_orgunits ({n_units} units, fresh)", []),
        ("import_orgunits again (no change)", []),
    ):
        rows.append((label, f"{manage(env, 'import_orgunits', str(csv), *args):.2f} s", "incl. Django start"))
    rows.append(("load_demo", f"{manage(env, 'load_demo', '--quiet-logins'):.2f} s", "incl. Django start"))
    manage(env, "collectstatic", "--noinput", "-v", "0")

    with gunicorn(env, workers=2) as base:
        leader = logged_in_opener(base, "lanhdao", DEMO_PASSWORD)
        district = logged_in_opener(base, "vhtt.rachgia", DEMO_PASSWORD)
        key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from core.models import *; print(ApiToken.issue(Person.objects.get(username='lanhdao'), 'bench')[1])"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        cases = [
            ("GET / (anonymous: log-in page)", f"{base}/", None, None),
            ("GET / (leader home)", f"{base}/", leader, None),
            (f"GET /orgunits/ (leader, {n_units} rows)", f"{base}/orgunits/", leader, None),
            ("GET /orgunits/ (district)", f"{base}/orgunits/", district, None),
            ("GET /audit/ (leader)", f"{base}/audit/", leader, None),
            ("GET /api/v1/orgunits?limit=200", f"{base}/api/v1/orgunits?limit=200", None,
             {"Authorization": f"Bearer {key}"}),
        ]  # fmt: skip
        for label, url, opener, headers in cases:
            load(url, opener, headers)  # warm-up
            rps, p50, p99 = load(url, opener, headers)
            rows.append((label, f"{rps:.0f} req/s", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"))

    print(
        f"\nTin Cậy bench — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite; {REQUESTS} requests x {CONCURRENCY} threads per row\n"
    )
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | result | note |")
    print(f"| {'-' * width} | --- | --- |")
    for label, result, note in rows:
        print(f"| {label.ljust(width)} | {result} | {note} |")


if __name__ == "__main__":
    main()
