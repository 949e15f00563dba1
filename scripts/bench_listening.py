"""`make bench`, listening part: posts pushed by a listening tool through the real API, end to end
(JSON lines → stored posts → alerts), on SQLite and on PostgreSQL; prints a table.

    .venv/bin/python -m scripts.bench_listening            # both databases
    .venv/bin/python -m scripts.bench_listening --db URL   # one (used by the above)

Each database is fresh: migrated, the demo's org units, people and two watchlists (the province's
tree to place posts in, the inspector whose token pushes), then 10,000 synthetic claims (the
claim generator of scripts/bench_matcher.py). BENCH_LISTENING_POSTS posts (default 100,000): a
tenth repeat a claim in informal forms (words dropped, no diacritics, teencode, inside chatter),
the rest are everyday posts (the rumours set's true news and unrelated posts, recombined). They
go as `POST /api/v1/listening/posts?source=…` in requests of 10,000 lines with a Bearer token to
a real gunicorn on loopback: one worker and one request at a time (one core), then two workers
with two clients at once (both cores). Where the time goes in one request of 10,000 posts is
measured in-process, through Django's test client, with timers around the steps of
listening.ingest and around each SQL statement.

PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432/tincay_bench), recreated.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from scripts import demo_server
from scripts.bench_matcher import DATA, repeat_of, synthetic_claims, word_pool

ROOT = Path(__file__).resolve().parent.parent
POSTS = int(os.environ.get("BENCH_LISTENING_POSTS", "100000"))
BATCH = 10_000  # listening.ingest.MAX_LINES: the most one request may carry
REPEATS = 0.10
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/tincay_bench")
PUSH = "/api/v1/listening/posts"
ORG_UNITS = ROOT / "core" / "data" / "orgunits_kien_giang_2021.csv"
# Teencode a repeat may be written in (folded words → what people type); the matcher expands them.
TEENCODE = {"khong": "ko", "duoc": "dc", "nguoi": "ng", "voi": "vs", "biet": "bik", "nuoc": "nc", "roi": "r",
            "cung": "cx", "benh vien": "bv"}  # fmt: skip
HANDLES = ["ba.tu.rachgia", "minhthu.pq", "tin.nong.mien.tay", "nguyen.lan.9x", "Rạch Giá 24h"]


def informal(rng, text: str) -> str:
    """The text as typed in a hurry: teencode for most words that have one, an emoji or a link."""
    from vntext import fold

    words = []
    for word in text.split():
        short = TEENCODE.get(fold(word))
        words.append(short if short and rng.random() < 0.7 else word)
    return " ".join(words) + rng.choice(["", " 😱😱", "!!!", " https://bit.ly/3xYz"])


def everyday(rng, sentences: list[str], places: list[str]) -> str:
    """A post that repeats no claim: one or two of the rumours set's true news and unrelated
    posts (selling, weather, football, official news), with a place, a price or an emoji."""
    text = " ".join(rng.sample(sentences, rng.choice((1, 1, 2))))
    return text + rng.choice(("", f" {rng.choice(places)}", " 😂😂", f" inbox {rng.randint(1, 99)}k", " ai biết ko"))


def synthetic_set(posts: int = POSTS):
    """10,000 claims ({key: text}) and the posts as JSON lines ([(line, claim key or None)])."""
    rng = random.Random(2021)  # noqa: S311 (test data)
    words, weights = word_pool(rng)
    claims = synthetic_claims(rng, words, weights)
    keys = list(claims)
    rumours = [json.loads(line) for line in (DATA / "posts.jsonl").open(encoding="utf-8")]
    sentences = [post["text"] for post in rumours if post["expected"] is None]
    places = [row["name"] for row in csv.DictReader(ORG_UNITS.open(encoding="utf-8"))]
    start = datetime.datetime(2021, 8, 1, tzinfo=datetime.UTC)
    lines = []
    for i in range(posts):
        target = rng.choice(keys) if rng.random() < REPEATS else None
        if target:
            text = informal(rng, repeat_of(rng, claims[target], words, weights))
        else:
            text = everyday(rng, sentences, places)
        published = (start + datetime.timedelta(seconds=i)).isoformat()
        item = {"id": f"p{i}", "text": text, "url": f"https://facebook.com/groups/kg/posts/{10**9 + i}",
                "author": rng.choice(HANDLES), "published_at": published, "reactions": rng.randint(0, 300),
                "comments": rng.randint(0, 40), "shares": rng.randint(0, 20)}  # fmt: skip
        lines.append((json.dumps(item, ensure_ascii=False), target))
    return claims, lines


def bodies(lines, prefix: str) -> list[bytes]:
    """Requests of BATCH lines; ids prefixed so each run stores new posts."""
    out = []
    for start in range(0, len(lines), BATCH):
        chunk = [line.replace('"id": "p', f'"id": "{prefix}', 1) for line, _target in lines[start : start + BATCH]]
        out.append("\n".join(chunk).encode())
    return out


def gunicorn(env: dict, workers: int):
    """gunicorn as `make demo` runs it, but with sync workers: a busy worker takes no second
    request (a gthread worker queues it), so two clients get two workers; no 30 s limit."""
    return demo_server.gunicorn(env, workers=workers, threads=1, worker_class="sync", timeout=600)


def push(url: str, key: str, source: str, body: bytes) -> dict:
    request = urllib.request.Request(
        f"{url}{PUSH}?source={source}", data=body, method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def end_to_end(url: str, key: str, requests: list[bytes], clients: int, source: str) -> tuple[float, int, int]:
    """Push the requests from `clients` threads at once: (seconds, posts stored, alerts)."""
    results, errors = [], []

    def client(mine):
        try:
            results.extend(push(url, key, source, body) for body in mine)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(requests[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed, sum(r["stored"] for r in results), sum(r["alerts"] for r in results)


class Timers:
    """Seconds spent in wrapped functions, and in SQL statements by kind."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.posts_inserted = False

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def wrapping(self, owner, attribute: str, name: str):
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)

        setattr(owner, attribute, timed)
        try:
            yield
        finally:
            setattr(owner, attribute, original)

    def sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            text = sql.lstrip().upper()
            if text.startswith("INSERT") and "LISTENING_POST" in text[:40]:
                kind = "SQL: insert posts"
                self.posts_inserted = True
            elif text.startswith("INSERT") and "LISTENING_ALERT" in text[:40]:
                kind = "SQL: insert alerts"
            elif text.startswith("SELECT") and '"LISTENING_POST"."EXTERNAL_ID"' in text[:200]:
                kind = "SQL: read back the new posts" if self.posts_inserted else "SQL: ids already stored"
            else:
                kind = "SQL: other"
            self.add(kind, time.perf_counter() - started)


def breakdown(person, body: bytes, source: str) -> list[tuple[str, float]]:
    """One request through Django's test client, with timers around the steps of the ingest."""
    from django.db import connection
    from django.db.models.query import QuerySet
    from django.test import Client

    from listening import ingest, screening
    from vntext.matching import Matcher

    timers = Timers()
    client = Client(HTTP_HOST="127.0.0.1")
    key = _token(person)
    # As in a running worker: the claims and places already loaded by an earlier request.
    warm_up = client.post(f"{PUSH}?source={source}", b'{"id": "warm-up", "text": "ok"}',
                          content_type="application/x-ndjson", headers={"authorization": f"Bearer {key}"})  # fmt: skip
    assert warm_up.status_code == 200, warm_up.content[:500]
    steps = [
        (ingest, "ingest", "ingest"),
        (ingest, "store", "store"),
        (ingest, "_post", "validate"),
        (screening.Screener, "__init__", "screener"),
        (screening.Screener, "place", "place"),
        (screening.Screener, "alerts_for", "alerts_for"),
        (Matcher, "match", "match"),
        (screening.Screener, "watch", "watch"),
        (QuerySet, "bulk_create", "bulk_create"),
    ]
    with connection.execute_wrapper(timers.sql):
        wrappers = [timers.wrapping(owner, attribute, name) for owner, attribute, name in steps]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            started = time.perf_counter()
            response = client.post(f"{PUSH}?source={source}", body, content_type="application/x-ndjson",
                                   headers={"authorization": f"Bearer {key}"})  # fmt: skip
            total = time.perf_counter() - started
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
    assert response.status_code == 200, response.content[:500]
    result = response.json()
    s = timers.seconds
    in_store = ("validate", "screener", "place", "alerts_for", "bulk_create")
    rows = [
        (f"whole request ({result['stored']:,} stored, {result['alerts']:,} alerts)", total),
        ("request: token, body, source, JSON response (outside `ingest`)", total - s["ingest"]),
        ("parse: JSON lines (`ingest` before `store`)", s["ingest"] - s["store"]),
        ("validate: `_post` per line", s["validate"]),
        ("claims, places, watchlists, loaded already (`Screener()`)", s["screener"]),
        ("place: the district a post names (`Screener.place`)", s["place"]),
        ("screening: claim matcher (`Matcher.match`)", s["match"]),
        ("screening: watchlists (`Screener.watch`)", s["watch"]),
        ("screening: rest of `alerts_for` (Alert objects)", s["alerts_for"] - s["match"] - s["watch"]),
        ("DB writes: `bulk_create` of posts and alerts (ORM and SQL)", s["bulk_create"]),
        ("rest of `store`: ids already stored, posts read back, commit", s["store"] - sum(s[k] for k in in_store)),
    ]
    rows += [(f"SQL alone (inside the above): {name[5:]}", seconds) for name, seconds in sorted(s.items())
             if name.startswith("SQL")]  # fmt: skip
    return rows


def _token(person) -> str:
    from core.models import ApiToken

    return ApiToken.issue(person, "bench")[1]


def setting() -> None:
    """The demo's org units and people (core.demo) and its two watchlists (listening.demo), not
    its posts and claims: the posts to place, the watchlists to check, an inspector to push."""
    from core import demo
    from core.models import OrgUnit
    from listening.demo import WATCHLISTS
    from listening.models import Watchlist

    demo.load()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[code for *_rest, code in WATCHLISTS])}
    for name, phrases, mode, within, code in WATCHLISTS:
        Watchlist.objects.create(name=name, phrases=phrases, mode=mode, within=within, org_unit=units.get(code))


def run_one(db_url: str) -> dict:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincay.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from core.models import Person
    from listening.models import Alert
    from misinfo.models import Claim

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    setting()
    claims, lines = synthetic_set()
    Claim.objects.bulk_create([Claim(statement=text, external_id=k) for k, text in claims.items()], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    person = Person.objects.filter(role="inspector", is_active=True).order_by("pk").first()
    key = _token(person)
    connection.close()  # gunicorn writes now

    out = {}
    env = {**os.environ, "DATABASE_URL": db_url}
    for workers, label in ((1, "one"), (2, "two")):
        requests = bodies(lines, f"{label}-")
        warm_up = bodies(lines[: 2000 * workers], f"warm-{label}-")[0].split(b"\n")
        with gunicorn(env, workers) as url:
            started = time.perf_counter()
            push(url, key, "warm-up", warm_up[0])  # the worker loads the claims and places
            first = time.perf_counter() - started
            # Requests that take a while, one per client at once: every worker gets one.
            slices = [b"\n".join(warm_up[1:][i::workers]) for i in range(workers)]
            end_to_end(url, key, slices, workers, "warm-up")
            elapsed, stored, alerts = end_to_end(url, key, requests, workers, f"bench-{label}")
        out[label] = {"seconds": elapsed, "stored": stored, "alerts": alerts, "first": first}

    # Quality at scale: the repeats alerted with the right claim; the everyday posts alerted.
    by_pk = dict(Claim.objects.values_list("pk", "external_id"))
    found = {
        external[4:]: (by_pk.get(claim), level)  # "one-p17" → "17"
        for external, claim, level in Alert.objects.filter(post__source__name="bench-one").values_list(
            "post__external_id", "claim_id", "level"
        )
    }
    repeats = [(f"{i}", target) for i, (_line, target) in enumerate(lines) if target]
    out["recall"] = sum(1 for i, target in repeats if found.get(i, (None,))[0] == target), len(repeats)
    others = [found.get(f"{i}", (None, None))[1] for i, (_line, target) in enumerate(lines) if not target]
    out["false"] = {level: others.count(level) for level in ("auto", "suggest", "watch")} | {"of": len(others)}
    sample = lines[BATCH : 2 * BATCH] or lines[:BATCH]  # the ids get their own prefix: new posts either way
    out["breakdown"] = breakdown(person, bodies(sample, "inproc-")[0], "bench-inprocess")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.db:
        print(json.dumps(run_one(args.db)))
        return
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"), "HTTPS": "0", "DEBUG": "0",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory(prefix="tincay-bench-listening-") as tmp:
        targets = {"SQLite": f"sqlite:///{tmp}/bench.sqlite3"}
        drop = subprocess.run([sys.executable, "scripts/ensure-pg-db", PG_URL, "--recreate"], cwd=ROOT, env=env,
                              capture_output=True, text=True)  # fmt: skip
        if drop.returncode == 0:
            targets["PostgreSQL"] = PG_URL
        else:
            print(f"PostgreSQL skipped: {drop.stderr.strip() or drop.stdout.strip()}", file=sys.stderr)
        for name, url in targets.items():
            out = subprocess.run([sys.executable, "-m", "scripts.bench_listening", "--db", url], cwd=ROOT,
                                 env={**env, "TINCAY_VAR_DIR": tmp}, capture_output=True, text=True)  # fmt: skip
            if out.returncode:
                sys.exit(f"{name}: {out.stderr[-3000:]}")
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    names = list(results)
    print(f"\nTin Cậy bench, listening ingest — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; {POSTS:,} posts in requests of "
          f"{BATCH:,} lines over loopback to gunicorn (sync workers), 10,000 claims\n")  # fmt: skip
    print("| measure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))

    def row(label, cell):
        print(f"| {label} | " + " | ".join(cell(results[n]) for n in names) + " |")

    for label, key in (("1 worker, one request at a time", "one"), ("2 workers, 2 clients at once", "two")):
        row(f"end to end, {label}", lambda r, k=key: f"{r[k]['stored'] / r[k]['seconds']:,.0f} posts/s "
            f"({r[k]['stored']:,} stored, {r[k]['alerts']:,} alerts in {r[k]['seconds']:.1f} s)")  # fmt: skip
    row("a worker's first request (it loads the claims and places)", lambda r: f"{r['one']['first']:.2f} s")
    row("repeats of a claim alerted with the right claim", lambda r: f"{r['recall'][0]:,}/{r['recall'][1]:,}")
    row("everyday posts alerted: auto-linked / suggested / watchlist", lambda r: f"{r['false']['auto']:,} / "
        f"{r['false']['suggest']:,} / {r['false']['watch']:,} of {r['false']['of']:,}")  # fmt: skip
    print(f"\nWhere the time goes in one request of {BATCH:,} posts (in-process, Django test client):\n")
    print("| step | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for i, (label, _seconds) in enumerate(results[names[0]]["breakdown"]):
        cells = []
        for n in names:
            seconds = results[n]["breakdown"][i][1]
            total = results[n]["breakdown"][0][1]
            cells.append(f"{seconds * 1000:,.0f} ms" + (f" ({seconds / total:.0%})" if i else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
