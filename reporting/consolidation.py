"""The province's view of a cycle: every expected unit with its state, totals, rates and trends.

Rates follow DHIS2's definitions, over the expected sections frozen when the cycle opened:
- reporting rate = sections reported (submitted or accepted) / sections expected;
- on-time rate = sections reported with their submission in force at or before the deadline
  / sections expected (server timestamps).
A returned section does not count as reported until it is submitted again.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit

from .models import FormField, ReportCycle, Submission

S = Submission.State
REPORTED = [S.SUBMITTED, S.ACCEPTED]
TREND_CYCLES = 12

STATUS_LABELS = {
    "accepted": _("Accepted"),
    "on_time": _("Submitted"),
    "late": _("Late"),
    "returned": _("Returned"),
    "missing": _("Missing"),
    "open": _("Not yet submitted"),
}


def status_of(sub: Submission, due_at, now) -> str:
    if sub.state in REPORTED and sub.submitted_at > due_at:
        return "late"  # accepted or not: lateness is what the focal point must see
    if sub.state == S.ACCEPTED:
        return "accepted"
    if sub.state == S.SUBMITTED:
        return "on_time"
    if sub.state == S.RETURNED:
        return "returned"
    return "missing" if now > due_at else "open"


STATUS_CLASSES = {
    "accepted": "badge--ok",
    "on_time": "badge--ok",
    "late": "badge--warn",
    "returned": "badge--warn",
    "missing": "badge--danger",
    "open": "badge--muted",
}


@dataclass
class DistrictRow:
    org_unit: object
    sections: dict = field(default_factory=dict)  # section code -> Submission
    total: int = 0
    # Filled by `consolidate` for the page, so the template loops over plain lists.
    cells: list = field(default_factory=list)  # number field values, in form order (None: not reported)
    states: list = field(default_factory=list)  # Submission or None, per section of the form
    texts: list = field(default_factory=list)  # (field label, section title, text)

    @property
    def complete(self) -> bool:
        return all(s.is_reported for s in self.sections.values())


@dataclass
class Consolidation:
    cycle: ReportCycle
    sections: list
    number_fields: list  # [(section, field)] numeric fields in form order
    text_fields: list  # [(section, field)]
    rows: list  # DistrictRow per district, in tree order
    expected: int = 0
    reported: int = 0
    on_time: int = 0
    status_counts: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)  # field code -> sum over reported sections
    grand_total: int = 0

    @property
    def reporting_rate(self) -> float | None:
        return 100 * self.reported / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return 100 * self.on_time / self.expected if self.expected else None

    @property
    def total_cells(self) -> list:
        return [self.totals[f.code] for _s, f in self.number_fields]

    @property
    def complete_districts(self) -> int:
        return sum(1 for r in self.rows if r.complete)


@dataclass
class SectionState:
    """What the consolidation needs of a Submission, read as plain values: a national cycle has
    1,400 sections, and full model instances with their related rows cost most of the time."""

    pk: int
    org_unit_id: int
    section_id: int
    state: str
    values: dict
    total: int
    submitted_at: object
    nothing_to_report: bool
    status: str = ""
    status_label: str = ""
    status_class: str = ""
    submitted_local: str = ""

    @property
    def is_reported(self) -> bool:
        return self.state in REPORTED


def consolidate(cycle: ReportCycle, submissions=None) -> Consolidation:
    """`submissions` may be narrowed by the caller (access scope); default: all of the cycle."""
    sections = list(cycle.form.sections.prefetch_related("fields"))
    section_codes = {s.pk: s.code for s in sections}
    number_fields = [(s, f) for s in sections for f in s.fields.all() if f.is_number]
    text_fields = [(s, f) for s in sections for f in s.fields.all() if f.kind == FormField.Kind.TEXT]
    qs = submissions if submissions is not None else cycle.submissions.all()
    subs = [
        SectionState(*values)
        for values in qs.values_list(
            "pk", "org_unit_id", "section_id", "state", "values", "total", "submitted_at", "nothing_to_report"
        )
    ]
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={s.org_unit_id for s in subs}).only("code", "name", "path")}
    section_order = {s.pk: i for i, s in enumerate(sections)}
    subs.sort(key=lambda s: (units[s.org_unit_id].path, section_order.get(s.section_id, 0)))
    now = timezone.now()
    result = Consolidation(cycle, sections, number_fields, text_fields, rows=[])
    by_unit: dict[int, DistrictRow] = {}
    totals = {f.code: 0 for _s, f in number_fields}
    number_fields_of = {s.pk: [f for _s, f in number_fields if f.section_id == s.pk] for s in sections}
    for sub in subs:
        row = by_unit.get(sub.org_unit_id)
        if row is None:
            row = by_unit[sub.org_unit_id] = DistrictRow(units[sub.org_unit_id])
            result.rows.append(row)
        row.sections[section_codes[sub.section_id]] = sub
        sub.status = status_of(sub, cycle.due_at, now)
        sub.status_label, sub.status_class = STATUS_LABELS[sub.status], STATUS_CLASSES[sub.status]
        if sub.submitted_at:
            sub.submitted_local = timezone.localtime(sub.submitted_at).strftime("%d/%m/%Y %H:%M")
        result.status_counts[sub.status] = result.status_counts.get(sub.status, 0) + 1
        result.expected += 1
        if sub.is_reported:
            result.reported += 1
            result.on_time += sub.submitted_at <= cycle.due_at
            row.total += sub.total
            result.grand_total += sub.total
            for f in number_fields_of.get(sub.section_id, []):
                totals[f.code] += sub.values.get(f.code) or 0
    result.totals = totals
    for row in result.rows:
        row.states = [row.sections.get(s.code) for s in sections]
        for section, f in number_fields:
            sub = row.sections.get(section.code)
            row.cells.append(sub.values.get(f.code) if sub is not None and sub.is_reported else None)
        for section, f in text_fields:
            sub = row.sections.get(section.code)
            if sub is not None and sub.is_reported and sub.values.get(f.code):
                row.texts.append((f.shown_label, section.shown_title, sub.values[f.code]))
    return result


def trend(cycle: ReportCycle, submissions=None, count: int = TREND_CYCLES) -> list[dict]:
    """The last `count` cycles of the same form and kind up to this one, oldest first: rates and
    totals per cycle, computed in the database."""
    cycles = list(
        ReportCycle.objects.filter(form_id=cycle.form_id, kind=cycle.kind, due_at__lte=cycle.due_at).order_by(
            "-due_at"
        )[:count]
    )
    if not cycles:
        return []
    number_fields = [
        f
        for f in FormField.objects.filter(section__form_id=cycle.form_id).order_by("section__order", "order")
        if f.is_number
    ]
    reported = Q(state__in=REPORTED)
    aggregates = {
        "expected": Count("id"),
        "reported": Count("id", filter=reported),
        "on_time": Count("id", filter=reported & Q(submitted_at__lte=F("cycle__due_at"))),
        "total": Sum("total", filter=reported),
    }
    for f in number_fields:
        aggregates[f"f_{f.code}"] = Sum(
            Cast(KT(f"values__{f.code}"), IntegerField()), filter=reported & Q(section_id=f.section_id)
        )
    qs = submissions if submissions is not None else Submission.objects.all()
    rows = {
        r["cycle_id"]: r for r in qs.filter(cycle__in=[c.pk for c in cycles]).values("cycle_id").annotate(**aggregates)
    }
    out = []
    for c in reversed(cycles):
        r = rows.get(c.pk, {})
        expected = r.get("expected") or 0
        out.append(
            {
                "cycle": c,
                "label": c.period_end.strftime("%d/%m"),
                "expected": expected,
                "reported": r.get("reported") or 0,
                "reporting_rate": 100 * (r.get("reported") or 0) / expected if expected else None,
                "on_time_rate": 100 * (r.get("on_time") or 0) / expected if expected else None,
                "total": r.get("total") or 0,
                "fields": {f.code: r.get(f"f_{f.code}") or 0 for f in number_fields},
            }
        )
    return out


def trend_fields(cycle: ReportCycle) -> list[FormField]:
    return [
        f
        for f in FormField.objects.filter(section__form_id=cycle.form_id).order_by("section__order", "order")
        if f.is_number
    ]
