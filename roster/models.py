"""Duty and rotation rosters (Plan 52, II.2, IV.9, IV.10): the Office's rotating work list for the
Department's staff under social distancing, the IT centre's data-centre on-call, the hotline.

A roster is a team (people from the directory, with their skills and the shifts they may work), a
period, shift kinds (times, mode, how many people, which skills), and rules (consecutive days,
rest between shifts). `planning.generate` fills it with a fair rotation (roster.solver, CP-SAT);
leave, quarantine or F1 isolation (`Unavailability`) makes people unavailable, and a re-plan from
a day keeps the days before it. Every change is a `RosterEvent` (and in the audit log); issuing
numbers the roster's notice, kept as DOCX (Decree 30) with its SHA-256."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Contact, Organisation, Scope

MAX_DAYS = 62  # a roster covers at most two months


class Skill(models.Model):
    """A skill a shift may need at least one holder of ("network", "database", "first aid")."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self):
        return self.name


class Roster(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("Office rotation")
        DATA_CENTRE = "data_centre", _("Data centre on-call")
        HOTLINE = "hotline", _("Hotline duty")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)
    title = models.CharField(_("title"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rosters"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    max_consecutive_days = models.PositiveSmallIntegerField(_("most days in a row"), default=6)
    min_rest_hours = models.PositiveSmallIntegerField(_("least rest between shifts (hours)"), default=11)
    # The public hotline whose calls go to the person on duty (the directory shows who it is today).
    hotline = models.ForeignKey(
        Contact,
        verbose_name=_("hotline routed to the person on duty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rosters",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The last generation: when, how long the solver took, and whether it proved the best.
    generated_at = models.DateTimeField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    solve_status = models.CharField(max_length=16, blank=True)
    # The notice as issued (the latest issue; earlier ones are in the events).
    serial = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number and symbol"), max_length=40, blank=True)
    issued_on = models.DateField(_("date of the notice"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaces = models.CharField(max_length=40, blank=True)  # the number of the notice this one replaces
    docx = models.BinaryField(null=True, blank=True, editable=False)
    docx_sha256 = models.CharField(max_length=64, blank=True)

    scope = Scope(org_unit="organisation__org_unit", organisation="organisation")

    class Meta:
        ordering = ["-start", "title"]
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")

    def __str__(self):
        return self.title

    @property
    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


class ShiftKind(models.Model):
    class Mode(models.TextChoices):
        ON_SITE = "onsite", _("On site")
        REMOTE = "remote", _("Remote")
        ON_CALL = "oncall", _("On call")

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    code = models.SlugField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=60)
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"), help_text=_("Earlier than the start: it ends the next day."))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ON_SITE)
    min_people = models.PositiveSmallIntegerField(_("at least (people)"), default=1)
    max_people = models.PositiveSmallIntegerField(_("at most (people)"), default=1)
    weekdays = models.CharField(_("days of the week"), max_length=7, default="0123456")  # 0 = Monday
    night = models.BooleanField(_("night shift"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "start", "pk"]
        constraints = [models.UniqueConstraint(fields=["roster", "code"], name="roster_shift_code_unique")]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self):
        return self.name

    def runs_on(self, day: datetime.date) -> bool:
        return str(day.weekday()) in self.weekdays

    @property
    def hours(self) -> float:
        start = datetime.datetime.combine(datetime.date(2000, 1, 1), self.start)
        end = datetime.datetime.combine(datetime.date(2000, 1, 1), self.end)
        if end <= start:
            end += datetime.timedelta(days=1)
        return (end - start).total_seconds() / 3600


class SkillNeed(models.Model):
    shift = models.ForeignKey(ShiftKind, on_delete=models.CASCADE, related_name="needs")
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(_("at least"), default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shift", "skill"], name="roster_need_unique")]

    def __str__(self):
        return f"{self.shift}: {self.count} × {self.skill}"


class Member(models.Model):
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_memberships")
    skills = models.ManyToManyField(Skill, blank=True, verbose_name=_("skills"))
    # The shifts this person may work; none chosen: all of them.
    shifts = models.ManyToManyField(ShiftKind, blank=True, verbose_name=_("shifts"), related_name="+")

    class Meta:
        ordering = ["person__full_name"]
        constraints = [models.UniqueConstraint(fields=["roster", "person"], name="roster_member_unique")]

    def __str__(self):
        return str(self.person)


class Unavailability(models.Model):
    """A person cannot work from `start` to `end` (both included): on every roster."""

    class Reason(models.TextChoices):
        LEAVE = "leave", _("Leave")
        QUARANTINE = "quarantine", _("Quarantine")
        F1 = "f1", _("F1 isolation")
        SICK = "sick", _("Sick")
        OTHER = "other", _("Other")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="unavailability"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, default=Reason.LEAVE)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(org_unit="person__organisation__org_unit", organisation="person__organisation")

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailability")

    def __str__(self):
        return f"{self.person} {self.get_reason_display()} {self.start:%d/%m}–{self.end:%d/%m}"


class Assignment(models.Model):
    class Source(models.TextChoices):
        PLAN = "plan", _("Plan")
        SWAP = "swap", _("Swap")
        REPLACEMENT = "replacement", _("Replacement")
        MANUAL = "manual", _("Entered by hand")

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    day = models.DateField()
    shift = models.ForeignKey(ShiftKind, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duties")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PLAN)

    class Meta:
        ordering = ["day", "shift__order", "shift__start", "person__full_name"]
        constraints = [models.UniqueConstraint(fields=["shift", "day", "person"], name="roster_assignment_unique")]
        indexes = [models.Index(fields=["person", "day"]), models.Index(fields=["roster", "day"])]

    def __str__(self):
        return f"{self.day:%d/%m} {self.shift.name}: {self.person}"

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.day, self.shift.start))

    @property
    def ends_at(self) -> datetime.datetime:
        end = datetime.datetime.combine(self.day, self.shift.end)
        if self.shift.end <= self.shift.start:
            end += datetime.timedelta(days=1)
        return timezone.make_aware(end)


class SwapRequest(models.Model):
    """One person asks another to take their shift, or to exchange it for one of theirs; the other
    accepts, then the roster's manager approves (the rules are checked again then)."""

    class State(models.TextChoices):
        ASKED = "asked", _("Asked")
        ACCEPTED = "accepted", _("Accepted, awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="swaps")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    give = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")  # the requester's shift
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The partner's shift taken in exchange; none: the partner takes the requester's shift over.
    take = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ASKED)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.requester} → {self.partner}: {self.give}"


class RosterEvent(models.Model):
    """The roster's history: generated, re-planned, swapped, replaced, issued — with what changed."""

    LABELS = {
        "generate": _("generated"),
        "replace": _("a shift given to a replacement"),
        "swap": _("shifts swapped"),
    }

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    # [{"day": "2026-12-12", "shift": "night", "out": "Nguyễn Văn A", "in": "Trần Thị B"}, …]
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.roster} {self.kind} {self.at:%d/%m/%Y %H:%M}"

    @property
    def label(self) -> str:
        """What happened, in the reader's language (`note` keeps the data: a day, a number)."""
        if self.kind == "replan":
            try:
                day = datetime.date.fromisoformat(self.note)
            except ValueError:
                return str(_("re-planned"))
            return str(_("re-planned from %(day)s") % {"day": day.strftime("%d/%m/%Y")})
        if self.kind == "issue":
            return str(_("issued as notice No. %(n)s") % {"n": self.note})
        return str(self.LABELS.get(self.kind, self.kind))


class CalendarFeed(models.Model):
    """A person's secret link to their shifts as an iCalendar feed (a calendar app cannot log in).
    A new link replaces the old one, which then answers 404."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.person} (calendar)"

    @classmethod
    def for_person(cls, person, renew: bool = False) -> "CalendarFeed":
        import secrets

        feed = cls.objects.filter(person=person).first()
        if feed is None or renew:
            key = secrets.token_urlsafe(32)
            feed, _created = cls.objects.update_or_create(
                person=person, defaults={"key": key, "created_at": timezone.now()}
            )
        return feed
