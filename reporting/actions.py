"""State changes of the weekly report. Views, the API, the import and the scheduler call these;
each checks permission, validates everything first (nothing is saved half), changes the rows,
writes the status log and the audit event.

States of a section (Submission):
    pending/draft --save--> draft --submit--> submitted --accept--> accepted
    submitted/accepted --return (reason)--> returned --submit--> submitted
    pending/draft/returned --nothing to report--> submitted
A section that was ever submitted can still be corrected, but every changed value needs a reason
and goes into its history (ValueChange), shown beside the field.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see
from core.models import Organisation, OrgUnit

from . import reminders, schedule, validation
from .models import FormField, ReportCycle, ReportForm, Submission, SubmissionEvent, ValueChange

S = Submission.State
TRANSITIONS = {
    S.PENDING: {S.DRAFT, S.SUBMITTED},
    S.DRAFT: {S.DRAFT, S.SUBMITTED},
    S.SUBMITTED: {S.SUBMITTED, S.RETURNED, S.ACCEPTED},
    S.RETURNED: {S.SUBMITTED},
    S.ACCEPTED: {S.RETURNED},
}
MAX_REASON = 1000


class Rejected(Exception):
    """The input was refused; `errors` maps field codes (or "__all__") to Vietnamese messages."""

    def __init__(self, errors: dict, flags: dict | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.flags = flags or {}  # the errors that are values far from the unit's history


@dataclass
class Outcome:
    submission: Submission
    flags: dict = field(default_factory=dict)  # outlier messages, by field code
    changed: list = field(default_factory=list)


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _mark_submitted(submission: Submission, actor, when) -> None:
    """The submission in force: its time decides "on time" (DHIS2's completion date)."""
    submission.submitted_at = when
    submission.first_submitted_at = submission.first_submitted_at or when
    submission.submitted_by = _person(actor)
    submission.return_reason = ""


def _save(submission: Submission, when=None) -> None:
    """Save with the version moved on, so a page showing an older version cannot overwrite it."""
    submission.updated_at = when or timezone.now()
    submission.version = F("version") + 1
    submission.save()
    submission.refresh_from_db(fields=["version"])


def fields_of(submission: Submission) -> list[FormField]:
    return list(submission.section.fields.all())


def may_edit(person, submission: Submission) -> bool:
    """Only the reporting unit itself fills its section."""
    return bool(
        person is not None and can(person, "reporting.submit") and person.organisation_id == submission.organisation_id
    )


def _require_owner(actor, submission):
    if actor is not None and not may_edit(actor, submission):
        raise PermissionDenied


def _require_review(actor, submission):
    if actor is not None and not (can(actor, "reporting.review") and can_see(actor, submission)):
        raise PermissionDenied


def _set_state(actor, submission: Submission, to_state: str, reason: str = "") -> None:
    from_state = submission.state
    if to_state not in TRANSITIONS[from_state]:
        raise Rejected(
            {
                "__all__": _("This section is %(state)s and cannot be changed that way.")
                % {"state": submission.get_state_display().lower()}
            }
        )
    submission.state = to_state
    if from_state != to_state:
        SubmissionEvent.objects.create(
            submission=submission,
            actor=_person(actor),
            from_state=from_state,
            to_state=to_state,
            reason=reason,
        )


def _clean_reason(reason) -> str:
    reason, error = validation.check_text(reason if isinstance(reason, str) else "", _("reason"))
    if error:
        raise Rejected({"reason": error})
    return reason[:MAX_REASON]


def _check(submission, raw, *, complete: bool):
    fields = fields_of(submission)
    checked = validation.clean_section(
        fields, raw, district=submission.org_unit, window_minutes=submission.cycle.window_minutes, complete=complete
    )
    if not checked.ok:
        raise Rejected(checked.errors)
    return fields, checked.values


def _clean_comments(comments, fields) -> dict:
    if not isinstance(comments, dict):
        raise Rejected({"__all__": _("Comments must be an object of field codes.")})
    codes = {f.code for f in fields}
    out = {}
    for code, text in comments.items():
        if code not in codes:
            continue
        text, error = validation.check_text(text, _("comment"))
        if error:
            raise Rejected({code: error})
        if text:
            out[code] = text
    return out


def _record_changes(actor, submission, new_values: dict, reason: str) -> list[str]:
    """Keep the history of values changed after a first submission; the reason is required."""
    changed = [code for code, value in new_values.items() if submission.values.get(code) != value]
    if changed and submission.was_submitted:
        if not reason:
            raise Rejected(
                {
                    "reason": _("This section was already submitted: give the reason for the change (%(fields)s).")
                    % {"fields": ", ".join(changed)}
                }
            )
        ValueChange.objects.bulk_create(
            [
                ValueChange(
                    submission=submission,
                    field_code=code,
                    old=submission.values.get(code),
                    new=new_values[code],
                    reason=reason,
                    actor=_person(actor),
                )
                for code in changed
            ]
        )
    return changed


def _locked(submission: Submission) -> Submission:
    """Re-read the row under a lock, so two tabs or two API calls cannot interleave."""
    return Submission.objects.select_for_update().select_related("cycle", "section", "org_unit").get(pk=submission.pk)


@transaction.atomic
def save_draft(
    actor, submission: Submission, raw: dict, comments: dict | None = None, *, version: int | None = None
) -> Outcome:
    """Autosave of a section that was never submitted: types are checked, required fields not."""
    _require_owner(actor, submission)
    submission = _locked(submission)
    if submission.was_submitted:
        raise Rejected({"__all__": _("This section was already submitted: save your change with a reason.")})
    if version is not None and version != submission.version:
        raise Rejected(
            {"__all__": _("This section was changed in another window. Reload the page to see the latest values.")}
        )
    fields, values = _check(submission, raw, complete=False)
    submission.values = values
    submission.comments = _clean_comments(comments or {}, fields)
    submission.total = validation.total_of(fields, values)
    submission.nothing_to_report = False
    _set_state(actor, submission, S.DRAFT)
    _save(submission)
    return Outcome(submission, validation.outliers(submission, fields, values))


@transaction.atomic
def submit(
    actor,
    submission: Submission,
    raw: dict,
    comments: dict | None = None,
    *,
    reason: str = "",
    version: int | None = None,
) -> Outcome:
    """Submit (or re-submit after a return, or correct a submitted section with a reason).
    `version`, from the page, refuses a save from a tab that has not seen the latest values."""
    _require_owner(actor, submission)
    submission = _locked(submission)
    if version is not None and version != submission.version:
        raise Rejected(
            {"__all__": _("This section was changed in another window. Reload the page to see the latest values.")}
        )
    if submission.state == S.ACCEPTED:
        raise Rejected({"__all__": _("This section was accepted by the Department; ask them to return it first.")})
    fields, values = _check(submission, raw, complete=True)
    comments = _clean_comments(comments or {}, fields)
    flags = validation.outliers(submission, fields, values)
    missing = {code: msg for code, msg in flags.items() if code not in comments}
    if missing:
        raise Rejected(missing, flags=missing)
    reason = _clean_reason(reason)
    before = audit.snapshot(submission, ["state", "values", "total"])
    changed = _record_changes(actor, submission, values, reason)
    now = timezone.now()
    resubmitting = submission.state != S.SUBMITTED
    submission.values, submission.comments = values, comments
    submission.total = validation.total_of(fields, values)
    submission.nothing_to_report = False
    _set_state(actor, submission, S.SUBMITTED, reason)
    if resubmitting:
        # A returned section submitted again after the deadline is late.
        _mark_submitted(submission, actor, now)
    _save(submission, now)
    audit.record(
        actor,
        "report.submit" if resubmitting else "report.amend",
        submission,
        before=before,
        after=audit.snapshot(submission, ["state", "values", "total"]),
        note=reason,
    )
    return Outcome(submission, flags, changed)


@transaction.atomic
def nothing_to_report(actor, submission: Submission, *, reason: str = "") -> Outcome:
    """The explicit "nothing to report this time": counts are 0, texts empty, and it is on record."""
    _require_owner(actor, submission)
    submission = _locked(submission)
    if submission.state in {S.SUBMITTED, S.ACCEPTED}:
        raise Rejected({"__all__": _("This section is already submitted.")})
    fields = fields_of(submission)
    values = {f.code: (0 if f.is_number else [] if f.kind == FormField.Kind.COMMUNES else "") for f in fields}
    reason = _clean_reason(reason)
    _record_changes(actor, submission, values, reason or _("Nothing to report"))
    now = timezone.now()
    submission.values, submission.comments, submission.total = values, {}, 0
    submission.nothing_to_report = True
    _set_state(actor, submission, S.SUBMITTED, reason)
    _mark_submitted(submission, actor, now)
    _save(submission, now)
    audit.record(actor, "report.nothing", submission, note=reason)
    return Outcome(submission)


@transaction.atomic
def return_submission(actor, submission: Submission, reason: str) -> Submission:
    _require_review(actor, submission)
    submission = _locked(submission)
    reason = _clean_reason(reason)
    if not reason:
        raise Rejected({"reason": _("Say why the section goes back to the unit.")})
    _set_state(actor, submission, S.RETURNED, reason)
    submission.return_reason = reason
    submission.save(update_fields=["state", "return_reason"])
    audit.record(actor, "report.return", submission, note=reason)
    return submission


@transaction.atomic
def accept(actor, submission: Submission) -> Submission:
    _require_review(actor, submission)
    submission = _locked(submission)
    _set_state(actor, submission, S.ACCEPTED)
    submission.save(update_fields=["state"])
    audit.record(actor, "report.accept", submission)
    return submission


# --- Cycles -------------------------------------------------------------------------------


def expected_units(form: ReportForm, root: OrgUnit) -> list[tuple]:
    """(section, org unit, organisation) for every section every unit under `root` must send."""
    units = OrgUnit.objects.filter(level=form.unit_level, is_active=True, path__startswith=root.path)
    sections = list(form.sections.all())
    kinds = {s.owner_kind for s in sections}
    owners = {}
    for org in Organisation.objects.filter(org_unit__in=units, kind__in=kinds, is_active=True).order_by("pk"):
        owners.setdefault((org.org_unit_id, org.kind), org)
    return [
        (section, unit, owners[(unit.pk, section.owner_kind)])
        for unit in units.order_by("path")
        for section in sections
        if (unit.pk, section.owner_kind) in owners
    ]


def _freeze(cycle: ReportCycle) -> int:
    rows = [
        Submission(cycle=cycle, section=section, org_unit=unit, organisation=org)
        for section, unit, org in expected_units(cycle.form, cycle.root)
    ]
    Submission.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def province_root() -> OrgUnit:
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def ensure_weekly_cycles(now: datetime.datetime | None = None) -> list[ReportCycle]:
    """Open the weekly cycles that should be open now. Safe to run from several schedulers at
    once: the unique constraint on (form, due time) lets only one of them create a cycle."""
    now = now or timezone.now()
    root = province_root()
    opened = []
    if root is None:
        return opened
    for form in ReportForm.objects.filter(is_active=True, weekly=True):
        for due_date in schedule.due_dates_open_at(form, now):
            due_at = schedule.local_due(form, due_date)
            if ReportCycle.objects.filter(form=form, kind=ReportCycle.Kind.WEEKLY, due_at=due_at).exists():
                continue
            start, end = schedule.period_for(form, due_date)
            try:
                with transaction.atomic():
                    cycle = ReportCycle.objects.create(
                        form=form,
                        kind=ReportCycle.Kind.WEEKLY,
                        period_start=start,
                        period_end=end,
                        due_at=due_at,
                        root=root,
                        opened_at=now,
                    )
                    count = _freeze(cycle)
                    audit.record(
                        None, "report.cycle_open", cycle, note=_("%(count)d sections expected") % {"count": count}
                    )
            except IntegrityError:
                continue  # another scheduler opened it first
            opened.append(cycle)
    return opened


@transaction.atomic
def open_adhoc_cycle(
    actor,
    *,
    form: ReportForm,
    title: str,
    note: str,
    root: OrgUnit,
    period_start: datetime.date,
    period_end: datetime.date,
    due_at: datetime.datetime,
) -> ReportCycle:
    """An ad-hoc ("đột xuất") request with its own deadline and area."""
    if actor is not None and not (can(actor, "reporting.review") and can_see(actor, root)):
        raise PermissionDenied
    errors = {}
    if period_start > period_end:
        errors["period_end"] = _("The period must end on or after its first day.")
    elif (period_end - period_start).days >= 62:
        errors["period_start"] = _("A request covers at most 62 days.")
    if due_at.astimezone(schedule.LOCAL).date() < period_end:
        errors["due_at"] = _("The deadline cannot be before the end of the period reported on.")
    if due_at <= timezone.now():
        errors["due_at"] = _("The deadline must be in the future.")
    if not title.strip():
        errors["title"] = _("Give the request a title.")
    if errors:
        raise Rejected(errors)
    cycle = ReportCycle.objects.create(
        form=form,
        kind=ReportCycle.Kind.ADHOC,
        title=title.strip(),
        note=note.strip(),
        root=root,
        period_start=period_start,
        period_end=period_end,
        due_at=due_at,
        requested_by=_person(actor),
    )
    count = _freeze(cycle)
    if not count:
        raise Rejected({"root": _("No reporting unit under %(unit)s.") % {"unit": root.name}})
    reminders.announce_adhoc(cycle)  # "đột xuất" means at once: every unit asked is told now
    audit.record(actor, "report.cycle_open", cycle, note=_("%(count)d sections expected") % {"count": count})
    return cycle


@transaction.atomic
def record_imported(
    actor,
    submission: Submission,
    values: dict,
    comments: dict,
    *,
    nothing: bool,
    submitted_at: datetime.datetime,
    note: str,
) -> Submission:
    """A section the Department received another way (Zalo, paper) and imports on the unit's
    behalf, already checked by reporting.importer. Changes to a submitted section are kept."""
    if actor is not None and not (can(actor, "reporting.review") and can_see(actor, submission)):
        raise PermissionDenied
    submission = _locked(submission)
    before = audit.snapshot(submission, ["state", "values", "total"])
    fields = fields_of(submission)
    if submission.state == S.ACCEPTED:
        _set_state(actor, submission, S.RETURNED, note)
    _record_changes(actor, submission, values, note)
    resubmitting = submission.state != S.SUBMITTED
    submission.values, submission.comments = values, comments
    submission.total = validation.total_of(fields, values)
    submission.nothing_to_report = nothing
    _set_state(actor, submission, S.SUBMITTED, note)
    if resubmitting:
        _mark_submitted(submission, actor, submitted_at)
    _save(submission)
    audit.record(
        actor,
        "report.submit" if resubmitting else "report.amend",
        submission,
        before=before,
        after=audit.snapshot(submission, ["state", "values", "total"]),
        note=note,
    )
    return submission
