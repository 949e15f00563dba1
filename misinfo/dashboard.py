"""The desk's dashboard: open cases by state and district, overdue actions, how long it takes
from the first tip to the verdict and to the published rebuttal, and weekly counts."""

import datetime
import math
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.access import visible_to

from .models import ActionEvent, Case, CaseAction, Tip

WEEKS = 12


@dataclass
class Durations:
    count: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


@dataclass
class Dashboard:
    by_state: list = field(default_factory=list)  # [(label, count)]
    by_district: list = field(default_factory=list)  # [(district name, open count)]
    overdue: list = field(default_factory=list)  # CaseAction
    to_verdict: Durations = field(default_factory=Durations)
    to_rebuttal: Durations = field(default_factory=Durations)
    weeks: list = field(default_factory=list)  # [(week start, tips, new claims)]


def _durations(hours: list[float]) -> Durations:
    if not hours:
        return Durations()
    hours = sorted(hours)
    p90 = hours[math.ceil(0.9 * len(hours)) - 1]  # nearest rank
    return Durations(len(hours), statistics.median(hours), p90)


def build(person) -> Dashboard:
    cases = visible_to(person, Case.objects.all())
    d = Dashboard()
    counts = dict(cases.values_list("state").annotate(n=Count("pk")))
    d.by_state = [(state.label, counts.get(state.value, 0)) for state in Case.State]
    open_cases = cases.exclude(state=Case.State.CLOSED)
    d.by_district = list(
        open_cases.values_list("org_unit__name").annotate(n=Count("pk")).order_by("-n", "org_unit__name")
    )
    today = timezone.localdate()
    d.overdue = list(
        visible_to(person, CaseAction.objects.select_related("case__claim"))
        .filter(deadline__lt=today)
        .exclude(state__in=[CaseAction.State.DONE, CaseAction.State.CANCELLED])
        .order_by("deadline")
    )
    first_tip = dict(
        Tip.objects.filter(claim__case__in=cases).values_list("claim__case").annotate(first=Min("received_at"))
    )
    d.to_verdict = _durations([
        (c.verdict_at - first_tip[c.pk]).total_seconds() / 3600
        for c in cases.exclude(verdict_at=None)
        if c.pk in first_tip
    ])  # fmt: skip
    done = (
        ActionEvent.objects.filter(
            action__case__in=cases, action__kind=CaseAction.Kind.REBUTTAL, to_state=CaseAction.State.DONE
        )
        .values_list("action__case", "at")
        .order_by("at")
    )
    rebuttal_at: dict[int, datetime.datetime] = {}
    for case_id, at in done:
        rebuttal_at.setdefault(case_id, at)
    d.to_rebuttal = _durations(
        [(at - first_tip[cid]).total_seconds() / 3600 for cid, at in rebuttal_at.items() if cid in first_tip]
    )
    since = today - datetime.timedelta(weeks=WEEKS)
    tips = dict(
        visible_to(person, Tip.objects.filter(received_at__date__gte=since))
        .annotate(week=TruncWeek("received_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
    )
    claims = dict(
        visible_to(person, Tip.objects.filter(received_at__date__gte=since, match=Tip.Match.NEW))
        .annotate(week=TruncWeek("received_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
    )
    monday = today - datetime.timedelta(days=today.weekday())
    for i in range(WEEKS - 1, -1, -1):
        start = monday - datetime.timedelta(weeks=i)
        n_tips = sum(n for week, n in tips.items() if _local_date(week) == start)
        n_claims = sum(n for week, n in claims.items() if _local_date(week) == start)
        d.weeks.append((start, n_tips, n_claims))
    return d


def _local_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
