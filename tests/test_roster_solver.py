"""The duty-roster generator (roster.solver): every solution passes the independent `check`,
`check` catches each hard rule, the load is spread fairly, a re-plan changes little, and when
the rules cannot be met the reasons name the right day, shift and rule."""

import dataclasses
from datetime import date, time, timedelta

import pytest

from roster.solver import (
    Infeasible,
    PersonSpec,
    Problem,
    Rules,
    ShiftSpec,
    check,
    explain,
    solve,
    suggest_replacements,
)

MONDAY = date(2026, 12, 7)
LIMIT = 2.0  # seconds per solve: small problems, a shared machine


def day(index: int) -> date:
    return MONDAY + timedelta(days=index)


def days(first: int, last: int, reason: str) -> dict[date, str]:
    return {day(i): reason for i in range(first, last + 1)}


DAY = ShiftSpec("day", time(7), time(15), 2, 3)
NIGHT = ShiftSpec("night", time(18), time(6), 1, 1, skills={"network": 1}, night=True)


def team(count: int, **changes) -> list[PersonSpec]:
    """People 1..count, named An 1, An 2…; every third one knows networks; `changes` by id:
    {3: {"unavailable": …}} as `p3={...}`."""
    people = []
    for i in range(1, count + 1):
        person = PersonSpec(i, f"An {i}", frozenset({"network"}) if i % 3 == 1 else frozenset())
        people.append(dataclasses.replace(person, **changes.get(f"p{i}", {})))
    return people


def small_problem(**fields) -> Problem:
    """Two weeks, a day shift and a night shift (network), eight people, a holiday, some leave."""
    values = dict(
        start=MONDAY,
        days=14,
        shifts=[DAY, NIGHT],
        people=team(8, p2={"unavailable": days(3, 5, "leave")}, p4={"unavailable": days(9, 9, "F1")}),
        rules=Rules(max_consecutive_days=5, min_rest_hours=11),
        holidays=frozenset({day(10)}),
    )
    values.update(fields)
    return Problem(**values)


def rules_of(violations_or_reasons) -> set[tuple]:
    return {(v.rule, v.day, v.shift) for v in violations_or_reasons}


@pytest.fixture(scope="module")
def solved():
    problem = small_problem()
    return problem, solve(problem, time_limit=LIMIT)


# --- Solutions keep every rule -------------------------------------------------------------------


def test_a_small_roster_passes_the_independent_check(solved):
    problem, solution = solved
    assert check(problem, solution.assignments) == []
    assert solution.status in {"optimal", "feasible"}
    assert set(solution.assignments) == {(day(i), code) for i in range(14) for code in ("day", "night")}
    for people in solution.assignments.values():
        assert list(people) == sorted(people)
    assert all(len(people) == 2 for (_d, code), people in solution.assignments.items() if code == "day")


def test_each_shift_gets_its_minimum_unless_more_are_needed(solved):
    _problem, solution = solved
    assert {len(people) for (_d, code), people in solution.assignments.items() if code == "day"} == {2}


def test_loads_count_shifts_nights_weekends_and_hours(solved):
    problem, solution = solved
    assert sum(load.shifts for load in solution.load.values()) == 14 * 3
    assert sum(load.nights for load in solution.load.values()) == 14
    weekend_days = [i for i in range(14) if day(i).weekday() >= 5 or day(i) in problem.holidays]
    assert sum(load.weekends for load in solution.load.values()) == 3 * len(weekend_days)
    assert sum(load.hours for load in solution.load.values()) == 14 * (2 * 8 + 12)


def test_a_shift_runs_only_on_its_weekdays():
    office = ShiftSpec("onsite", time(8), time(17), 2, 2, weekdays=frozenset(range(5)))
    problem = Problem(MONDAY, 14, [office], team(6), Rules())
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    assert all(key[0].weekday() < 5 for key in solution.assignments)
    saturday = {**solution.assignments, (day(5), "onsite"): (1,)}
    assert ("max_people", day(5), "onsite") in rules_of(check(problem, saturday))


def test_a_medium_month_is_valid_and_staffed_at_the_minimum():
    shifts = [
        ShiftSpec("day", time(7), time(15), 6, 8, skills={"network": 1, "database": 1}),
        ShiftSpec("evening", time(15), time(23), 5, 7, skills={"network": 1}),
        ShiftSpec("night", time(23), time(7), 3, 4, skills={"network": 1, "database": 1}, night=True),
    ]
    people = []
    for i in range(1, 31):
        skills = {"network"} if i % 4 == 0 else set()
        if i % 5 == 0:
            skills.add("database")
        unavailable = days(i % 20, i % 20 + 4, "leave") if i % 7 == 0 else {}
        people.append(PersonSpec(i, f"Người {i}", frozenset(skills), unavailable=unavailable))
    problem = Problem(MONDAY, 28, shifts, people, Rules())
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    minimum = {shift.code: shift.min_people for shift in shifts}
    assert all(len(people) == minimum[code] for (_d, code), people in solution.assignments.items())


def test_the_same_seed_on_one_worker_gives_the_same_roster():
    problem = small_problem(days=7)
    first = solve(problem, time_limit=LIMIT, workers=1, seed=3, work_limit=0.3)
    second = solve(problem, time_limit=LIMIT, workers=1, seed=3, work_limit=0.3)
    assert first.assignments == second.assignments
    assert first.objective == second.objective


# --- check catches every rule --------------------------------------------------------------------


def with_slot(solution, key, people) -> dict:
    return {**solution.assignments, key: tuple(people)}


def test_check_catches_too_few_and_too_many_people(solved):
    problem, solution = solved
    assert ("min_people", day(2), "day") in rules_of(check(problem, with_slot(solution, (day(2), "day"), [])))
    crowded = with_slot(solution, (day(2), "day"), range(1, 9))
    assert ("max_people", day(2), "day") in rules_of(check(problem, crowded))


def test_check_catches_a_missing_skill(solved):
    problem, solution = solved
    nobody_with_network = [p.id for p in problem.people if "network" not in p.skills][:1]
    violations = check(problem, with_slot(solution, (day(4), "night"), nobody_with_network))
    assert ("skill", day(4), "night") in rules_of(violations)
    assert next(v for v in violations if v.rule == "skill").skill == "network"


def test_check_catches_a_shift_the_person_may_not_work(solved):
    problem, solution = solved
    people = [dataclasses.replace(p, shifts=frozenset({"day"})) if p.id == 1 else p for p in problem.people]
    problem = dataclasses.replace(problem, people=people)
    violations = check(problem, with_slot(solution, (day(4), "night"), [1]))
    assert any(v.rule == "not_allowed" and v.person == 1 and v.day == day(4) for v in violations)


def test_check_catches_someone_on_leave(solved):
    problem, solution = solved
    violations = check(problem, with_slot(solution, (day(4), "day"), [2, *solution.assignments[(day(4), "day")]]))
    unavailable = next(v for v in violations if v.rule == "unavailable")
    assert (unavailable.person, unavailable.day) == (2, day(4))
    assert "leave" in unavailable.detail


def test_check_catches_two_shifts_a_day(solved):
    problem, solution = solved
    person = solution.assignments[(day(6), "day")][0]
    violations = check(problem, with_slot(solution, (day(6), "night"), [person]))
    assert any(v.rule == "max_shifts_per_day" and v.person == person and v.day == day(6) for v in violations)


def test_check_catches_too_many_days_in_a_row():
    problem = small_problem(rules=Rules(max_consecutive_days=3))
    plan = {(day(i), "day"): (5, 6) for i in range(4)}
    violations = [v for v in check(problem, plan) if v.rule == "max_consecutive_days"]
    assert {(v.person, v.day, v.needed, v.actual) for v in violations} == {(5, day(3), 3, 4), (6, day(3), 3, 4)}


def test_check_catches_a_night_followed_by_the_next_morning():
    problem = small_problem()
    plan = {(day(0), "night"): (1,), (day(1), "day"): (1, 2)}  # night 18:00–06:00, then 07:00
    rest = next(v for v in check(problem, plan) if v.rule == "min_rest")
    assert (rest.person, rest.day, rest.shift, rest.needed, rest.actual) == (1, day(1), "day", 11, 1)


def test_check_catches_a_changed_kept_slot(solved):
    problem, solution = solved
    problem = dataclasses.replace(problem, fixed={(day(0), "day"): frozenset(solution.assignments[(day(0), "day")])})
    assert check(problem, solution.assignments) == []
    others = [p for p in range(1, 9) if p not in solution.assignments[(day(0), "day")]][:2]
    assert ("fixed", day(0), "day") in rules_of(check(problem, with_slot(solution, (day(0), "day"), others)))


def test_check_names_what_it_cannot_read(solved):
    problem, solution = solved
    plan = {**solution.assignments, (day(1), "lunch"): (1,), (day(30), "day"): (1,), (day(2), "night"): (99,)}
    found = {v.rule for v in check(problem, plan)}
    assert {"unknown_shift", "outside_period", "unknown_person"} <= found


def test_check_counts_the_history_before_the_start():
    history = {(day(-1), "night"): frozenset({1})} | {(day(-i), "day"): frozenset({4}) for i in range(1, 6)}
    problem = small_problem(history=history)
    plan = {(day(0), "day"): (1, 4)}
    violations = check(problem, plan)
    assert any(v.rule == "min_rest" and v.person == 1 and v.day == day(0) for v in violations)
    assert any(v.rule == "max_consecutive_days" and v.person == 4 and v.day == day(0) for v in violations)


def test_a_shift_that_is_not_work_time_leaves_rest_and_days_in_a_row_alone():
    onsite = ShiftSpec("onsite", time(8), time(17), 1, 1)
    remote = ShiftSpec("remote", time(8), time(17), 0, 3, works=False)
    problem = Problem(MONDAY, 8, [onsite, remote], team(3), Rules(max_consecutive_days=2))
    plan = {(day(i), "remote"): (1,) for i in range(8)} | {(day(i), "onsite"): (2 + i % 2,) for i in range(8)}
    assert check(problem, plan) == []
    both = {**plan, (day(0), "onsite"): (1,)}
    assert ("max_shifts_per_day", day(0), None) in rules_of(check(problem, both))


# --- Fairness ------------------------------------------------------------------------------------


def spread(solution, field: str, people=None) -> int:
    values = [getattr(load, field) for person, load in solution.load.items() if people is None or person in people]
    return max(values) - min(values)


def test_equal_people_get_nights_shifts_and_weekends_within_one():
    night = ShiftSpec("night", time(22), time(6), 1, 1, night=True)
    problem = Problem(MONDAY, 14, [DAY, night], team(10), Rules())
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    assert spread(solution, "nights") <= 1
    assert spread(solution, "shifts") <= 1
    assert spread(solution, "weekends") <= 1


def test_someone_available_half_the_period_gets_about_half():
    shift = ShiftSpec("hotline", time(8), time(17), 3, 3)
    people = team(6, p1={"unavailable": days(10, 19, "leave")})
    problem = Problem(MONDAY, 20, [shift], people, Rules())
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    # 60 shifts over 5 × 20 + 10 available days: 5.45 for the one on leave, 10.9 for the others.
    assert abs(solution.load[1].shifts - 60 * 10 / 110) <= 1
    assert all(abs(solution.load[p].shifts - 60 * 20 / 110) <= 1 for p in range(2, 7))


def test_nights_are_shared_only_among_those_who_may_work_them():
    people = team(9, p1={"shifts": frozenset({"day"})}, p2={"shifts": frozenset({"day"})})
    night = ShiftSpec("night", time(22), time(6), 1, 1, night=True)
    problem = Problem(MONDAY, 14, [DAY, night], people, Rules())
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    assert solution.load[1].nights == solution.load[2].nights == 0
    assert spread(solution, "nights", people=range(3, 10)) <= 1


# --- Re-plan ---------------------------------------------------------------------------------------


def test_a_quarantine_mid_period_changes_only_what_it_must(solved):
    problem, first = solved
    quarantined = next(p for p in range(1, 9) if sum(p in first.assignments[(day(i), "day")] for i in range(7, 14)))
    people = [dataclasses.replace(p, unavailable={**p.unavailable, **days(7, 13, "quarantine")})
              if p.id == quarantined else p for p in problem.people]  # fmt: skip
    kept = {key: frozenset(people) for key, people in first.assignments.items() if key[0] < day(7)}
    previous = {key: frozenset(people) for key, people in first.assignments.items()}
    replan = dataclasses.replace(problem, people=people, fixed=kept, previous=previous)
    # Room to prove the fewest changes on a loaded machine: the solver stops as soon as it has.
    second = solve(replan, time_limit=60)
    assert second.status == "optimal"

    assert check(replan, second.assignments) == []
    assert all(second.assignments[key] == tuple(sorted(people)) for key, people in kept.items())
    lost = sum(quarantined in people for (d, _code), people in first.assignments.items() if d >= day(7))
    assert second.changes == 2 * lost  # each of their shifts: them out, one other in
    assert not any(quarantined in people for (d, _code), people in second.assignments.items() if d >= day(7))


def test_the_days_before_the_start_count_for_rest_and_days_in_a_row():
    history = {(day(-1), "night"): frozenset({1})} | {(day(-i), "day"): frozenset({4, 5}) for i in range(1, 6)}
    problem = small_problem(history=history)
    solution = solve(problem, time_limit=LIMIT)
    assert check(problem, solution.assignments) == []
    assert not {1, 4, 5} & set(solution.assignments[(day(0), "day")])


# --- Replacements ----------------------------------------------------------------------------------


def test_every_suggested_replacement_keeps_the_plan_clean(solved):
    problem, solution = solved
    key = (day(8), "night")
    person_out = solution.assignments[key][0]
    candidates = suggest_replacements(problem, solution.assignments, *key, person_out)
    assert candidates
    for candidate in candidates:
        swapped = with_slot(solution, key, [candidate.person])
        assert check(problem, swapped) == []
        assert candidate.reason
    assert person_out not in {c.person for c in candidates}
    assert [c.load.shifts for c in candidates] == sorted(c.load.shifts for c in candidates)


def test_replacements_leave_out_who_cannot_come_or_has_no_rest(solved):
    problem, solution = solved
    key = (day(4), "day")
    person_out = solution.assignments[key][0]
    candidates = {c.person for c in suggest_replacements(problem, solution.assignments, *key, person_out)}
    assert 2 not in candidates  # on leave on day 4
    assert not set(solution.assignments[(day(3), "night")]) & candidates  # night before: 1 h of rest
    assert not set(solution.assignments[key]) & candidates
    with pytest.raises(ValueError):
        suggest_replacements(problem, solution.assignments, *key, 99)


# --- Explanations ----------------------------------------------------------------------------------


def reasons_of(problem: Problem) -> list:
    with pytest.raises(Infeasible) as raised:
        solve(problem, time_limit=LIMIT)
    assert raised.value.proven
    return raised.value.reasons


def test_too_few_people_on_a_day_because_of_leave():
    shift = ShiftSpec("hotline", time(8), time(17), 2, 2)
    people = team(3, p2={"unavailable": days(2, 2, "leave")}, p3={"unavailable": days(2, 3, "quarantine")})
    [reason] = reasons_of(Problem(MONDAY, 5, [shift], people, Rules()))
    assert (reason.rule, reason.day, reason.shift, reason.needed, reason.available) == (
        "min_people", day(2), "hotline", 2, 1)  # fmt: skip
    assert reason.absent == (2, 3)
    assert "An 3 (quarantine)" in reason.detail


def test_the_solver_alone_names_the_same_day_and_rule():
    shift = ShiftSpec("hotline", time(8), time(17), 2, 2)
    people = team(3, p2={"unavailable": days(2, 2, "leave")}, p3={"unavailable": days(2, 3, "quarantine")})
    reasons = explain(Problem(MONDAY, 5, [shift], people, Rules()), time_limit=LIMIT)
    assert ("min_people", day(2), "hotline") in rules_of(reasons)
    assert {(r.person, r.day) for r in reasons if r.rule == "unavailable"} == {(2, day(2)), (3, day(2))}
    assert explain(small_problem(days=3), time_limit=LIMIT) == []


def test_a_skill_missing_on_a_day():
    people = team(6, p1={"unavailable": days(4, 4, "F1")}, p4={"unavailable": days(3, 6, "quarantine")})
    reasons = reasons_of(small_problem(days=7, people=people))
    assert rules_of(reasons) == {("skill", day(4), "night")}
    [reason] = reasons
    assert (reason.skill, reason.needed, reason.available, reason.absent) == ("network", 1, 0, (1, 4))


def test_too_few_people_for_all_of_a_days_shifts():
    people = team(3)
    reasons = reasons_of(Problem(MONDAY, 3, [DAY, ShiftSpec("evening", time(15), time(23), 2, 2)], people, Rules()))
    assert [(r.rule, r.day, r.shift, r.needed, r.available) for r in reasons] == [
        ("min_people", day(i), None, 4, 3) for i in range(3)]  # fmt: skip


def test_too_few_people_who_may_work_a_days_shifts_even_if_others_are_free():
    evening = ShiftSpec("evening", time(15), time(23), 0, 3)
    only_evenings = {"shifts": frozenset({"evening"})}
    people = team(5, p3=only_evenings, p4=only_evenings, p5=only_evenings)
    reasons = reasons_of(Problem(MONDAY, 1, [DAY, NIGHT, evening], people, Rules()))
    assert [(r.rule, r.day, r.shift, r.needed, r.available) for r in reasons] == [("min_people", day(0), None, 3, 2)]


def test_one_person_with_a_skill_cannot_cover_every_shift_of_a_day():
    shifts = [ShiftSpec(code, start, end, 1, 3, skills={"database": 1})
              for code, start, end in (("day", time(7), time(15)), ("evening", time(15), time(23)))]  # fmt: skip
    people = [PersonSpec(1, "An", frozenset({"database"})), *team(4)[1:],
              PersonSpec(5, "Em", frozenset({"database"}), unavailable={day(1): "F1"})]  # fmt: skip
    [reason] = reasons_of(Problem(MONDAY, 3, shifts, people, Rules()))
    assert (reason.rule, reason.day, reason.shift, reason.skill, reason.needed, reason.available, reason.absent) == (
        "skill", day(1), None, "database", 2, 1, (5,))  # fmt: skip


def test_six_people_cannot_cover_every_day_of_a_week_at_six_days_in_a_row():
    shift = ShiftSpec("oncall", time(8), time(8), 6, 6)  # 24 hours, every day
    reasons = reasons_of(Problem(MONDAY, 7, [shift], team(6), Rules(max_consecutive_days=6, min_rest_hours=0)))
    [reason] = reasons
    assert (reason.rule, reason.day, reason.last_day, reason.needed, reason.available) == (
        "max_consecutive_days", day(0), day(6), 42, 36)  # fmt: skip


def test_rest_makes_a_night_and_the_next_morning_impossible():
    night = ShiftSpec("night", time(18), time(6), 2, 2, weekdays=frozenset({0}), night=True)  # Mondays
    morning = ShiftSpec("day", time(7), time(15), 2, 2, weekdays=frozenset({1}))  # Tuesdays
    [reason] = reasons_of(Problem(MONDAY, 2, [night, morning], team(3), Rules()))
    assert (reason.rule, reason.day, reason.shift, reason.last_day, reason.needed, reason.available) == (
        "min_rest", day(0), "night", day(1), 4, 3)  # fmt: skip
    assert reason.cells == ((day(0), "night"), (day(1), "day"))


def test_rest_with_one_person_holding_two_skills_is_explained_by_the_solver():
    """The counting checks pass (each slot has its skill), but An is the only one with a network
    skill on Wednesday night and the only one with a database skill on Thursday morning."""
    night = ShiftSpec("night", time(18), time(6), 1, 2, skills={"network": 1}, night=True)
    morning = ShiftSpec("day", time(7), time(15), 1, 2, skills={"database": 1})
    people = [
        PersonSpec(1, "An", frozenset({"network", "database"})),
        PersonSpec(2, "Bình", frozenset({"network"}), unavailable={day(2): "F1"}),
        PersonSpec(3, "Chi", frozenset({"database"}), unavailable={day(3): "quarantine"}),
        PersonSpec(4, "Dũng"),
        PersonSpec(5, "Em"),
    ]
    reasons = reasons_of(Problem(MONDAY, 5, [night, morning], people, Rules()))
    assert any(r.rule == "min_rest" and r.person == 1 and r.day == day(2) and r.shift == "night" for r in reasons)
    assert {("skill", day(2), "night"), ("skill", day(3), "day")} <= rules_of(reasons)
    assert {(r.person, r.day) for r in reasons if r.rule == "unavailable"} == {(2, day(2)), (3, day(3))}


def test_days_in_a_row_for_one_person_are_explained_by_the_solver():
    """Bình (network) is away the first four nights and Chi (database) the last three: An, who
    has both, would have to work seven nights in a row."""
    night = ShiftSpec("night", time(23), time(7), 2, 2, skills={"network": 1, "database": 1}, night=True)
    people = [
        PersonSpec(1, "An", frozenset({"network", "database"})),
        PersonSpec(2, "Bình", frozenset({"network"}), unavailable=days(0, 3, "leave")),
        PersonSpec(3, "Chi", frozenset({"database"}), unavailable=days(4, 6, "leave")),
        PersonSpec(4, "Dũng"),
        PersonSpec(5, "Em"),
    ]
    reasons = reasons_of(Problem(MONDAY, 7, [night], people, Rules(max_consecutive_days=6)))
    consecutive = [r for r in reasons if r.rule == "max_consecutive_days"]
    assert [(r.person, r.day, r.last_day) for r in consecutive] == [(1, day(0), day(6))]
    assert {r.skill for r in reasons if r.rule == "skill"} == {"network", "database"}


def test_rest_after_the_last_night_before_the_start():
    morning = ShiftSpec("day", time(7), time(15), 1, 1)
    night = ShiftSpec("night", time(18), time(6), 0, 1, night=True)
    people = [PersonSpec(1, "An"), PersonSpec(2, "Bình", unavailable={MONDAY: "leave"})]
    problem = Problem(MONDAY, 3, [morning, night], people, Rules(), history={(day(-1), "night"): frozenset({1})})
    reasons = reasons_of(problem)
    assert ("min_people", day(0), "day") in rules_of(reasons)
    assert any(r.rule == "min_rest" and r.person == 1 and r.day == day(-1) for r in reasons)


def test_a_kept_slot_that_breaks_a_rule():
    problem = small_problem(fixed={(day(4), "day"): frozenset({2, 3})})  # An 2 is on leave on day 4
    [reason] = reasons_of(problem)
    assert (reason.rule, reason.violates, reason.day, reason.shift, reason.person) == (
        "fixed", "unavailable", day(4), "day", 2)  # fmt: skip


def test_mistakes_of_the_caller_are_value_errors():
    with pytest.raises(ValueError):
        solve(small_problem(shifts=[DAY, DAY]), time_limit=LIMIT)
    with pytest.raises(ValueError):
        solve(small_problem(fixed={(day(30), "day"): frozenset({1})}), time_limit=LIMIT)
