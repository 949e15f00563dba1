"""The daily epidemic situation and the daily quick bulletin (bản tin nhanh) of Plan 52 (II.1, IV.7).

- `Indicator`: what the Health Department counts each day, as data (a new one needs no code).
- `Figure`: one indicator's value for one district on one day; `FigureChange` keeps every change
  of a value already given, with its reason (required once the day's figures are confirmed).
- `SituationDay`: a province's day: open while the figures come in, confirmed by the health data
  officer; a confirmed day's changes are corrections.
- `Bulletin`: the day's bulletin, composed from the figures (its `facts`, frozen when issued),
  edited by the focal point, approved by a leader, numbered, rendered to PDF and DOCX, and
  delivered by email (`Delivery`, one row per recipient, claimed before sending).
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Contact, OrgUnit, Scope

indicator_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$", _("Use lower-case letters, digits and underscores, starting with a letter.")
)
MAX_VALUE = 100_000_000  # more than any province's population: a value above it is a typing error


class Indicator(models.Model):
    """A daily figure the Health Department gives for every district."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Count for the day")  # new cases today: the day's own number
        CUMULATIVE = "cumulative", _("Running total")  # recovered since the outbreak: never goes down
        LEVEL = "level", _("Current level")  # under treatment today: goes up and down

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[indicator_code_validator])
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("column heading"), max_length=40, help_text=_("Short, for table headings."))
    definition = models.TextField(_("definition"), blank=True, help_text=_("What is counted, and what is not."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=20, default="ca", help_text=_("ca, người, mẫu, liều…"))
    new_cases = models.BooleanField(
        _("counts new cases"), default=False, help_text=_("Its values make the new-case trend and where cases are.")
    )
    headline = models.BooleanField(_("in the bulletin's summary"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name


class SituationDay(models.Model):
    """A province's day of figures: open, then confirmed by the health data officer."""

    class State(models.TextChoices):
        OPEN = "open", _("Being entered")
        CONFIRMED = "confirmed", _("Confirmed")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-date"]
        verbose_name = _("situation day")
        verbose_name_plural = _("situation days")
        constraints = [models.UniqueConstraint(fields=["org_unit", "date"], name="situation_day_once")]

    def __str__(self):
        return f"{self.org_unit} {self.date:%d/%m/%Y}"

    @property
    def is_confirmed(self) -> bool:
        return self.state == self.State.CONFIRMED


class Figure(models.Model):
    """One indicator's value for one district on one day."""

    class Source(models.TextChoices):
        GRID = "grid", _("Entry page")
        IMPORT = "import", _("File import")
        API = "api", _("API")
        DEMO = "demo", _("Demo data")

    date = models.DateField(_("date"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="figures"
    )
    value = models.PositiveIntegerField(_("value"))
    # Why a running total went down (a duplicate removed, a case moved to another province).
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.GRID)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["date", "org_unit__path", "indicator__order"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(fields=["date", "org_unit", "indicator"], name="figure_once_a_day"),
        ]
        indexes = [models.Index(fields=["indicator", "date"])]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.org_unit} {self.indicator.code}={self.value}"


class FigureChange(models.Model):
    """A value given before and changed: who, when, from what to what, and why."""

    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="changes")
    old_value = models.PositiveIntegerField(_("before"))
    new_value = models.PositiveIntegerField(_("after"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    correction = models.BooleanField(_("after confirmation"), default=False)
    source = models.CharField(_("source"), max_length=8, choices=Figure.Source.choices)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope = Scope(org_unit="figure__org_unit")

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("figure change")
        verbose_name_plural = _("figure changes")

    def __str__(self):
        return f"{self.figure}: {self.old_value} → {self.new_value}"


class Bulletin(models.Model):
    """The daily quick bulletin to the press."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        ISSUED = "issued", _("Issued")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    number_text = models.CharField(_("number and symbol"), max_length=60, blank=True)  # "Số: 123/BT-STTTT"
    summary = models.TextField(_("situation in brief"), blank=True)
    messages = models.TextField(_("key messages of the day"), blank=True)
    # True once a person changed the text: a new composition no longer overwrites it.
    edited = models.BooleanField(default=False)
    facts = models.JSONField(default=dict, blank=True)  # what compose() found; frozen when issued
    composed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(upload_to="bulletins/", blank=True)
    docx = models.FileField(upload_to="bulletins/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    docx_sha256 = models.CharField(max_length=64, blank=True)

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-date"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "date"], name="bulletin_once_a_day"),
            models.UniqueConstraint(fields=["org_unit", "year", "number"], name="bulletin_number_once"),
        ]

    def __str__(self):
        return _("Bulletin of %(date)s") % {"date": self.date.strftime("%d/%m/%Y")}

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def slug(self) -> str:
        """For file names and public addresses: "2021-08-05"."""
        return self.date.isoformat()


class BulletinEvent(models.Model):
    """The bulletin's status log: one row per change of state."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=10, blank=True, choices=Bulletin.State.choices)
    to_state = models.CharField(max_length=10, choices=Bulletin.State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.bulletin}: {self.from_state} → {self.to_state}"


class Delivery(models.Model):
    """The issued bulletin sent to one recipient. A worker claims the row (queued → sending with a
    lease) before it sends, so two workers never send one email twice."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("recipient"), max_length=255)
    email = models.EmailField(_("email"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(org_unit="bulletin__org_unit")

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["bulletin", "email"], name="delivery_once_per_address")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


def local_today() -> datetime.date:
    return timezone.localdate()
