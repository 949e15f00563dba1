"""The weekly quick report of the plan ("Báo cáo nhanh kết quả tuyên truyền về phòng, chống dịch
Covid-19"): form definitions as data, report cycles with frozen expectations, submissions with a
status log and a history of edits.

One district report of a cycle is made of one `Submission` per section of the form, each owned by
the kind of unit the plan names (the culture office's portal items, the broadcasting centre's
loudspeaker items and minutes). The district report is complete when every section is submitted.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import Organisation, OrgUnit, Scope

field_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$", _("Use lower-case letters, digits and underscores, starting with a letter.")
)


class ReportForm(models.Model):
    """A report template and its weekly schedule. Sections and fields are rows, so a new field
    or a new form needs no code change."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=255)
    unit_level = models.CharField(
        _("reporting level"),
        max_length=16,
        choices=OrgUnit.Level.choices,
        default=OrgUnit.Level.DISTRICT,
        help_text=_("One report is expected from every active org unit of this level."),
    )
    weekly = models.BooleanField(_("weekly cycles"), default=True)
    due_weekday = models.PositiveSmallIntegerField(
        _("due weekday"), default=4, validators=[MaxValueValidator(6)], help_text=_("0 = Monday … 6 = Sunday")
    )
    due_time = models.TimeField(_("due time"), default=datetime.time(10, 0))
    window_days = models.PositiveSmallIntegerField(
        _("days covered"), default=7, validators=[MinValueValidator(1), MaxValueValidator(62)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")

    def __str__(self):
        return self.title


class FormSection(models.Model):
    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    short_title = models.CharField(
        _("short title"), max_length=60, blank=True, help_text=_("Column heading in tables.")
    )
    # The English wording, shown when the page is in English (documents stay Vietnamese).
    title_en = models.CharField(_("title in English"), max_length=255, blank=True)
    short_title_en = models.CharField(_("short title in English"), max_length=60, blank=True)
    owner_kind = models.CharField(_("reported by"), max_length=24, choices=Organisation.Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["form", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="section_code_unique")]
        verbose_name = _("form section")
        verbose_name_plural = _("form sections")

    def __str__(self):
        return self.title

    @property
    def shown_title(self) -> str:
        return _english(self.title_en) or self.title

    @property
    def shown_short_title(self) -> str:
        return _english(self.short_title_en) or self.short_title or self.shown_title


def _english(text: str) -> str:
    """The English wording when the page is in English and there is one, else ""."""
    return text if text and get_language() == "en" else ""


class FormField(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", _("Number (whole, 0 or more)")
        MINUTES = "minutes", _("Minutes (within the period)")
        TEXT = "text", _("Text")
        COMMUNES = "communes", _("Communes reached")

    class Prefill(models.TextChoices):
        LOUDSPEAKER_ITEMS = "loudspeaker_items", _("Broadcast logs: items played")
        LOUDSPEAKER_MINUTES = "loudspeaker_minutes", _("Broadcast logs: minutes played")
        LOUDSPEAKER_COMMUNES = "loudspeaker_communes", _("Broadcast logs: communes reached")
        LOUDSPEAKER_CONTENT = "loudspeaker_content", _("Broadcast logs: what was played")
        PORTAL_ITEMS = "portal_items", _("Published items: component web portal")

    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(_("code"), max_length=40, validators=[field_code_validator])
    label = models.CharField(_("label"), max_length=255)
    short_label = models.CharField(
        _("short label"), max_length=60, blank=True, help_text=_("Column heading in tables.")
    )
    part = models.CharField(
        _("part of the report"),
        max_length=120,
        blank=True,
        help_text=_("Heading the value goes under in documents; fields with the same part are shown together."),
    )
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    label_en = models.CharField(_("label in English"), max_length=255, blank=True)
    short_label_en = models.CharField(_("short label in English"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    in_total = models.BooleanField(
        _("counts in the total"), default=False, help_text=_("Added to the report's total of news items.")
    )
    # Where the district's value can be pre-filled from (outreach.prefill): the district checks it
    # and confirms it by submitting; a field without a source is typed in.
    prefill = models.CharField(
        _("pre-filled from"), max_length=24, choices=Prefill.choices, blank=True,
        help_text=_("The value is proposed from the district's records of the period; the district confirms it."),
    )  # fmt: skip
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["section", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["section", "code"], name="field_code_unique")]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self):
        return self.label

    def clean(self):
        # Numbers are totalled by code across the form's sections (consolidation, trend, API), so a
        # number field's code must be unique in the form.
        if self.is_number and self.section_id:
            clash = FormField.objects.filter(
                section__form_id=self.section.form_id, code=self.code, kind__in=[self.Kind.COUNT, self.Kind.MINUTES]
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"code": _("Another number field of this form already has this code.")})

    @property
    def column(self) -> str:
        return self.short_label or self.label

    @property
    def shown_label(self) -> str:
        """The label in the page's language (documents use `label`, always Vietnamese)."""
        return _english(self.label_en) or self.label

    @property
    def shown_column(self) -> str:
        return _english(self.short_label_en) or self.short_label or self.shown_label

    @property
    def is_number(self) -> bool:
        return self.kind in {self.Kind.COUNT, self.Kind.MINUTES}


class ReportCycle(models.Model):
    """One round of reporting: a week ending at the Friday deadline, or an ad-hoc request."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        ADHOC = "adhoc", _("Ad hoc")

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="cycles")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    root = models.ForeignKey(
        OrgUnit,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="report_cycles",
        help_text=_("Units under this one are asked to report."),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("request"), blank=True)
    number = models.CharField(_("number and symbol"), max_length=40, blank=True)

    # A district person sees the cycles that ask their district (rooted at an ancestor).
    scope = Scope(org_unit="root", with_ancestors=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            # Two schedulers opening the same week make one cycle, not two.
            models.UniqueConstraint(
                fields=["form", "due_at"], condition=models.Q(kind="weekly"), name="one_weekly_cycle_per_due_time"
            ),
            models.CheckConstraint(condition=models.Q(period_start__lte=models.F("period_end")), name="period_ordered"),
        ]
        verbose_name = _("report cycle")
        verbose_name_plural = _("report cycles")

    def __str__(self):
        if self.kind == self.Kind.ADHOC and self.title:
            return self.title
        return _("Week %(start)s – %(end)s") % {
            "start": self.period_start.strftime("%d/%m/%Y"),
            "end": self.period_end.strftime("%d/%m/%Y"),
        }

    @property
    def window_minutes(self) -> int:
        return ((self.period_end - self.period_start).days + 1) * 24 * 60

    @property
    def is_past_due(self) -> bool:
        return timezone.now() > self.due_at


class Submission(models.Model):
    """One reporting unit's section of its district's report in one cycle. The rows are made when
    the cycle opens: that is the frozen list of expected reports."""

    class State(models.TextChoices):
        PENDING = "pending", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    cycle = models.ForeignKey(ReportCycle, on_delete=models.CASCADE, related_name="submissions")
    section = models.ForeignKey(FormSection, on_delete=models.PROTECT, related_name="submissions")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="report_submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="report_submissions")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    nothing_to_report = models.BooleanField(_("nothing to report"), default=False)
    values = models.JSONField(_("values"), default=dict, blank=True)
    # Comments explaining values flagged as far from the unit's history, by field code.
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    scope = Scope(org_unit="org_unit", organisation="organisation")

    class Meta:
        ordering = ["org_unit__path", "section__order"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "section", "org_unit"], name="one_submission_per_section")
        ]
        indexes = [models.Index(fields=["cycle", "state"])]
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")

    def __str__(self):
        return f"{self.section.title} – {self.org_unit.name} – {self.cycle}"

    @property
    def is_reported(self) -> bool:
        """Counts as an actual report (DHIS2: a completed data set registration)."""
        return self.state in {self.State.SUBMITTED, self.State.ACCEPTED}

    @property
    def on_time(self) -> bool:
        return self.is_reported and self.submitted_at <= self.cycle.due_at

    @property
    def was_submitted(self) -> bool:
        return self.first_submitted_at is not None


class SubmissionEvent(models.Model):
    """The status log: one row per change of state, with the server's time."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    from_state = models.CharField(max_length=10, choices=Submission.State.choices)
    to_state = models.CharField(max_length=10, choices=Submission.State.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class ValueChange(models.Model):
    """An edit of a value after the section was first submitted, with its reason."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="changes")
    field_code = models.CharField(max_length=40)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.field_code}: {self.old} → {self.new}"


class Reminder(models.Model):
    """A reminder that was (or is being) sent. The unique constraint is the claim: a second worker
    or a restarted one finds the row and sends nothing."""

    class Kind(models.TextChoices):
        DUE_24H = "due_24h", _("24 hours before the deadline")
        DUE_2H = "due_2h", _("2 hours before the deadline")
        LATE_LIST = "late_list", _("List of late units")

    cycle = models.ForeignKey(ReportCycle, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, related_name="+")
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind", "organisation"], name="one_reminder_per_unit"),
            models.UniqueConstraint(
                fields=["cycle", "kind"], condition=models.Q(organisation__isnull=True), name="one_late_list"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.cycle_id})"
