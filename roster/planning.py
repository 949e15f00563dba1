"""From the roster's rows to the solver and back: generate a rotation, re-plan from a day after
someone became unavailable, give one shift to a replacement, swap two shifts, issue the notice.
Every change is checked against the hard rules (`solver.check`), written in one transaction,
kept as a `RosterEvent` with what changed, in the audit log, and mailed to the people concerned."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit

from . import solver
from .models import Assignment, Member, Roster, RosterEvent, Unavailability

HISTORY_DAYS = 7  # the days before a roster's start that count for rest and days in a row
# Public holidays on fixed dates; the lunar ones (Tết, the Hùng Kings) are not counted yet.
FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 1), (9, 2))


class PlanningError(Exception):
    """A change refused; `reasons` are messages for the person (Vietnamese when active)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Outcome:
    changes: list[dict]
    seconds: float
    status: str


def holidays(start: datetime.date, end: datetime.date) -> frozenset[datetime.date]:
    out = set()
    for year in range(start.year, end.year + 1):
        for month, day in FIXED_HOLIDAYS:
            d = datetime.date(year, month, day)
            if start <= d <= end:
                out.add(d)
    return frozenset(out)


def unavailable_days(people_ids, start: datetime.date, end: datetime.date, exclude_roster=None) -> dict:
    """person id -> {day: reason}: leave, quarantine, F1… and the days they are on another roster."""
    out: dict[int, dict] = defaultdict(dict)
    for gap in Unavailability.objects.filter(person_id__in=people_ids, start__lte=end, end__gte=start):
        day = max(gap.start, start)
        while day <= min(gap.end, end):
            out[gap.person_id][day] = gap.reason
            day += datetime.timedelta(days=1)
    others = Assignment.objects.filter(person_id__in=people_ids, day__gte=start, day__lte=end)
    if exclude_roster is not None:
        others = others.exclude(roster=exclude_roster)
    for person_id, day in others.values_list("person_id", "day"):
        out[person_id].setdefault(day, "other_roster")
    return out


def problem_for(roster: Roster, *, replan_from: datetime.date | None = None) -> solver.Problem:
    shifts = list(roster.shifts.prefetch_related("needs__skill"))
    members = list(roster.members.select_related("person").prefetch_related("skills", "shifts"))
    ids = [m.person_id for m in members]
    gaps = unavailable_days(ids, roster.start, roster.end, exclude_roster=roster)
    specs = [
        solver.ShiftSpec(
            code=s.code,
            start=s.start,
            end=s.end,
            min_people=s.min_people,
            max_people=s.max_people,
            skills={n.skill.code: n.count for n in s.needs.all()},
            weekdays=frozenset(int(c) for c in s.weekdays),
            night=s.night,
            works=s.mode != s.Mode.REMOTE,  # working from home: not work time for rest and fairness
        )
        for s in shifts
    ]
    people = [
        solver.PersonSpec(
            id=m.person_id,
            name=m.person.full_name or m.person.username,
            skills=frozenset(k.code for k in m.skills.all()),
            shifts=frozenset(s.code for s in m.shifts.all()) or None,
            unavailable=dict(gaps.get(m.person_id, {})),
        )
        for m in members
    ]
    current = plan_of(roster)
    fixed, previous = {}, {}
    if replan_from is not None:
        fixed = {key: ids for key, ids in current.items() if key[0] < replan_from}
        previous = {key: ids for key, ids in current.items() if key[0] >= replan_from}
    return solver.Problem(
        start=roster.start,
        days=(roster.end - roster.start).days + 1,
        shifts=specs,
        people=people,
        rules=solver.Rules(max_consecutive_days=roster.max_consecutive_days, min_rest_hours=roster.min_rest_hours),
        holidays=holidays(roster.start, roster.end),
        fixed=fixed,
        previous=previous,
        history=history_for(roster, set(ids)),
    )


def history_for(roster: Roster, people: set[int]) -> dict:
    """The week before the start on the same unit's rosters of the same kind, by shift code."""
    codes = set(roster.shifts.values_list("code", flat=True))
    rows = Assignment.objects.filter(
        roster__organisation=roster.organisation,
        roster__kind=roster.kind,
        day__gte=roster.start - datetime.timedelta(days=HISTORY_DAYS),
        day__lt=roster.start,
        person_id__in=people,
    ).values_list("day", "shift__code", "person_id")
    out: dict = defaultdict(set)
    for day, code, person_id in rows:
        if code in codes:
            out[(day, code)].add(person_id)
    return {key: frozenset(ids) for key, ids in out.items()}


def plan_of(roster: Roster) -> dict:
    """(day, shift code) -> frozenset of person ids, as stored."""
    out: dict = defaultdict(set)
    for day, code, person_id in roster.assignments.values_list("day", "shift__code", "person_id"):
        out[(day, code)].add(person_id)
    return {key: frozenset(ids) for key, ids in out.items()}


def explain(reason, names: dict[int, str], shift_names: dict[str, str], skill_names: dict[str, str]) -> str:
    """One reason (solver.Reason or Violation) as a sentence for the manager: which day, which
    shift, which rule, and who is away when that is why."""
    day = getattr(reason, "day", None)
    last = getattr(reason, "last_day", None)
    values = {
        "day": day.strftime("%d/%m/%Y") if day else "",
        "days": (
            f"{day:%d/%m}–{last:%d/%m/%Y}" if last and day and last != day else (f"{day:%d/%m/%Y}" if day else "")
        ),
        "shift": shift_names.get(reason.shift or "", reason.shift or ""),
        "person": names.get(reason.person, "") if reason.person else "",
        "needed": reason.needed if reason.needed is not None else "",
        "available": _available(reason),
        "skill": skill_names.get(getattr(reason, "skill", None) or "", getattr(reason, "skill", None) or ""),
    }
    if reason.rule == "min_people" and not reason.shift:
        text = _("%(day)s: the day's shifts need %(needed)s people, only %(available)s can work that day.")
    else:
        text = {
            "min_people": _("%(day)s, %(shift)s: needs %(needed)s people, only %(available)s can work it."),
            "max_people": _("%(day)s, %(shift)s: more people than the shift may have (%(needed)s)."),
            "skill": _(
                "%(day)s, %(shift)s: needs %(needed)s people with the skill “%(skill)s”, only %(available)s available."
            ),
            "not_allowed": _("%(day)s: %(person)s may not work the shift %(shift)s."),
            "unavailable": _("%(day)s: %(person)s is unavailable (leave, quarantine, F1…) but is on %(shift)s."),
            "max_shifts_per_day": _("%(day)s: %(person)s has more shifts than allowed in a day."),
            "max_consecutive_days": _(
                "%(days)s: the shifts cannot be covered without someone working more than the days in a row "
                "the roster allows%(person_part)s."
            ),
            "min_rest": _("%(days)s, %(shift)s: not enough rest between two shifts%(person_part)s."),
            "fixed": _("%(day)s, %(shift)s: the shifts kept as they were (before the re-plan day) break a rule."),
            "time_limit": _("No roster was found in the time allowed; try again or loosen a rule."),
            "rules": _("The rules cannot all hold together; loosen one (people per shift, days in a row, rest)."),
        }.get(reason.rule)
    if text is None:
        return reason.detail
    values["person_part"] = f" ({values['person']})" if values["person"] else ""
    sentence = text % values
    absent = [names[p] for p in getattr(reason, "absent", ()) if p in names]
    if absent:
        sentence += " " + _("Unavailable that day: %(names)s.") % {"names": ", ".join(absent)}
    return sentence


def _available(reason) -> str:
    for attr in ("available", "actual"):
        value = getattr(reason, attr, None)
        if value is not None:
            return str(value)
    return ""


def _labels(roster: Roster, problem) -> tuple[dict, dict, dict]:
    from .models import Skill

    return (
        {p.id: p.name for p in problem.people},
        dict(roster.shifts.values_list("code", "name")),
        dict(Skill.objects.values_list("code", "name")),
    )


@transaction.atomic
def generate(
    roster: Roster, actor, *, replan_from: datetime.date | None = None, time_limit: float | None = None
) -> Outcome:
    """Fill the roster (or re-plan it from `replan_from`, keeping the days before). Raises
    PlanningError with the reasons when the rules cannot be met; nothing is changed then."""
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if not roster.shifts.exists():
        raise PlanningError([_("The roster has no shifts yet.")])
    if not roster.members.exists():
        raise PlanningError([_("The roster has no team yet.")])
    if replan_from is not None and not roster.start <= replan_from <= roster.end:
        raise PlanningError([_("The day to re-plan from must be within the roster's period.")])
    problem = problem_for(roster, replan_from=replan_from)
    try:
        solution = solver.solve(problem, time_limit=time_limit or settings.ROSTER_SOLVE_SECONDS)
    except solver.Infeasible as infeasible:
        labels = _labels(roster, problem)
        raise PlanningError([explain(r, *labels) for r in infeasible.reasons]) from None
    except ValueError as wrong:  # the roster's own data contradicts itself (the forms prevent it)
        raise PlanningError([_("The roster's settings are inconsistent: %(why)s") % {"why": wrong}]) from None
    changes = apply(roster, solution.assignments, keep_before=replan_from, source=Assignment.Source.PLAN)
    roster.generated_at = timezone.now()
    roster.solve_seconds = solution.seconds
    roster.solve_status = solution.status
    fields = ["generated_at", "solve_seconds", "solve_status"]
    if roster.state == Roster.State.ISSUED and changes:
        roster.state, roster.replaces = Roster.State.DRAFT, roster.number
        fields += ["state", "replaces"]
    roster.save(update_fields=fields)
    kind = "replan" if replan_from else "generate"
    record(roster, actor, kind, changes, replan_from.isoformat() if replan_from else "")
    return Outcome(changes=changes, seconds=solution.seconds, status=solution.status)


def apply(roster: Roster, plan: dict, *, keep_before: datetime.date | None, source: str) -> list[dict]:
    """Make the stored assignments equal `plan` (from `keep_before` on, or all); the changes."""
    shifts = {s.code: s for s in roster.shifts.all()}
    current = roster.assignments.all()
    if keep_before is not None:
        current = current.filter(day__gte=keep_before)
    have = {(a.day, a.shift.code, a.person_id): a for a in current.select_related("shift")}
    want = {
        (day, code, person_id)
        for (day, code), ids in plan.items()
        if keep_before is None or day >= keep_before
        for person_id in ids
    }
    removed = [have[key] for key in have.keys() - want]
    added = sorted(want - have.keys())
    Assignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
    Assignment.objects.bulk_create(
        Assignment(roster=roster, day=day, shift=shifts[code], person_id=person_id, source=source)
        for day, code, person_id in added
    )
    if keep_before is None and not have:
        return []  # a first generation: everything is new, nothing to tell apart
    return changes_between(removed, added, shifts)


def changes_between(removed, added, shifts) -> list[dict]:
    from core.models import Person

    names = dict(
        Person.objects.filter(pk__in={a.person_id for a in removed} | {p for _d, _c, p in added}).values_list(
            "pk", "full_name"
        )
    )
    out = [
        {
            "day": a.day.isoformat(),
            "shift": a.shift.code,
            "shift_name": a.shift.name,
            "out": names.get(a.person_id, ""),
            "out_id": a.person_id,
        }
        for a in removed
    ] + [
        {"day": day.isoformat(), "shift": code, "shift_name": shifts[code].name, "in": names.get(pid, ""), "in_id": pid}
        for day, code, pid in added
    ]
    out.sort(key=lambda c: (c["day"], c["shift"], "in" in c))
    return out


def record(roster: Roster, actor, kind: str, changes: list[dict], note: str = "") -> RosterEvent:
    event = RosterEvent.objects.create(roster=roster, actor=actor, kind=kind, changes=changes, note=note)
    audit.record(actor, f"roster.{kind}", roster, after={"changes": len(changes), "note": note})
    if changes:
        from core.tasks import enqueue_on_commit

        from .tasks import notify_changes

        enqueue_on_commit(notify_changes, event.pk)
    return event


def violations_caused(roster: Roster, before: dict, after: dict) -> list[str]:
    """The rule breaches `after` has that `before` had not (an existing breach may be mended)."""
    problem = problem_for(roster)
    old = {_violation_key(v) for v in solver.check(problem, before)}
    labels = _labels(roster, problem)
    return [explain(v, *labels) for v in solver.check(problem, after) if _violation_key(v) not in old]


def _violation_key(v) -> tuple:
    return (v.rule, v.day, v.shift, v.person, v.skill)


def conflicts(roster: Roster) -> list[Assignment]:
    """Assignments whose person has since become unavailable (leave, quarantine, F1…)."""
    rows = list(roster.assignments.select_related("shift", "person"))
    gaps = unavailable_days({a.person_id for a in rows}, roster.start, roster.end, exclude_roster=roster)
    return [a for a in rows if a.day in gaps.get(a.person_id, {})]


def suggestions(roster: Roster, assignment: Assignment) -> list:
    problem = problem_for(roster)
    return solver.suggest_replacements(
        problem, plan_of(roster), assignment.day, assignment.shift.code, assignment.person_id
    )


@transaction.atomic
def replace(roster: Roster, assignment: Assignment, person_id: int, actor) -> list[dict]:
    """Give `assignment`'s shift to another member; refused if it breaks a rule it did not break."""
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if not Member.objects.filter(roster=roster, person_id=person_id).exists():
        raise PlanningError([_("This person is not on the roster's team.")])
    before = plan_of(roster)
    key = (assignment.day, assignment.shift.code)
    after = dict(before)
    after[key] = (before.get(key, frozenset()) - {assignment.person_id}) | {person_id}
    problems = violations_caused(roster, before, after)
    if problems:
        raise PlanningError(problems)
    changes = apply_one(roster, assignment, person_id, Assignment.Source.REPLACEMENT)
    record(roster, actor, "replace", changes)
    return changes


def apply_one(roster, assignment: Assignment, person_id: int, source: str) -> list[dict]:
    shifts = {assignment.shift.code: assignment.shift}
    removed = [assignment]
    assignment.delete()
    Assignment.objects.create(
        roster=roster, day=assignment.day, shift=assignment.shift, person_id=person_id, source=source
    )
    if roster.state == Roster.State.ISSUED:
        Roster.objects.filter(pk=roster.pk).update(state=Roster.State.DRAFT, replaces=roster.number)
    return changes_between(removed, [(assignment.day, assignment.shift.code, person_id)], shifts)


def _tell(person, subject: str, body: str) -> None:
    from core.tasks import enqueue_on_commit, send_email

    if person is not None and person.email:
        enqueue_on_commit(send_email, [person.email], subject, body)


def ask_swap(requester, give: Assignment, partner, take: Assignment | None, message: str = ""):
    """`requester` asks `partner` to take `give` (or to exchange it for their `take`)."""
    from .models import SwapRequest

    roster = give.roster
    if give.person_id != requester.pk:
        raise PlanningError([_("You can only offer your own shift.")])
    if give.day < timezone.localdate():
        raise PlanningError([_("This shift is past.")])
    if partner.pk == requester.pk or not Member.objects.filter(roster=roster, person=partner).exists():
        raise PlanningError([_("Choose someone else on the same roster.")])
    if take is not None and (
        take.roster_id != roster.pk or take.person_id != partner.pk or take.day < timezone.localdate()
    ):
        raise PlanningError([_("The shift taken in exchange must be a coming shift of that person on this roster.")])
    if SwapRequest.objects.filter(give=give, state__in=["asked", "accepted"]).exists():
        raise PlanningError([_("This shift already has a request under way.")])
    problems = _swap_problems(roster, give, partner, take)
    if problems:
        raise PlanningError(problems)
    swap = SwapRequest.objects.create(
        roster=roster, requester=requester, give=give, partner=partner, take=take, message=message[:300]
    )
    _tell(
        partner,
        f"Đề nghị đổi ca: {roster.title}",
        f"{requester.full_name} đề nghị anh/chị nhận ca {give.shift.name} ngày {give.day:%d/%m/%Y}"
        + (f" và đổi lại ca {take.shift.name} ngày {take.day:%d/%m/%Y} của anh/chị" if take else "")
        + ".\nXin trả lời trên hệ thống Tin Cậy (mục Ca trực của tôi).\n",
    )
    return swap


def _swap_plan(roster: Roster, give: Assignment, partner, take: Assignment | None) -> tuple[dict, dict]:
    before = plan_of(roster)
    after = dict(before)
    key = (give.day, give.shift.code)
    after[key] = (after.get(key, frozenset()) - {give.person_id}) | {partner.pk}
    if take is not None:
        other = (take.day, take.shift.code)
        after[other] = (after.get(other, frozenset()) - {take.person_id}) | {give.person_id}
    return before, after


def _swap_problems(roster, give, partner, take) -> list[str]:
    before, after = _swap_plan(roster, give, partner, take)
    return violations_caused(roster, before, after)


def answer_swap(person, swap, accept: bool, reason: str = ""):
    """The partner accepts (then the manager decides) or refuses."""
    if swap.partner_id != person.pk or swap.state != "asked":
        raise PlanningError([_("This request is not waiting for your answer.")])
    swap.state = "accepted" if accept else "refused"
    swap.reason = reason[:300]
    swap.decided_at = timezone.now()
    swap.save(update_fields=["state", "reason", "decided_at"])
    word = "đồng ý" if accept else "từ chối"
    _tell(
        swap.requester,
        f"Đề nghị đổi ca: {swap.roster.title}",
        f"{person.full_name} đã {word} đề nghị đổi ca của anh/chị.\n",
    )
    return swap


@transaction.atomic
def decide_swap(manager, swap, approve: bool, reason: str = "") -> list[dict]:
    """The roster's manager approves an accepted swap (the rules are checked again, on the plan as
    it is now) or refuses it with a reason."""
    from .models import SwapRequest

    # Only the request's row is locked (PostgreSQL locks no row of an outer join's nullable side).
    swap = (
        SwapRequest.objects.select_for_update(of=("self",)).select_related("give__shift", "take__shift").get(pk=swap.pk)
    )
    if swap.state != "accepted":
        raise PlanningError([_("Only a request the partner accepted is decided.")])
    roster = Roster.objects.select_for_update().get(pk=swap.roster_id)
    changes: list[dict] = []
    if approve:
        give, take = swap.give, swap.take
        partner = swap.partner
        if give.person_id != swap.requester_id or (take is not None and take.person_id != partner.pk):
            raise PlanningError([_("The shifts have changed since the request: ask again.")])
        problems = _swap_problems(roster, give, partner, take)
        if problems:
            raise PlanningError(problems)
        shifts = {give.shift.code: give.shift}
        removed, added = [give], [(give.day, give.shift.code, partner.pk)]
        Assignment.objects.filter(pk=give.pk).update(person=partner, source=Assignment.Source.SWAP)
        if take is not None:
            shifts[take.shift.code] = take.shift
            removed.append(take)
            added.append((take.day, take.shift.code, swap.requester_id))
            Assignment.objects.filter(pk=take.pk).update(person_id=swap.requester_id, source=Assignment.Source.SWAP)
        changes = changes_between(removed, added, shifts)
        if roster.state == Roster.State.ISSUED:
            Roster.objects.filter(pk=roster.pk).update(state=Roster.State.DRAFT, replaces=roster.number)
        record(roster, manager, "swap", changes)
    swap.state = "approved" if approve else "refused"
    swap.decided_by, swap.decided_at, swap.reason = manager, timezone.now(), reason[:300]
    swap.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    if not approve:
        for person in (swap.requester, swap.partner):
            _tell(person, f"Đề nghị đổi ca: {roster.title}", f"Đề nghị đổi ca không được chấp thuận. {reason}\n")
    return changes
