"""`make bench`, weekly report part: a national-scale synthetic set (700 district-level units in
70 provinces, 104 weekly cycles, both sections: 145,600 sections) on SQLite and on PostgreSQL;
times the consolidation page, the 12-cycle trend and the exports, and prints a table.

    .venv/bin/python -m scripts.bench_reporting            # both databases
    .venv/bin/python -m scripts.bench_reporting --db URL   # one (used by the above)

PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432/tincay_bench), recreated.
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVINCES, DISTRICTS_PER_PROVINCE, CYCLES = 70, 10, 104
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/tincay_bench")


def build():
    """The synthetic country, written with bulk inserts (the actions are measured elsewhere)."""
    import datetime

    from django.utils import timezone

    from core.models import Organisation, OrgUnit, Person
    from core.roles import Role
    from reporting import schedule
    from reporting.models import ReportCycle, ReportForm, Submission

    rng = random.Random(700)
    country = OrgUnit(code="VN", name="Toàn quốc", level="province")
    country.save()
    dept = Organisation.objects.create(name="Bộ phận tổng hợp", kind="department", org_unit=country)
    Person.objects.create_user(
        "tonghop", password="x", full_name="Người tổng hợp", role=Role.FOCAL_POINT, organisation=dept
    )
    units, orgs = [], []
    for p in range(PROVINCES):
        province = OrgUnit(code=f"P{p:02d}", name=f"Tỉnh số {p + 1}", level="province", parent=country)
        province.save()
        for d in range(DISTRICTS_PER_PROVINCE):
            unit = OrgUnit(
                code=f"P{p:02d}D{d:02d}", name=f"Huyện {d + 1} tỉnh {p + 1}", level="district", parent=province
            )
            unit.save()
            units.append(unit)
    for unit in units:
        orgs.append(Organisation(name=f"Phòng VH-TT {unit.name}", kind="culture_office", org_unit=unit))
        orgs.append(Organisation(name=f"Trung tâm VH-TT-TT {unit.name}", kind="broadcast_centre", org_unit=unit))
    Organisation.objects.bulk_create(orgs)
    owner = {(o.org_unit_id, o.kind): o.pk for o in Organisation.objects.filter(org_unit__in=units)}
    form = ReportForm.objects.get(code="bao-cao-nhanh-tuyen-truyen")
    sections = list(form.sections.all())
    first = schedule.next_due_date(form, timezone.now()) - datetime.timedelta(days=7 * (CYCLES - 1))
    texts = ["Tuyên truyền thông điệp 5K, tiêm chủng vắc xin.", "Phát thông báo của Ban Chỉ đạo.", ""]
    for week in range(CYCLES):
        due = first + datetime.timedelta(days=7 * week)
        start, end = schedule.period_for(form, due)
        cycle = ReportCycle.objects.create(
            form=form,
            kind="weekly",
            period_start=start,
            period_end=end,
            due_at=schedule.local_due(form, due),
            root=country,
        )
        rows = []
        for unit in units:
            for section in sections:
                roll = rng.random()
                if roll < 0.05:
                    rows.append(
                        Submission(
                            cycle=cycle,
                            section=section,
                            org_unit=unit,
                            organisation_id=owner[(unit.pk, section.owner_kind)],
                        )
                    )
                    continue
                when = cycle.due_at + datetime.timedelta(hours=rng.randint(-60, 20 if roll < 0.15 else -1))
                if section.code == "vhtt":
                    values = {
                        "portal_items": rng.randint(0, 30),
                        "content": rng.choice(texts),
                        "communes": [],
                        "scope_note": "",
                        "unusual": "",
                    }
                    total = values["portal_items"]
                else:
                    items = rng.randint(0, 90)
                    values = {
                        "loudspeaker_items": items,
                        "loudspeaker_minutes": items * rng.randint(5, 15),
                        "content": rng.choice(texts),
                        "communes": [],
                        "scope_note": "",
                        "unusual": "",
                    }
                    total = items
                rows.append(
                    Submission(
                        cycle=cycle,
                        section=section,
                        org_unit=unit,
                        organisation_id=owner[(unit.pk, section.owner_kind)],
                        state="accepted" if roll > 0.5 else "submitted",
                        values=values,
                        total=total,
                        submitted_at=when,
                        first_submitted_at=when,
                    )
                )
        Submission.objects.bulk_create(rows, batch_size=2000)
    return ReportCycle.objects.filter(form=form).order_by("-due_at").first()


def timed(func, runs=RUNS):
    first_start = time.perf_counter()
    func()
    first = time.perf_counter() - first_start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return first * 1000, statistics.median(times) * 1000


def run_one(db_url: str) -> list[tuple]:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincay.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from core.access import visible_to
    from core.models import Person
    from reporting import consolidation, exports
    from reporting.models import Submission

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    start = time.perf_counter()
    cycle = build()
    built = time.perf_counter() - start
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have them
        cursor.execute("ANALYZE")
    person = Person.objects.get(username="tonghop")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(person)
    url = f"/reports/{cycle.pk}/"
    scope = visible_to(person, Submission.objects.all())

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    rows = [("build the set (145,600 sections)", f"{built:.1f} s", "")]
    for label, func in (
        ("consolidation page (GET, 700 districts)", page),
        ("consolidate() alone", lambda: consolidation.consolidate(cycle, scope.filter(cycle=cycle))),
        ("trend over 12 cycles (database)", lambda: consolidation.trend(cycle, scope)),
        ("consolidated report DOCX", lambda: exports.consolidated(cycle, scope, "docx")),
        ("consolidated report PDF", lambda: exports.consolidated(cycle, scope, "pdf")),
        ("table XLSX", lambda: exports.consolidated(cycle, scope, "xlsx")),
    ):
        first, median = timed(func, runs=3 if "PDF" in label or "DOCX" in label else RUNS)
        rows.append((label, f"{median:.0f} ms", f"first call {first:.0f} ms"))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.db:
        for row in run_one(args.db):
            print("\t".join(row))
        return
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "HTTPS": "0",
        "TASK_BACKEND": "immediate",
        "LOG_LEVEL": "WARNING",
    }
    results = {}
    with tempfile.TemporaryDirectory(prefix="tincay-bench-reporting-") as tmp:
        targets = {"SQLite": f"sqlite:///{tmp}/bench.sqlite3"}
        drop = subprocess.run(
            [sys.executable, "scripts/ensure-pg-db", PG_URL, "--recreate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if drop.returncode == 0:
            targets["PostgreSQL"] = PG_URL
        else:
            print(f"PostgreSQL skipped: {drop.stderr.strip() or drop.stdout.strip()}", file=sys.stderr)
        for name, url in targets.items():
            out = subprocess.run(
                [sys.executable, "-m", "scripts.bench_reporting", "--db", url],
                cwd=ROOT,
                env={**env, "TINCAY_VAR_DIR": tmp},
                check=True,
                capture_output=True,
                text=True,
            )
            results[name] = [line.split("\t") for line in out.stdout.strip().splitlines()]
    print(
        f"\nTin Cậy bench, weekly report — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; median of {RUNS} runs after a first call\n"
    )
    names = list(results)
    print("| measure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for i, row in enumerate(results[names[0]]):
        cells = [f"{results[n][i][1]} ({results[n][i][2]})" if results[n][i][2] else results[n][i][1] for n in names]
        print(f"| {row[0]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
