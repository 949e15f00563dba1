"""`make bench`, duty-roster part: how long `roster.solver.solve` takes on the issue's size (120
people × 3 shifts × 30 days) and how fair the result is, then a re-plan after a 14-day
quarantine of one network engineer from mid-month. Every roster is verified by `check`: the
script exits non-zero if one breaks a rule (never for speed: the machine is shared).

    .venv/bin/python -m scripts.bench_roster      (BENCH_RUNS, default 3; BENCH_TIME_LIMIT, default 8)

The team: 120 people, a fifth with the network skill, a seventh with the database skill, about
a tenth with a few days of leave. Shifts every day: day 07:00–15:00 (30–40 people), evening
15:00–23:00 (25–35), night 23:00–07:00 (15–20, a night); each needs 2 with network and 1 with
database. At most 6 days in a row, 11 h of rest. December 2026, Christmas counted as a holiday.
"""

import dataclasses
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

import ortools

from roster.solver import PersonSpec, Problem, Rules, ShiftSpec, Solution, check, solve

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "8"))
GOAL_S = 10.0
START = date(2026, 12, 1)
DAYS = 30
QUARANTINE_FROM = 15  # day index: mid-month
QUARANTINE_DAYS = 14


def month_problem(seed: int = 7) -> Problem:
    rng = random.Random(seed)  # noqa: S311 (test data)
    skills = {"network": 2, "database": 1}
    shifts = [
        ShiftSpec("day", clock(7), clock(15), 30, 40, skills),
        ShiftSpec("evening", clock(15), clock(23), 25, 35, skills),
        ShiftSpec("night", clock(23), clock(7), 15, 20, skills, night=True),
    ]
    people = []
    for i in range(1, 121):
        known = {"network"} if i % 5 == 0 else set()
        if i % 7 == 0:
            known.add("database")
        unavailable = {}
        if rng.random() < 0.1:
            first, length = rng.randrange(DAYS), rng.randint(2, 10)
            unavailable = {START + timedelta(days=d): "leave" for d in range(first, min(DAYS, first + length))}
        people.append(PersonSpec(i, f"Cán bộ {i}", frozenset(known), unavailable=unavailable))
    rules = Rules(max_consecutive_days=6, min_rest_hours=11)
    return Problem(START, DAYS, shifts, people, rules, holidays=frozenset({date(2026, 12, 25)}))


def quarantine_replan(problem: Problem, first: Solution) -> tuple[Problem, int]:
    """The re-plan after one network engineer (without leave) goes into quarantine: the days
    before are kept, the first roster is the one to stay close to. Also returns the fewest
    changes possible: their shifts in the quarantine, each one out and one other in."""
    engineer = next(p for p in problem.people if "network" in p.skills and not p.unavailable)
    start = START + timedelta(days=QUARANTINE_FROM)
    away = {start + timedelta(days=d): "quarantine" for d in range(QUARANTINE_DAYS) if QUARANTINE_FROM + d < DAYS}
    people = [dataclasses.replace(p, unavailable=away) if p.id == engineer.id else p for p in problem.people]
    kept = {key: frozenset(ids) for key, ids in first.assignments.items() if key[0] < start}
    previous = {key: frozenset(ids) for key, ids in first.assignments.items()}
    lost = sum(engineer.id in ids for (day, _code), ids in first.assignments.items() if day in away)
    return dataclasses.replace(problem, people=people, fixed=kept, previous=previous), 2 * lost


def largest_deviations(problem: Problem, solution: Solution) -> dict[str, float]:
    """For shifts, nights and weekends: the largest distance, in shifts, between what someone got
    and their fair share, the total in proportion to the days they could take such a shift (here
    everyone may work every shift, every day: the days they are not on leave)."""
    period = [problem.start + timedelta(days=d) for d in range(problem.days)]
    weekend = [day for day in period if day.weekday() >= 5 or day in problem.holidays]
    found = {}
    for field, calendar in (("shifts", period), ("nights", period), ("weekends", weekend)):
        free = {p.id: sum(1 for day in calendar if day not in p.unavailable) for p in problem.people}
        total = sum(getattr(load, field) for load in solution.load.values())
        share = {person: total * days / sum(free.values()) for person, days in free.items()}
        found[field] = max(abs(getattr(solution.load[person], field) - share[person]) for person in free)
    return found


def timed_solves(problem: Problem, time_limit: float = TIME_LIMIT) -> tuple[list[float], list[Solution]]:
    seconds, solutions = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        solutions.append(solve(problem, time_limit=time_limit))
        seconds.append(time.perf_counter() - started)
    return seconds, solutions


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def spread(solution: Solution, field: str, people: set[int] | None = None) -> str:
    values = [getattr(load, field) for person, load in solution.load.items() if people is None or person in people]
    return f"{min(values)}–{max(values)}"


def main():
    problem = month_problem()
    seconds, solutions = timed_solves(problem)
    # With a 1 s limit CP-SAT has no time left after the model is built: the first roster (greedy)
    # comes back as it is, which shows how good the starting point is.
    quick_seconds, quick = timed_solves(problem, time_limit=1.0)
    replan, fewest_changes = quarantine_replan(problem, solutions[0])
    replan_seconds, replans = timed_solves(replan)

    runs = [("first", problem, x) for x in solutions + quick] + [("re-plan", replan, x) for x in replans]
    broken = [(what, violations) for what, p, x in runs if (violations := check(p, x.assignments))]
    best = min(solutions, key=lambda s: s.objective)
    full_time = {p.id for p in problem.people if not p.unavailable}
    deviations = largest_deviations(problem, best)

    print(
        f"\nTin Cậy bench, duty roster — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, OR-Tools {ortools.__version__}; "
        f"{len(problem.people)} people × {len(problem.shifts)} shifts × {DAYS} days, time limit {TIME_LIMIT:g} s, "
        f"2 workers, {RUNS} runs\n"
    )  # fmt: skip
    print("| measure | median | max | result | goal |")
    print("| --- | --- | --- | --- | --- |")
    statuses = ", ".join(sorted({s.status for s in solutions}))
    objectives = ", ".join(str(s.objective) for s in solutions)
    print(f"| generate the month | {statistics.median(seconds):.2f} s | {max(seconds):.2f} s | {statuses}; objective "
          f"{objectives} | < {GOAL_S:g} s |")  # fmt: skip
    print(f"| the first roster alone (time limit 1 s) | {statistics.median(quick_seconds):.2f} s | "
          f"{max(quick_seconds):.2f} s | {', '.join(sorted({s.status for s in quick}))}; objective "
          f"{', '.join(str(s.objective) for s in quick)} | |")  # fmt: skip
    print(f"| re-plan: {QUARANTINE_DAYS}-day quarantine of one engineer from day {QUARANTINE_FROM + 1} | "
          f"{statistics.median(replan_seconds):.2f} s | {max(replan_seconds):.2f} s | "
          f"{', '.join(sorted({s.status for s in replans}))}; changes {', '.join(str(s.changes) for s in replans)} "
          f"(fewest possible {fewest_changes}) | < {GOAL_S:g} s |")  # fmt: skip
    print()
    print(f"Fairness of the best month roster (objective {best.objective}); {len(full_time)} people without leave:\n")
    print("| count | everyone min–max | without leave min–max | largest distance from the fair share |")
    print("| --- | --- | --- | --- |")
    for field, label in (("shifts", "shifts"), ("nights", "nights"), ("weekends", "weekend and holiday shifts")):
        print(f"| {label} | {spread(best, field)} | {spread(best, field, full_time)} | "
              f"{deviations[field]:.2f} shift |")  # fmt: skip
    print()
    if broken:
        for what, violations in broken:
            print(f"CHECK FAILED ({what}): {len(violations)} violations, first: {violations[0].detail}")
        sys.exit(1)
    print(f"check: all {len(runs)} rosters keep every hard rule")


if __name__ == "__main__":
    main()
