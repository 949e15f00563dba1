"""`make bench`, daily bulletin part: how long the bulletin takes to render as PDF (WeasyPrint)
and DOCX (docxtpl), as `situation.actions.approve` does when a leader issues it.

A fresh SQLite database gets the demo data (`load_demo`: 30 days of figures for the 15
districts of Kiên Giang, the last days' bulletins issued); the last issued bulletin is rendered.
Each measure runs in a fresh process, several times:
- cold: the first render in the process (matplotlib and WeasyPrint imported, fonts loaded, the
  charts drawn: nothing cached), Django already set up, as in a worker's first request;
- warm: the median of the renders after it, charts cached (`charts.cached`);
- charts redrawn: the median of renders with the cache cleared first (new figures, warm process).

    .venv/bin/python -m scripts.bench_situation            (BENCH_RUNS, BENCH_PROCESSES)
    .venv/bin/python -m scripts.bench_situation --measure pdf   (one process; used by the above)
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.demo_server import ROOT, demo_env, manage

RUNS = int(os.environ.get("BENCH_RUNS", "5"))  # warm renders per process
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "3"))  # fresh processes per format: the cold runs
GOAL_S = 3.0


def measure(fmt: str) -> dict:
    """In this (fresh) process: the cold render, then the warm ones."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincay.settings")
    import django

    django.setup()
    from django.core.cache import cache

    from situation import documents
    from situation import figures as fig
    from situation.models import Bulletin, Figure

    cache.clear()  # a shared cache (Redis) would otherwise hand this process another's charts
    bulletin = Bulletin.objects.filter(state=Bulletin.State.ISSUED).select_related("org_unit").latest("date")
    render = documents.render_pdf if fmt == "pdf" else documents.render_docx

    def timed() -> float:
        start = time.perf_counter()
        render(bulletin)
        return time.perf_counter() - start

    start = time.perf_counter()
    data = render(bulletin)
    cold = time.perf_counter() - start
    warm = [timed() for _ in range(RUNS)]
    redrawn = []
    for _ in range(RUNS):
        cache.clear()
        redrawn.append(timed())
    root = fig.root_unit()
    return {
        "cold": cold,
        "warm": statistics.median(warm),
        "redrawn": statistics.median(redrawn),
        "bytes": len(data),
        "pages": _pages(data) if fmt == "pdf" else None,
        "districts": len(fig.districts(root)),
        "days": Figure.objects.filter(org_unit__parent=root).values("date").distinct().count(),
    }


def _in_fresh_process(fmt: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "scripts.bench_situation", "--measure", fmt],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _pages(pdf: bytes) -> int | None:
    """The page count from pdfinfo (poppler-utils, a system dependency of the tests)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        try:
            info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(found.group(1)) if found else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measure", choices=["pdf", "docx"])
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="tincay-bench-situation-") as tmp:
        env = {**demo_env(Path(tmp)), "LOG_LEVEL": "WARNING"}  # the demo's emails stay queued, unsent
        manage(env, "migrate", "--noinput", "-v", "0")
        demo_s = manage(env, "load_demo", "--quiet-logins")
        for fmt in ("pdf", "docx"):
            results[fmt] = [_in_fresh_process(fmt, env) for _ in range(PROCESSES)]
    first = results["pdf"][0]
    print(
        f"\nTin Cậy bench, daily bulletin — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {first['districts']} districts, "
        f"{first['days']} days of figures (load_demo {demo_s:.1f} s); {PROCESSES} processes per format, "
        f"medians of {RUNS} renders each\n"
    )
    print("| measure | median | range | goal |")
    print("| --- | --- | --- | --- |")
    for fmt, label in (("pdf", "PDF (WeasyPrint)"), ("docx", "DOCX (docxtpl)")):
        runs = results[fmt]
        for key, what in (
            ("cold", "cold: first render in a process"),
            ("warm", "warm: charts cached"),
            ("redrawn", "warm process, charts redrawn"),
        ):
            values = [r[key] * 1000 for r in runs]
            print(
                f"| bulletin {label}, {what} | {statistics.median(values):.0f} ms | "
                f"{min(values):.0f}–{max(values):.0f} ms | < {GOAL_S:.0f} s |"
            )
    print(
        f"\nPDF {results['pdf'][0]['bytes'] / 1024:.0f} KiB, {results['pdf'][0]['pages']} pages; "
        f"DOCX {results['docx'][0]['bytes'] / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
