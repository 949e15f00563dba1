"""Duty rosters: who works which shift on which day, for a team over a period (a month of the
hotline, the data centre's on-call, the office's on-site/remote rotation during an epidemic).

Pure Python over OR-Tools CP-SAT, no Django: the roster app turns its models into the plain
dataclasses below and calls

- `solve(problem)`: a roster that meets every hard rule and spreads the load fairly, or
  `Infeasible` whose reasons name the rule, the day, the shift and the person at fault;
- `check(problem, assignments)`: every hard rule a plan breaks (manual changes, swaps), in plain
  Python, independent of the solver (the tests verify every solution with it);
- `suggest_replacements(...)`: who could take someone's place on a shift, best first.

Hard rules: min/max people on each shift on the days it runs (nobody on other days); at least N
people with a skill on a shift; a person only on the shifts they may work and never on a day they
are unavailable; at most `max_shifts_per_day`; at most `max_consecutive_days` days in a row with
a shift; at least `min_rest_hours` between the end of a shift and the start of the next. Kept
slots (`fixed`) stay as they are, and the days just before the period (`history`) count for the
rest and consecutive-days rules.

Choices the roster app must know:

- A shift belongs to the day it starts: the night 23:00–07:00 of a Friday is Friday's, a weekday,
  and makes Friday a worked day. A shift whose end is not after its start ends the next day
  (08:00–08:00 is a 24-hour on-call).
- `ShiftSpec.works=False` marks a presence that is not work time (remote, standby at home): it
  still takes the person's place in the day (`max_shifts_per_day`, unavailability, the shifts
  they may work, min/max people) but is ignored by the rest and consecutive-days rules and by
  fairness. On-call is work (`works=True`, the default) unless the team decides otherwise.
- `fixed[(day, code)]` keeps exactly those people on that slot, nobody else. The kept slots must
  obey the rules themselves; if they do not, `Infeasible` says so with rule "fixed".
- A shift gets `min_people` unless more are needed (skills, kept slots): an extra person costs as
  much as a change, more than any fairness gain.
- Fairness spreads three counts over the people who may take them, in proportion to the days
  each one can take them (someone on leave half the month gets about half): work shifts, night
  shifts, and work shifts starting on a Saturday, Sunday or holiday. For each count the objective
  adds the largest deviation from the fair share (times the number of people) and the sum of the
  deviations, in hundredths of a shift. In a re-plan (`previous`) every change weighs more than
  any fairness gain, so a quarantine changes only what it must.
- Determinism: CP-SAT with `workers=1` and the same seed follows the same search; the result is
  the same when it stops on its own (optimal) or at `work_limit` (deterministic time), not
  necessarily when it stops at the wall-clock `time_limit`.

Explanations: cheap counting checks first (a slot; a day; slots on two or three days tied by the
rest rule; a window of `max_consecutive_days + 1` days; each for everyone, then for each skill),
each naming the day, the shift and who is absent. If
they pass but CP-SAT proves the rules contradictory, the model is built again with every group of
constraints (a rule on a day for a shift, or for a person) behind its own assumption literal;
CP-SAT's sufficient assumptions for infeasibility give a set of groups, shrunk one group at a
time while time allows, and each group becomes a `Reason`.
"""

import datetime as dt
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ortools.sat.python import cp_model

__all__ = [
    "RULES", "Candidate", "Infeasible", "Load", "PersonSpec", "Problem", "Reason", "Rules", "ShiftSpec", "Solution",
    "Violation", "check", "explain", "solve", "suggest_replacements",
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# The problem, the answer


@dataclass(frozen=True)
class ShiftSpec:
    """One kind of shift, on every day it runs."""

    code: str  # unique in a problem: "day", "night", "oncall", "onsite", "remote"…
    start: dt.time
    end: dt.time  # end <= start: it ends the next day
    min_people: int
    max_people: int
    skills: Mapping[str, int] = field(default_factory=dict)  # skill -> at least this many with it
    weekdays: frozenset[int] = frozenset(range(7))  # 0 = Monday
    night: bool = False  # counts as a night for fairness
    works: bool = True  # False: a presence that is not work time (see the module's docstring)

    @property
    def hours(self) -> float:
        start, end = _interval(self, REFERENCE_DAY)
        return (end - start).total_seconds() / 3600


@dataclass(frozen=True)
class PersonSpec:
    id: int
    name: str
    skills: frozenset[str] = frozenset()
    shifts: frozenset[str] | None = None  # the shift codes this person may work; None = all
    unavailable: Mapping[date, str] = field(default_factory=dict)  # day -> "leave", "quarantine", "F1"…


@dataclass(frozen=True)
class Rules:
    max_consecutive_days: int = 6  # days in a row with a work shift
    min_rest_hours: int = 11  # between the end of one work shift and the start of the next
    max_shifts_per_day: int = 1  # shifts of any kind starting on the same day


@dataclass
class Problem:
    start: date
    days: int
    shifts: Sequence[ShiftSpec]
    people: Sequence[PersonSpec]
    rules: Rules = field(default_factory=Rules)
    holidays: frozenset[date] = frozenset()  # count as weekend days for fairness
    fixed: Mapping[tuple[date, str], frozenset[int]] = field(default_factory=dict)  # kept exactly
    previous: Mapping[tuple[date, str], frozenset[int]] = field(default_factory=dict)  # to stay close to
    history: Mapping[tuple[date, str], frozenset[int]] = field(default_factory=dict)  # days before start

    def date(self, index: int) -> date:
        return self.start + timedelta(days=index)


@dataclass(frozen=True)
class Load:
    """What a plan gives one person over the period (history not counted)."""

    shifts: int = 0  # work shifts (works=True)
    nights: int = 0  # work shifts marked night
    weekends: int = 0  # work shifts starting on a Saturday, Sunday or holiday
    hours: float = 0.0  # of the work shifts
    standby: int = 0  # shifts that are not work time (works=False)


@dataclass
class Solution:
    assignments: dict[tuple[date, str], tuple[int, ...]]  # every slot that runs, people ids sorted
    status: str  # "optimal" or "feasible" (the best found in the time limit)
    seconds: float  # wall time of `solve`, checks and model building included
    objective: int  # lower is better: changes and extra people weigh most, then fairness
    load: dict[int, Load]
    changes: int  # (day, shift, person) that differ from `previous`


@dataclass(frozen=True)
class Violation:
    """A hard rule a plan breaks."""

    rule: str  # see RULES
    day: date | None
    shift: str | None
    person: int | None
    detail: str  # a short English sentence for logs
    needed: int | None = None
    actual: int | None = None
    skill: str | None = None

    def key(self) -> tuple:
        return (self.rule, self.day, self.shift, self.person, self.skill)


@dataclass(frozen=True)
class Reason:
    """Why the rules cannot all be met. The roster app writes the Vietnamese message from the
    structured fields; `detail` is for logs."""

    rule: str  # see RULES
    day: date | None = None  # the (first) day concerned
    shift: str | None = None
    person: int | None = None
    needed: int | None = None
    available: int | None = None
    detail: str = ""
    skill: str | None = None  # rule "skill"; also a rest group or a window of days short of a skill
    last_day: date | None = None  # for a reason over several days (rest, consecutive days)
    absent: tuple[int, ...] = ()  # who could have helped but is unavailable that day
    cells: tuple[tuple[date, str], ...] = ()  # the slots that compete for the same people
    violates: str | None = None  # rule "fixed": the rule the kept slot breaks


@dataclass(frozen=True)
class Candidate:
    """Someone who could take a place on a shift without breaking a rule."""

    person: int
    name: str
    load: Load  # in the plan as it is
    reason: str  # a short English sentence: why this rank


class Infeasible(Exception):
    """The hard rules cannot all be met. `proven` is False when the solver ran out of time
    without finding a roster or proving there is none (reason "time_limit")."""

    def __init__(self, reasons: list[Reason], proven: bool = True):
        self.reasons = reasons
        self.proven = proven
        super().__init__("; ".join(reason.detail for reason in reasons))


RULES = {
    "min_people": "too few people on a shift (shift None: on a day, one shift each)",
    "max_people": "too many people on a shift, or anybody on a day it does not run",
    "skill": "too few people with a skill on a shift (shift None: on a day, one shift each)",
    "not_allowed": "a person on a shift they may not work",
    "unavailable": "a person on a day they are unavailable",
    "max_shifts_per_day": "more shifts in a day than allowed",
    "max_consecutive_days": "more days in a row than allowed (no person: a window of days, day to last_day, that "
    "needs more person-days than the people can give)",
    "min_rest": "too little rest between two shifts (no person: slots on several days that need more people than "
    "can take them, listed in `cells`)",
    "fixed": "a kept slot changed, or a kept slot that breaks a rule (see `violates`)",
    "unknown_shift": "a plan names a shift the problem does not have",
    "unknown_person": "a plan names a person the problem does not have",
    "outside_period": "a plan names a day outside the period",
    "time_limit": "no roster found in the time limit, and no proof that none exists",
    "rules": "the rules cannot hold together; no smaller explanation found in time",
}

# ---------------------------------------------------------------------------------------------
# The calendar: days by index from the start (negative before it), shift times, the rest rule

REFERENCE_DAY = date(2000, 1, 3)  # any day: shift times do not depend on the date (no DST here)


def _interval(shift: ShiftSpec, day: date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, shift.start)
    end = dt.datetime.combine(day, shift.end)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def _rest_hours(first: ShiftSpec, first_day: date, second: ShiftSpec, second_day: date) -> float:
    """Hours from the end of the earlier of two shifts to the start of the later one; negative
    when they overlap."""
    a, b = _interval(first, first_day), _interval(second, second_day)
    if b[0] < a[0]:
        a, b = b, a
    return (b[0] - a[1]).total_seconds() / 3600


def _rest_conflicts(shifts: Sequence[ShiftSpec], rest: int) -> dict[str, list[tuple[int, str]]]:
    """For each shift code, the (days later, shift code) that cannot follow it for the same
    person: too little rest in between. Each pair appears once: the later day's side, or on the
    same day the shift listed later in the problem."""
    order = {shift.code: i for i, shift in enumerate(shifts)}
    span = rest // 24 + 3  # a shift lasts at most 24 h: further apart, always rested
    conflicts: dict[str, list[tuple[int, str]]] = {shift.code: [] for shift in shifts}
    for first in shifts:
        for second in shifts:
            if not (first.works and second.works):
                continue
            for later in range(span + 1):
                if later == 0 and order[second.code] <= order[first.code]:
                    continue
                second_day = REFERENCE_DAY + timedelta(days=later)
                if _rest_hours(first, REFERENCE_DAY, second, second_day) < rest:
                    conflicts[first.code].append((later, second.code))
    return conflicts


Cell = tuple[int, str]  # (day index, shift code): one slot of the roster


class _Roster:
    """The problem made easy to ask: days by index, shifts by code, who can take which slot,
    which slots are too close together for the rest rule."""

    def __init__(self, problem: Problem):
        _validate(problem)
        self.problem = problem
        self.rules = problem.rules
        self.days = range(problem.days)
        self.shift = {shift.code: shift for shift in problem.shifts}
        self.person = {person.id: person for person in problem.people}
        self.cells: list[Cell] = [(d, s.code) for d in self.days for s in problem.shifts if self.runs(d, s.code)]
        self.fixed: dict[Cell, frozenset[int]] = {
            (self.index(day), code): frozenset(ids) for (day, code), ids in problem.fixed.items()
        }
        self.history: dict[int, list[Cell]] = defaultdict(list)  # person -> cells before the start
        for (day, code), ids in sorted(problem.history.items()):
            for person in sorted(ids):
                if person in self.person:  # someone who left the team no longer matters
                    self.history[person].append((self.index(day), code))
        self.conflicts = _rest_conflicts(problem.shifts, self.rules.min_rest_hours)
        self._candidates: dict[Cell, list[int]] = {}

    def index(self, day: date) -> int:
        return (day - self.problem.start).days

    def date(self, index: int) -> date:
        return self.problem.date(index)

    def runs(self, d: int, code: str) -> bool:
        return self.date(d).weekday() in self.shift[code].weekdays

    def is_weekend(self, d: int) -> bool:
        day = self.date(d)
        return day.weekday() >= 5 or day in self.problem.holidays

    def may_work(self, person: int, code: str) -> bool:
        allowed = self.person[person].shifts
        return allowed is None or code in allowed

    def is_available(self, person: int, d: int) -> bool:
        return self.date(d) not in self.person[person].unavailable

    def candidates(self, cell: Cell) -> list[int]:
        """Who may take this slot: allowed on the shift and available that day."""
        if cell not in self._candidates:
            d, code = cell
            self._candidates[cell] = [
                p.id for p in self.problem.people if self.may_work(p.id, code) and self.is_available(p.id, d)
            ]
        return self._candidates[cell]

    def staff_options(self, cell: Cell) -> list[int]:
        """Who can be on this slot in a roster: its kept people, or its candidates."""
        if cell in self.fixed:
            return sorted(self.fixed[cell])
        return self.candidates(cell)

    def absent(self, d: int, code: str | None = None, skill: str | None = None) -> tuple[int, ...]:
        """Who would be allowed (on this shift, or any shift running that day) but is unavailable."""
        codes = [code] if code else [c for c in self.shift if self.runs(d, c)]
        return tuple(
            p.id
            for p in self.problem.people
            if not self.is_available(p.id, d)
            and any(self.may_work(p.id, c) for c in codes)
            and (skill is None or skill in p.skills)
        )

    def names(self, people: Iterable[int], d: int | None = None) -> str:
        """'Nguyễn Văn A (quarantine), Trần Thị B (leave)': with the reason when `d` is given."""
        parts = []
        for person in people:
            name, reason = self.person[person].name, None
            if d is not None:
                reason = self.person[person].unavailable.get(self.date(d))
            parts.append(f"{name} ({reason})" if reason else name)
        return ", ".join(parts) or "nobody"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _validate(problem: Problem) -> None:
    """Mistakes of the caller, not of the rules: a ValueError, never Infeasible."""
    if problem.days < 1:
        raise ValueError("a roster needs at least one day")
    codes = [shift.code for shift in problem.shifts]
    if len(set(codes)) != len(codes):
        raise ValueError(f"shift codes must be unique: {codes}")
    for shift in problem.shifts:
        if not 0 <= shift.min_people <= shift.max_people:
            raise ValueError(f"shift {shift.code}: need 0 <= min_people <= max_people")
        if any(count < 0 for count in shift.skills.values()) or not shift.weekdays <= set(range(7)):
            raise ValueError(f"shift {shift.code}: skill counts >= 0 and weekdays in 0..6")
    ids = [person.id for person in problem.people]
    if len(set(ids)) != len(ids):
        raise ValueError("person ids must be unique")
    rules = problem.rules
    if rules.max_consecutive_days < 1 or rules.min_rest_hours < 0 or rules.max_shifts_per_day < 1:
        raise ValueError("rules: max_consecutive_days >= 1, min_rest_hours >= 0, max_shifts_per_day >= 1")
    end = problem.date(problem.days)
    for (day, code), people in problem.fixed.items():
        if not problem.start <= day < end or code not in codes or not set(people) <= set(ids):
            raise ValueError(f"fixed slot {day} {code}: day in the period, a known shift and known people")
    for day, code in problem.history:
        if day >= problem.start or code not in codes:
            raise ValueError(f"history slot {day} {code}: a day before the start and a known shift")


# ---------------------------------------------------------------------------------------------
# check: every hard rule over a plan, in plain Python


def check(problem: Problem, assignments: Mapping[tuple[date, str], Iterable[int]]) -> list[Violation]:
    """Every hard rule the plan breaks, `history` counted at the start; [] when it is clean."""
    roster = _Roster(problem)
    plan, violations = _read_plan(roster, assignments)
    cells = set(roster.cells) | set(plan) | set(roster.fixed)
    for cell in sorted(cells):
        violations += _slot_violations(roster, cell, plan.get(cell, frozenset()))
    for person in roster.person:
        violations += _person_violations(roster, person, _cells_of(roster, plan, person))
    return sorted(violations, key=_violation_order)


def _violation_order(violation: Violation) -> tuple:
    return (violation.day or date.min, violation.rule, violation.shift or "", violation.person or 0)


def _read_plan(roster: _Roster, assignments: Mapping) -> tuple[dict[Cell, frozenset[int]], list[Violation]]:
    """The plan by (day index, code), and what in it cannot be read (unknown shift, person, day)."""
    plan: dict[Cell, frozenset[int]] = {}
    unknown = []
    for (day, code), people in assignments.items():
        people = frozenset(people)
        if code not in roster.shift:
            if people:
                unknown.append(Violation("unknown_shift", day, code, None, f"no shift {code} in this roster"))
        elif not 0 <= roster.index(day) < roster.problem.days:
            if people:
                unknown.append(Violation("outside_period", day, code, None, f"{day} is outside the period"))
        else:
            for person in sorted(people - roster.person.keys()):
                unknown.append(Violation("unknown_person", day, code, person, f"person #{person} is not in the team"))
            plan[(roster.index(day), code)] = people & roster.person.keys()
    return plan, unknown


def _slot_violations(roster: _Roster, cell: Cell, people: frozenset[int]) -> list[Violation]:
    """The rules of one slot: kept people, min/max, skills, who may be there."""
    d, code = cell
    day, shift = roster.date(d), roster.shift[code]
    found = []

    def add(rule, person=None, **fields):
        found.append(Violation(rule, day, code, person, **fields))

    if cell in roster.fixed and people != roster.fixed[cell]:
        add("fixed", detail=f"{day} {code} is kept as {roster.names(sorted(roster.fixed[cell]))}",
            needed=len(roster.fixed[cell]), actual=len(people))  # fmt: skip
    if not roster.runs(d, code):
        if people:
            add("max_people", detail=f"{code} does not run on {day:%A} {day}", needed=0, actual=len(people))
        return found
    if len(people) < shift.min_people:
        add("min_people", detail=f"{day} {code} needs {_people(shift.min_people)}, has {len(people)}",
            needed=shift.min_people, actual=len(people))  # fmt: skip
    if len(people) > shift.max_people:
        add("max_people", detail=f"{day} {code} takes at most {_people(shift.max_people)}, has {len(people)}",
            needed=shift.max_people, actual=len(people))  # fmt: skip
    for skill, needed in sorted(shift.skills.items()):
        having = sum(1 for person in people if skill in roster.person[person].skills)
        if having < needed:
            add("skill", detail=f"{day} {code} needs {needed} with {skill}, has {having}",
                needed=needed, actual=having, skill=skill)  # fmt: skip
    for person in sorted(people):
        name = roster.person[person].name
        if not roster.may_work(person, code):
            add("not_allowed", person, detail=f"{name} may not work {code}")
        if not roster.is_available(person, d):
            add(
                "unavailable",
                person,
                detail=f"{name} is unavailable on {day} ({roster.person[person].unavailable[day]})",
            )
    return found


def _cells_of(roster: _Roster, plan: Mapping[Cell, frozenset[int]], person: int) -> list[Cell]:
    """A person's slots: the days before the start (history), then the plan's."""
    return roster.history.get(person, []) + sorted(cell for cell, people in plan.items() if person in people)


def _person_violations(roster: _Roster, person: int, cells: list[Cell]) -> list[Violation]:
    """The rules of one person's schedule: shifts a day, days in a row, rest. Cells before the
    start (history) count, but a violation is only reported when it touches the period."""
    rules, name = roster.rules, roster.person[person].name
    found = []
    per_day = defaultdict(int)
    for d, _code in cells:
        per_day[d] += 1
    for d, count in sorted(per_day.items()):
        if d >= 0 and count > rules.max_shifts_per_day:
            found.append(Violation("max_shifts_per_day", roster.date(d), None, person,
                                   f"{name} has {count} shifts on {roster.date(d)}",
                                   needed=rules.max_shifts_per_day, actual=count))  # fmt: skip

    work = sorted(
        (cell for cell in cells if roster.shift[cell[1]].works),
        key=lambda c: _interval(roster.shift[c[1]], roster.date(c[0])),
    )
    worked_days = sorted({d for d, _code in work})
    run_start = None
    for i, d in enumerate(worked_days):
        if i == 0 or worked_days[i - 1] != d - 1:
            run_start = d
        length = d - run_start + 1
        if length == rules.max_consecutive_days + 1 and d >= 0:
            run_end = d
            while run_end + 1 in worked_days:
                run_end += 1
            found.append(Violation("max_consecutive_days", roster.date(d), None, person,
                                   f"{name} works {run_end - run_start + 1} days in a row, "
                                   f"{roster.date(run_start)} to {roster.date(run_end)}",
                                   needed=rules.max_consecutive_days, actual=run_end - run_start + 1))  # fmt: skip

    for i, (d1, code1) in enumerate(work):
        first = roster.shift[code1]
        for d2, code2 in work[i + 1 :]:
            second = roster.shift[code2]
            rest = _rest_hours(first, roster.date(d1), second, roster.date(d2))
            if rest >= rules.min_rest_hours:
                break  # sorted by start: every later shift is rested too
            if d2 >= 0:
                found.append(Violation("min_rest", roster.date(d2), code2, person,
                                       f"{name} has {max(rest, 0):g} h of rest between {code1} on "
                                       f"{roster.date(d1)} and {code2} on {roster.date(d2)}",
                                       needed=rules.min_rest_hours, actual=max(math.floor(rest), 0)))  # fmt: skip
    return found


def _loads(roster: _Roster, plan: Mapping[Cell, Iterable[int]]) -> dict[int, Load]:
    counts = {person: [0, 0, 0, 0.0, 0] for person in roster.person}
    for (d, code), people in plan.items():
        shift = roster.shift[code]
        for person in people:
            count = counts[person]
            if not shift.works:
                count[4] += 1
                continue
            count[0] += 1
            count[1] += shift.night
            count[2] += roster.is_weekend(d)
            count[3] += shift.hours
    return {person: Load(*count) for person, count in counts.items()}


# ---------------------------------------------------------------------------------------------
# suggest_replacements


def suggest_replacements(
    problem: Problem,
    assignments: Mapping[tuple[date, str], Iterable[int]],
    day: date,
    shift_code: str,
    person_out: int,
) -> list[Candidate]:
    """People who could take `person_out`'s place on that shift without a new violation of the
    rules, best first: fewest work shifts in the plan, then (for a night) fewest nights, then (on
    a weekend or holiday) fewest weekend shifts, then fewest hours, then by name."""
    roster = _Roster(problem)
    plan, _unknown = _read_plan(roster, assignments)
    cell = (roster.index(day), shift_code)
    current = plan.get(cell, frozenset())
    if person_out not in current:
        raise ValueError(f"person #{person_out} is not on {shift_code} on {day}")
    loads = _loads(roster, plan)
    shift, weekend = roster.shift[shift_code], roster.is_weekend(cell[0])
    slot_before = {v.key() for v in _slot_violations(roster, cell, current)}
    found = []
    for person in roster.person:
        if person in current:
            continue
        slot_after = {v.key() for v in _slot_violations(roster, cell, (current - {person_out}) | {person})}
        cells = _cells_of(roster, plan, person)
        person_before = {v.key() for v in _person_violations(roster, person, cells)}
        person_after = {v.key() for v in _person_violations(roster, person, sorted([*cells, cell]))}
        if slot_after - slot_before or person_after - person_before:
            continue
        load = loads[person]
        found.append(Candidate(person, roster.person[person].name, load,
                               f"{load.shifts} shifts, {load.nights} nights, {load.weekends} weekend or holiday "
                               f"shifts in this period"))  # fmt: skip

    def rank(candidate: Candidate) -> tuple:
        load = candidate.load
        return (load.shifts, load.nights if shift.night else 0, load.weekends if weekend else 0, load.hours,
                candidate.name, candidate.person)  # fmt: skip

    return sorted(found, key=rank)


# ---------------------------------------------------------------------------------------------
# Counting checks: cheap, sure, and precise about the day


def _counting_reasons(roster: _Roster) -> list[Reason]:
    """The reasons of the first check that fails, or []: the kept slots, each slot, each day and
    the slots tied by the rest rule, each window of consecutive days."""
    for stage in (_fixed_reasons, _slot_reasons, _day_reasons, _window_reasons):
        reasons = stage(roster)
        if reasons:
            return reasons
    return []


def _fixed_reasons(roster: _Roster) -> list[Reason]:
    """Kept slots that break a rule by themselves (with the history for the person rules)."""
    violations = []
    for cell, people in sorted(roster.fixed.items()):
        violations += _slot_violations(roster, cell, people)
    for person in roster.person:
        cells = _cells_of(roster, roster.fixed, person)
        if any(d >= 0 for d, _code in cells):
            violations += _person_violations(roster, person, cells)
    return [
        Reason(
            "fixed", v.day, v.shift, v.person, v.needed, v.actual, f"kept slot: {v.detail}", v.skill, violates=v.rule
        )
        for v in sorted(violations, key=_violation_order)
    ]


def _slot_reasons(roster: _Roster) -> list[Reason]:
    """Slots without enough people who may take them, or without enough of a skill."""
    reasons = []
    for cell in roster.cells:
        if cell in roster.fixed:
            continue
        d, code = cell
        day, shift = roster.date(d), roster.shift[code]
        candidates = roster.candidates(cell)
        if len(candidates) < shift.min_people:
            absent = roster.absent(d, code)
            reasons.append(Reason("min_people", day, code, None, shift.min_people, len(candidates),
                                  f"on {day} shift {code} needs {_people(shift.min_people)}, {len(candidates)} "
                                  f"available; absent: {roster.names(absent, d)}", absent=absent))  # fmt: skip
        for skill, needed in sorted(shift.skills.items()):
            having = sum(1 for person in candidates if skill in roster.person[person].skills)
            if having < needed:
                absent = roster.absent(d, code, skill)
                reasons.append(Reason("skill", day, code, None, needed, having,
                                      f"on {day} shift {code} needs {needed} with skill {skill}, {having} available; "
                                      f"absent: {roster.names(absent, d)}", skill, absent=absent))  # fmt: skip
    return reasons


def _day_reasons(roster: _Roster) -> list[Reason]:
    """Days whose shifts need more people (or more people with a skill) than can come, each
    taking at most max_shifts_per_day of them; then groups of slots on two or three days of which
    no one can take two (rest, one shift a day) that need more people than can take them."""
    per_day = defaultdict(list)
    for cell in roster.cells:
        per_day[cell[0]].append(cell)
    skills = sorted({skill for shift in roster.shift.values() for skill in shift.skills})
    reasons = []
    for d, cells in sorted(per_day.items()):
        day, absent = roster.date(d), roster.absent(d)
        needed = sum(_need(roster, cell) for cell in cells)
        staffed = _max_staffing(roster, cells, roster.rules.max_shifts_per_day)
        if staffed < needed:
            reasons.append(Reason("min_people", day, None, None, needed, staffed,
                                  f"on {day} the shifts need {_people(needed)}, at most "
                                  f"{roster.rules.max_shifts_per_day} shift(s) each, {staffed} can be staffed; "
                                  f"absent: {roster.names(absent, d)}", absent=absent))  # fmt: skip
        for skill in skills:
            needed, able = _day_need(roster, cells, skill), _able(roster, cells, skill)
            if needed > able:
                absent = roster.absent(d, skill=skill)
                reasons.append(Reason("skill", day, None, None, needed, able,
                                      f"on {day} the shifts need {needed} person-shifts with skill {skill}, at most "
                                      f"{roster.rules.max_shifts_per_day} shift(s) each, {able} with it can come; "
                                      f"absent: {roster.names(absent, d)}", skill, absent=absent))  # fmt: skip
    if reasons:
        return reasons
    for clique in _rest_cliques(roster):
        first, last = roster.date(clique[0][0]), roster.date(clique[-1][0])
        cells = tuple((roster.date(d), code) for d, code in clique)
        listed = ", ".join(f"{code} on {day}" for day, code in cells)
        rest = f"less than {roster.rules.min_rest_hours} h of rest between them"
        needed = sum(_need(roster, cell) for cell in clique)
        staffed = _max_staffing(roster, clique, 1)
        if staffed < needed:
            reasons.append(Reason("min_rest", first, clique[0][1], None, needed, staffed,
                                  f"{listed} need {needed} different people ({rest}), {staffed} can take them",
                                  last_day=last, cells=cells))  # fmt: skip
        for skill in skills:
            needed, able = sum(_need(roster, cell, skill) for cell in clique), _able(roster, clique, skill)
            if needed > able:
                reasons.append(Reason("min_rest", first, clique[0][1], None, needed, able,
                                      f"{listed} need {needed} different people with skill {skill} ({rest}), "
                                      f"{able} with it can come", skill, last_day=last, cells=cells))  # fmt: skip
    return reasons


def _able(roster: _Roster, cells: list[Cell], skill: str) -> int:
    """How many people with the skill could take at least one of the slots."""
    return len({p for cell in cells for p in roster.staff_options(cell) if skill in roster.person[p].skills})


def _need(roster: _Roster, cell: Cell, skill: str | None = None) -> int:
    """People (with the skill) a slot must have: its kept people, or its minimum."""
    if cell in roster.fixed:
        return sum(1 for p in roster.fixed[cell] if skill is None or skill in roster.person[p].skills)
    shift = roster.shift[cell[1]]
    return shift.min_people if skill is None else shift.skills.get(skill, 0)


def _too_close(roster: _Roster, one: Cell, other: Cell) -> bool:
    """Whether two work slots leave one person less than min_rest_hours between them."""
    first, second = roster.shift[one[1]], roster.shift[other[1]]
    if one == other or not (first.works and second.works):
        return False
    return _rest_hours(first, roster.date(one[0]), second, roster.date(other[0])) < roster.rules.min_rest_hours


def _conflicting(roster: _Roster, one: Cell, other: Cell) -> bool:
    """Whether one person can never have both slots."""
    if one != other and one[0] == other[0] and roster.rules.max_shifts_per_day == 1:
        return True
    return _too_close(roster, one, other)


def _rest_cliques(roster: _Roster) -> list[list[Cell]]:
    """Groups of slots over several days of which one person can have at most one (a night and
    the next day's morning shifts, say): the maximal cliques of the conflict graph, found day by
    day (Bron–Kerbosch) among the slots of the next few days."""
    span = roster.rules.min_rest_hours // 24 + 3
    found: set[tuple[Cell, ...]] = set()
    for d in roster.days:
        window = [cell for cell in roster.cells if d <= cell[0] <= d + span]
        neighbours = {cell: {other for other in window if _conflicting(roster, cell, other)} for cell in window}
        for clique in _maximal_cliques(window, neighbours):
            days = {cell[0] for cell in clique}
            if d in days and len(days) > 1:
                found.add(tuple(sorted(clique, key=window.index)))
    return [list(clique) for clique in sorted(found)]


def _maximal_cliques(nodes: list, neighbours: dict) -> list[list]:
    """Bron–Kerbosch without pivoting: the graphs here have a dozen nodes."""
    cliques = []

    def grow(clique: list, candidates: list, excluded: list):
        if not candidates and not excluded:
            cliques.append(clique)
            return
        for node in list(candidates):
            grow([*clique, node], [n for n in candidates if n in neighbours[node]],
                 [n for n in excluded if n in neighbours[node]])  # fmt: skip
            candidates = [n for n in candidates if n != node]
            excluded = [*excluded, node]

    grow([], list(nodes), [])
    return cliques


def _max_staffing(roster: _Roster, cells: list[Cell], per_person: int) -> int:
    """How many of the slots' needed places can be filled at once, each person in at most
    `per_person` of them: a maximum flow (source -> slot -> person -> sink), by augmenting paths.
    A greedy pass first: it fills everything in the usual, feasible case."""
    places = {cell: _need(roster, cell) for cell in cells}
    options = {cell: roster.staff_options(cell) for cell in cells}
    used = defaultdict(int)
    taken: dict[Cell, set[int]] = {cell: set() for cell in cells}
    for cell in sorted(cells, key=lambda c: len(options[c]) - places[c]):
        for person in sorted(options[cell], key=lambda p: used[p]):
            if len(taken[cell]) == places[cell]:
                break
            if used[person] < per_person:
                taken[cell].add(person)
                used[person] += 1
    if all(len(taken[cell]) == places[cell] for cell in cells):
        return sum(places.values())

    # Residual graph, nodes: "s", "t", ("cell", cell), ("person", id).
    capacity: dict = defaultdict(int)
    edges: dict = defaultdict(set)

    def link(a, b, amount):
        capacity[(a, b)] += amount
        edges[a].add(b)
        edges[b].add(a)

    for cell in cells:
        link("s", ("cell", cell), places[cell])
        for person in options[cell]:
            link(("cell", cell), ("person", person), 1)
    for person in sorted({person for cell in cells for person in options[cell]}):
        link(("person", person), "t", per_person)
    flow = 0
    while True:
        came_from = {"s": None}
        queue = deque(["s"])
        while queue and "t" not in came_from:
            node = queue.popleft()
            for nxt in sorted(edges[node], key=repr):
                if nxt not in came_from and capacity[(node, nxt)] > 0:
                    came_from[nxt] = node
                    queue.append(nxt)
        if "t" not in came_from:
            return flow
        node = "t"
        while came_from[node] is not None:
            capacity[(came_from[node], node)] -= 1
            capacity[(node, came_from[node])] += 1
            node = came_from[node]
        flow += 1


def _window_reasons(roster: _Roster) -> list[Reason]:
    """Windows of max_consecutive_days + 1 days in which the shifts need more person-days than
    the people can give, each working at most max_consecutive_days of them (fewer if they worked
    the days before the start): for everyone, then for each skill. The first window of each."""
    limit = roster.rules.max_consecutive_days
    skills = sorted({skill for shift in roster.shift.values() for skill in shift.skills})
    work_cells = defaultdict(list)
    for cell in roster.cells:
        if roster.shift[cell[1]].works:
            work_cells[cell[0]].append(cell)
    worked_before = {
        person: {d for d, code in cells if roster.shift[code].works} for person, cells in roster.history.items()
    }
    free_days = defaultdict(set)  # person -> days they could take a work slot
    for d, cells in work_cells.items():
        for cell in cells:
            for person in roster.staff_options(cell):
                free_days[person].add(d)
    reasons = []
    for skill in [None, *skills]:
        for first in range(-limit, roster.problem.days - limit):
            window = range(max(first, 0), first + limit + 1)
            needed = sum(_day_need(roster, work_cells[d], skill) for d in window)
            if needed == 0:
                continue
            can_give = 0
            for person in roster.person:
                if skill is not None and skill not in roster.person[person].skills:
                    continue
                days_free = sum(1 for d in window if d in free_days[person])
                before = sum(1 for d in worked_before.get(person, ()) if first <= d < 0)
                can_give += max(0, min(limit - before, days_free))
            if can_give < needed:
                start, end = roster.date(window.start), roster.date(window.stop - 1)
                who = f"people with {skill}" if skill else "people"
                detail = (f"from {start} to {end} the shifts need {needed} person-days of {who}; working at most "
                          f"{limit} days in a row they can give {can_give}")  # fmt: skip
                reasons.append(Reason("max_consecutive_days", start, None, None, needed, can_give, detail, skill,
                                      last_day=end))  # fmt: skip
                break
    return reasons


def _day_need(roster: _Roster, cells: list[Cell], skill: str | None) -> int:
    """Person-days a day's work slots need (of people with the skill): each person covers at
    most max_shifts_per_day slots a day."""
    needs = [_need(roster, cell, skill) for cell in cells]
    if not needs:
        return 0
    return max(max(needs), math.ceil(sum(needs) / roster.rules.max_shifts_per_day))


# ---------------------------------------------------------------------------------------------
# The CP-SAT model

UNIT = 100  # fairness deviations are counted in hundredths of a shift
FAIRNESS = {
    "shifts": lambda roster, d, shift: shift.works,
    "nights": lambda roster, d, shift: shift.works and shift.night,
    "weekends": lambda roster, d, shift: shift.works and roster.is_weekend(d),
}


class _Model:
    """The CP-SAT model of a roster: one Boolean per (person, day, shift) they could take.

    With `explain`, each group of constraints (a rule on a day for a shift, or for a person) is
    only enforced by its own literal, `switches[group]`, and the unavailable days are variables
    kept at 0 by such a literal too: the literals become assumptions, and CP-SAT tells which of
    them cannot hold together."""

    def __init__(self, roster: _Roster, explain: bool = False):
        self.roster = roster
        self.explain = explain
        self.model = cp_model.CpModel()
        self.switches: dict[tuple, cp_model.IntVar] = {}
        self.on: dict[tuple[int, int, str], cp_model.IntVar] = {}  # (person, day, code)
        self.by_cell: dict[Cell, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        self.by_person_day: dict[tuple[int, int], list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        # The other variables, each with how to compute its value from those before it: a hint
        # must give every variable a value, or CP-SAT cannot start from it.
        self.formulas: list[tuple[cp_model.IntVar, Callable[[Callable], int]]] = []
        self._add_variables()
        self._add_slot_rules()
        self._add_person_rules()

    def _switch(self, *group) -> list:
        """The enforcement literal of a group of constraints ([] when not explaining)."""
        if not self.explain:
            return []
        if group not in self.switches:
            self.switches[group] = self.model.new_bool_var(repr(group))
        return [self.switches[group]]

    def _add_variables(self):
        roster = self.roster
        for d, code in roster.cells:
            for person in roster.person:
                if not roster.may_work(person, code):
                    continue
                available = roster.is_available(person, d)
                if not (available or self.explain):
                    continue
                var = self.model.new_bool_var(f"p{person}_d{d}_{code}")
                self.on[(person, d, code)] = var
                self.by_cell[(d, code)].append((person, var))
                self.by_person_day[(person, d)].append((code, var))
                if not available:
                    self.model.add(var == 0).only_enforce_if(self._switch("unavailable", person, d))

    def _add_slot_rules(self):
        roster = self.roster
        for cell in roster.cells:
            d, code = cell
            shift, staff = roster.shift[code], self.by_cell[cell]
            everyone = sum(var for _person, var in staff)
            if cell in roster.fixed:
                kept = roster.fixed[cell]
                for person, var in staff:
                    self.model.add(var == int(person in kept)).only_enforce_if(self._switch("fixed", d, code))
                continue
            self.model.add(everyone >= shift.min_people).only_enforce_if(self._switch("min_people", d, code))
            self.model.add(everyone <= shift.max_people).only_enforce_if(self._switch("max_people", d, code))
            for skill, needed in sorted(shift.skills.items()):
                skilled = sum(var for person, var in staff if skill in roster.person[person].skills)
                self.model.add(skilled >= needed).only_enforce_if(self._switch("skill", d, code, skill))

    def _add_person_rules(self):
        roster, rules = self.roster, self.roster.rules
        limit = rules.max_consecutive_days
        for person in roster.person:
            worked: dict[int, object] = {}  # day -> 1 when the person works that day (an expression)
            for d in roster.days:
                today = self.by_person_day.get((person, d), [])
                if len(today) > rules.max_shifts_per_day:
                    self.model.add(sum(var for _code, var in today) <= rules.max_shifts_per_day).only_enforce_if(
                        self._switch("max_shifts_per_day", person, d)
                    )
                work = [var for code, var in today if roster.shift[code].works]
                if len(work) == 1:
                    worked[d] = work[0]
                elif work:
                    # One literal per worked day keeps the windows below short (7 terms, not 21).
                    worked[d] = self.model.new_bool_var(f"p{person}_d{d}_works")
                    self.formulas.append((worked[d], lambda value, work=work: max(value(v) for v in work)))
                    for var in work:
                        self.model.add_implication(var, worked[d])
                    self.model.add_bool_or([~worked[d], *work])
            self._add_rest(person)
            before = {d for d, code in roster.history.get(person, []) if roster.shift[code].works}
            for first in range(-limit, roster.problem.days - limit):
                days = [d for d in range(max(first, 0), first + limit + 1) if d in worked]
                allowed = limit - sum(1 for d in before if first <= d < 0)
                if len(days) > allowed:
                    self.model.add(sum(worked[d] for d in days) <= allowed).only_enforce_if(
                        self._switch("max_consecutive_days", person, first)
                    )

    def _add_rest(self, person: int):
        """No two of the person's shifts closer than min_rest_hours, the history's included."""
        roster = self.roster
        for d in roster.days:
            for code, var in self.by_person_day.get((person, d), []):
                for later, other in roster.conflicts[code]:
                    follow = self.on.get((person, d + later, other))
                    if follow is not None:
                        self.model.add_bool_or([~var, ~follow]).only_enforce_if(
                            self._switch("min_rest", person, d, code)
                        )
        for d, code in roster.history.get(person, []):
            for later, other in roster.conflicts[code]:
                follow = self.on.get((person, d + later, other))
                if follow is not None and d + later >= 0:
                    self.model.add(follow == 0).only_enforce_if(self._switch("min_rest", person, d, code))

    # The objective (not when explaining)

    def minimise(self) -> None:
        """Fairness, under changes from `previous` and people beyond min_people, which weigh more
        than any fairness gain a single flip of one person on one slot could bring. The objective
        is kept as {variable index: (variable, coefficient)} and a constant, to be computed for
        the first roster too."""
        roster = self.roster
        fairness, bound = [], 0
        for counts in FAIRNESS.values():
            terms, step = self._fairness(counts)
            fairness += terms
            bound += step
        heavy = bound + 1
        self.objective: dict[int, tuple[cp_model.IntVar, int]] = {}
        self.objective_offset = 0

        def add(var, coefficient):
            _var, before = self.objective.get(var.index, (var, 0))
            self.objective[var.index] = (var, before + coefficient)

        for coefficient, var in fairness:
            add(var, coefficient)
        for cell in roster.cells:  # people beyond the minimum
            if cell not in roster.fixed:
                self.objective_offset -= heavy * roster.shift[cell[1]].min_people
                for _person, var in self.by_cell[cell]:
                    add(var, heavy)
        previous = roster.problem.previous
        if previous:  # changes: on where `previous` had them off, or off where it had them on
            for (person, d, code), var in self.on.items():
                if person in previous.get((roster.date(d), code), ()):
                    self.objective_offset += heavy
                    add(var, -heavy)
                else:
                    add(var, heavy)
        self.model.minimize(sum(c * var for var, c in self.objective.values()) + self.objective_offset)

    def _fairness(self, counts) -> tuple[list[tuple[int, cp_model.IntVar]], int]:
        """Objective terms spreading one count (shifts, nights or weekends): for each person the
        deviation from their share of the total, in proportion to the days they could take such a
        shift; the largest deviation weighs as much as the sum. Returns the terms and how much
        they can change when one person is put on or taken off one slot."""
        roster, model = self.roster, self.model
        vars_of, days_of = defaultdict(list), defaultdict(set)
        for (person, d, code), var in self.on.items():
            if counts(roster, d, roster.shift[code]):
                vars_of[person].append(var)
                days_of[person].add(d)
        all_days = sum(len(days) for days in days_of.values())
        if all_days == 0:
            return [], 0
        top = UNIT * roster.problem.days * roster.rules.max_shifts_per_day
        total = model.new_int_var(0, sum(len(v) for v in vars_of.values()), "total")
        model.add(total == sum(var for v in vars_of.values() for var in v))
        self.formulas.append((total, lambda value: sum(value(var) for v in vars_of.values() for var in v)))
        largest = model.new_int_var(0, top, "largest_deviation")
        terms, deviations = [(len(vars_of), largest)], []
        for person, own in sorted(vars_of.items()):
            count = model.new_int_var(0, len(own), f"count_{person}")
            model.add(count == sum(own))
            self.formulas.append((count, lambda value, own=own: sum(value(var) for var in own)))
            deviation = model.new_int_var(0, top, f"deviation_{person}")
            days = len(days_of[person])
            self.formulas.append((deviation, lambda value, count=count, days=days: math.ceil(
                UNIT * abs(all_days * value(count) - days * value(total)) / all_days)))  # fmt: skip
            deviations.append(deviation)
            # deviation >= |count - total * days / all_days|, in hundredths of a shift
            excess = UNIT * (all_days * count - len(days_of[person]) * total)
            model.add(all_days * deviation >= excess)
            model.add(all_days * deviation >= -excess)
            model.add(largest >= deviation)
            terms.append((1, deviation))
        self.formulas.append((largest, lambda value: max(value(deviation) for deviation in deviations)))
        # One flip moves a person's deviation by <= 2 shifts, everyone else's by <= 1 together,
        # the largest by <= 2 shifts; rounding up adds at most 1 per person.
        step = len(vars_of) * 2 * UNIT + 3 * UNIT + len(vars_of)
        return terms, step

    def hint(self) -> tuple[dict[Cell, tuple[int, ...]], int]:
        """Start the search from a first roster built greedily (kept close to `previous` in a
        re-plan): CP-SAT then has a solution as soon as its presolve ends, and improves it.
        Returns that roster and its objective value."""
        first = _first_roster(self.roster)
        values = {}
        for (person, d, code), var in self.on.items():
            values[var.index] = int(person in first.get((d, code), ()))
        for var, formula in self.formulas:
            values[var.index] = formula(lambda v: values[v.index])
        for var in [*self.on.values(), *(var for var, _formula in self.formulas)]:
            self.model.add_hint(var, values[var.index])
        objective = sum(c * values[index] for index, (_var, c) in self.objective.items()) + self.objective_offset
        return {cell: tuple(sorted(people)) for cell, people in first.items()}, objective

    def plan(self, solver: cp_model.CpSolver) -> dict[Cell, tuple[int, ...]]:
        return {
            cell: tuple(sorted(person for person, var in self.by_cell[cell] if solver.boolean_value(var)))
            for cell in self.roster.cells
        }


# ---------------------------------------------------------------------------------------------
# A first roster, for CP-SAT to start from


class _Schedules:
    """Who already works when, while a roster is built slot by slot: enough to ask whether one
    more slot keeps a person within the rules."""

    def __init__(self, roster: _Roster):
        self.roster = roster
        self.cells: dict[int, list[Cell]] = defaultdict(list)  # person -> slots, history included
        self.per_day: dict[tuple[int, int], int] = defaultdict(int)  # (person, day) -> slots
        self.worked: dict[int, set[int]] = defaultdict(set)  # person -> days with a work slot
        self.counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # shifts, nights, weekends
        for person, cells in roster.history.items():
            for cell in cells:
                self.add(person, cell)

    def add(self, person: int, cell: Cell) -> None:
        d, code = cell
        shift = self.roster.shift[code]
        self.cells[person].append(cell)
        self.per_day[(person, d)] += 1
        if shift.works:
            self.worked[person].add(d)
            if d >= 0:
                counts = self.counts[person]
                counts[0] += 1
                counts[1] += shift.night
                counts[2] += self.roster.is_weekend(d)

    def fits(self, person: int, cell: Cell) -> bool:
        roster, (d, code) = self.roster, cell
        if self.per_day[(person, d)] >= roster.rules.max_shifts_per_day:
            return False
        if not roster.shift[code].works:
            return True
        worked = self.worked[person]
        if d not in worked:
            before = after = 0
            while d - before - 1 in worked:
                before += 1
            while d + after + 1 in worked:
                after += 1
            if before + 1 + after > roster.rules.max_consecutive_days:
                return False
        span = roster.rules.min_rest_hours // 24 + 3  # further apart, always rested
        return not any(_too_close(roster, cell, other) for other in self.cells[person] if abs(other[0] - d) <= span)


def _first_roster(roster: _Roster) -> dict[Cell, set[int]]:
    """A roster built slot by slot in time order: kept slots first, then in each slot the people
    with a needed skill, then anyone, each time preferring who was there in `previous`, then who
    has had the fewest such shifts for the days they could work. It may leave a slot short when
    the rules are tight: it is only a hint."""
    previous = {(roster.index(day), code): people for (day, code), people in roster.problem.previous.items()}
    schedules = _Schedules(roster)
    # In a re-plan, a newcomer on a slot should not clash with their own later slots in
    # `previous`: each clash would be one more change, and maybe one more replacement.
    previous_schedules = _Schedules(roster)
    for (d, code), people in previous.items():
        if 0 <= d < roster.problem.days and code in roster.shift:
            for person in frozenset(people) & roster.person.keys():
                previous_schedules.add(person, (d, code))
    plan: dict[Cell, set[int]] = {}
    for cell, people in roster.fixed.items():
        plan[cell] = set(people)
        for person in people:
            schedules.add(person, cell)
    # Loads are compared per day each person could have worked so far, so that someone back
    # from leave catches up instead of being spared or overloaded for the rest of the period.
    free_so_far: dict[int, set[int]] = defaultdict(set)

    def order(person: int, cell: Cell) -> tuple:
        d, code = cell
        shift = roster.shift[code]
        shifts, nights, weekends = schedules.counts[person]
        days = len(free_so_far[person]) + 1
        stays = person in previous.get(cell, ())
        return (not stays, bool(previous) and not stays and not previous_schedules.fits(person, cell),
                nights / days if shift.night else 0,
                weekends / days if roster.is_weekend(d) else 0,
                shifts / days, person)  # fmt: skip

    def start(cell: Cell) -> tuple:
        return _interval(roster.shift[cell[1]], roster.date(cell[0]))[0], cell

    for cell in sorted(roster.cells, key=start):
        if cell in roster.fixed:
            continue
        shift = roster.shift[cell[1]]
        for person in roster.candidates(cell):
            free_so_far[person].add(cell[0])
        ranked = sorted((p for p in roster.candidates(cell) if schedules.fits(p, cell)), key=lambda p: order(p, cell))
        chosen: list[int] = []
        for skill, needed in sorted(shift.skills.items()):
            having = sum(1 for p in chosen if skill in roster.person[p].skills)
            for person in ranked:
                if having >= needed or len(chosen) >= shift.max_people:
                    break
                if person not in chosen and skill in roster.person[person].skills:
                    chosen.append(person)
                    having += 1
        for person in ranked:
            if len(chosen) >= shift.min_people:
                break
            if person not in chosen:
                chosen.append(person)
        plan[cell] = set(chosen)
        for person in chosen:
            schedules.add(person, cell)
    return plan


# ---------------------------------------------------------------------------------------------
# solve, and the explanation when the rules cannot hold


def solve(
    problem: Problem,
    *,
    time_limit: float = 8.0,
    workers: int = 2,
    seed: int = 0,
    work_limit: float | None = None,
) -> Solution:
    """The best roster found within `time_limit` seconds (checks and model building included).
    Raises Infeasible with reasons when the hard rules cannot be met; the explanation may take up
    to another `time_limit`. `work_limit` (CP-SAT deterministic time) makes the stopping point,
    hence the result with workers=1, reproducible."""
    started = time.perf_counter()
    roster = _Roster(problem)
    reasons = _counting_reasons(roster)
    if reasons:
        raise Infeasible(reasons)
    model = _Model(roster)
    model.minimise()
    first, first_objective = model.hint()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # A short presolve: on 2 cores the full one took most of 8 s on a month of 120 people, for
    # little; the search starts from the first roster anyway.
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    if work_limit is not None:
        solver.parameters.max_deterministic_time = work_limit
    status = solver.solve(model.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan, objective = model.plan(solver), round(solver.objective_value)
        state = "optimal" if status == cp_model.OPTIMAL else "feasible"
    elif status == cp_model.INFEASIBLE:
        raise Infeasible(_explain(roster, time_limit) or [NO_SHORTER_EXPLANATION])
    elif status == cp_model.UNKNOWN and _is_clean(roster, first):
        # Out of time before CP-SAT's presolve even ended: the first roster is a roster.
        plan, objective, state = first, first_objective, "feasible"
    elif status == cp_model.UNKNOWN:
        raise Infeasible([Reason("time_limit", detail=f"no roster found in {time_limit:g} s, and no proof that "
                                                      f"none exists")], proven=False)  # fmt: skip
    else:
        raise RuntimeError(f"CP-SAT: {solver.status_name(status)}")
    return Solution(
        assignments={(roster.date(d), code): people for (d, code), people in plan.items()},
        status=state,
        seconds=time.perf_counter() - started,
        objective=objective,
        load=_loads(roster, plan),
        changes=_count_changes(roster, plan),
    )


def _is_clean(roster: _Roster, plan: Mapping[Cell, Iterable[int]]) -> bool:
    assignments = {(roster.date(d), code): people for (d, code), people in plan.items()}
    return not check(roster.problem, assignments)


def _count_changes(roster: _Roster, plan: Mapping[Cell, Iterable[int]]) -> int:
    previous = {}
    for (day, code), people in roster.problem.previous.items():
        if code in roster.shift and 0 <= roster.index(day) < roster.problem.days:
            previous[(roster.index(day), code)] = frozenset(people)
    cells = set(previous) | set(plan)
    return sum(len(previous.get(cell, frozenset()) ^ frozenset(plan.get(cell, ()))) for cell in cells)


def explain(problem: Problem, time_limit: float = 8.0) -> list[Reason]:
    """Why the rules cannot hold, from CP-SAT alone (no counting checks first); [] when they can.
    `solve` calls the same when the counting checks find nothing; public for tests and for a
    second opinion."""
    return _explain(_Roster(problem), time_limit)


def _explain(roster: _Roster, time_limit: float) -> list[Reason]:
    model = _Model(roster, explain=True)
    groups = {literal.index: group for group, literal in model.switches.items()}
    status, core = _small_core(model.model, list(model.switches.values()), time.perf_counter() + time_limit)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    if not core:
        return [NO_SHORTER_EXPLANATION]
    reasons = [_reason_for(roster, groups[literal.index]) for literal in core]
    return sorted(reasons, key=lambda r: (r.day or date.min, r.rule, r.shift or "", r.person or 0, r.skill or ""))


NO_SHORTER_EXPLANATION = Reason("rules", detail="the rules cannot all be met together; no shorter explanation found")


def _small_core(model: cp_model.CpModel, switches: list, deadline: float) -> tuple[int, list]:
    """CP-SAT's status with every switch on and, when infeasible, a set of switches that cannot
    all be on, shrunk one switch at a time (deletion) while time allows.

    One worker and no presolve: CP-SAT supports assumptions on a single worker, and its presolve
    can report a literal that is not among the assumptions (or-tools issue 5141)."""
    by_index = {literal.index: literal for literal in switches}

    def attempt(assumed: list) -> tuple[int, list]:
        model.clear_assumptions()
        model.add_assumptions(assumed)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False
        solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
        status = solver.solve(model)
        if status != cp_model.INFEASIBLE:
            return status, []
        found = solver.sufficient_assumptions_for_infeasibility()
        return status, [by_index[i] for i in found if i in by_index]

    first_status, core = attempt(switches)
    if first_status != cp_model.INFEASIBLE:
        return first_status, []
    necessary, remaining = [], core
    while remaining:
        candidate, rest = remaining[0], remaining[1:]
        if time.perf_counter() >= deadline:
            return first_status, necessary + remaining
        status, found = attempt(necessary + rest)
        if status == cp_model.INFEASIBLE:  # not needed: keep only what CP-SAT used this time
            kept = {literal.index for literal in found}
            remaining = [literal for literal in rest if literal.index in kept]
        elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            necessary.append(candidate)
            remaining = rest
        else:
            return first_status, necessary + remaining
    return first_status, necessary


def _reason_for(roster: _Roster, group: tuple) -> Reason:
    """The Reason for one group of constraints found in a conflict."""
    rule, rules = group[0], roster.rules
    match group:
        case ("min_people" | "max_people", d, code):
            shift, day = roster.shift[code], roster.date(d)
            count = len(roster.candidates((d, code)))
            if rule == "min_people":
                absent = roster.absent(d, code)
                return Reason(rule, day, code, None, shift.min_people, count,
                              f"on {day} shift {code} needs at least {_people(shift.min_people)} ({count} available; "
                              f"absent: {roster.names(absent, d)})", absent=absent)  # fmt: skip
            return Reason(rule, day, code, None, shift.max_people, count,
                          f"on {day} shift {code} takes at most {_people(shift.max_people)}")  # fmt: skip
        case ("skill", d, code, skill):
            day, needed = roster.date(d), roster.shift[code].skills[skill]
            having = sum(1 for p in roster.candidates((d, code)) if skill in roster.person[p].skills)
            absent = roster.absent(d, code, skill)
            return Reason(rule, day, code, None, needed, having,
                          f"on {day} shift {code} needs {needed} with skill {skill} ({having} available; "
                          f"absent: {roster.names(absent, d)})", skill, absent=absent)  # fmt: skip
        case ("fixed", d, code):
            day = roster.date(d)
            return Reason(rule, day, code, None, detail=f"{day} {code} is kept as "
                                                        f"{roster.names(sorted(roster.fixed[(d, code)]))}")  # fmt: skip
        case ("unavailable", person, d):
            day, who = roster.date(d), roster.person[person]
            return Reason(
                rule, day, None, person, detail=f"{who.name} is unavailable on {day} ({who.unavailable[day]})"
            )
        case ("max_shifts_per_day", person, d):
            day = roster.date(d)
            return Reason(rule, day, None, person, rules.max_shifts_per_day,
                          detail=f"{roster.person[person].name} works at most {rules.max_shifts_per_day} shift(s) "
                                 f"on {day}")  # fmt: skip
        case ("max_consecutive_days", person, first):
            # The window of max_consecutive_days + 1 days from `first` (before the start: history).
            day, last = roster.date(max(first, 0)), roster.date(first + rules.max_consecutive_days)
            before = f" after {-first} day(s) worked before the start" if first < 0 else ""
            return Reason(rule, day, None, person, rules.max_consecutive_days,
                          detail=f"{roster.person[person].name} works at most {rules.max_consecutive_days} days in "
                                 f"a row{before}: one day off from {day} to {last}", last_day=last)  # fmt: skip
        case ("min_rest", person, d, code):
            # The first of the two shifts; before the start, it is in the history.
            day = roster.date(d)
            before = " (before the period)" if d < 0 else ""
            return Reason(rule, day, code, person, rules.min_rest_hours,
                          detail=f"{roster.person[person].name} needs {rules.min_rest_hours} h of rest after "
                                 f"{code} on {day}{before}")  # fmt: skip
    raise AssertionError(f"no reason for {group}")
