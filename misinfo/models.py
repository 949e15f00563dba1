"""The misinformation desk: tips from every channel land in one inbox; tips about the same
statement collapse into one claim; a claim under work has one case with an explicit workflow.

Who reported a tip (name, contact) is encrypted at rest (misinfo.crypto) and shown only to
inspectors and leaders.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit, Scope

from . import crypto


class Claim(models.Model):
    """A statement that circulates, said once: every tip that repeats it points here."""

    statement = models.TextField(_("statement"))
    # The id a claim has in an imported list (manage.py import_claims): re-imports update it.
    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    # Every desk role sees every claim of the province; a district sees the claims of its area
    # and those of the whole province.
    scope = Scope(org_unit="org_unit", with_ancestors=True)

    class Meta:
        ordering = ["-first_seen_at", "-pk"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self):
        return self.statement[:120]


class Tip(models.Model):
    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Hotline call")
        WEB = "web", _("Public web form")
        DISTRICT = "district", _("District office")
        STEERING = "steering", _("District steering committee")
        EMAIL = "email", _("Email")
        LISTENING = "listening", _("Social listening")

    class Match(models.TextChoices):
        NONE = "none", _("No similar claim")
        SUGGESTED = "suggested", _("Similar claim suggested")
        AUTO = "auto", _("Linked automatically")
        CONFIRMED = "confirmed", _("Linked by an inspector")
        NEW = "new", _("New claim")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True, related_name="tips"
    )
    text = models.TextField(_("what was seen or heard"))
    url = models.URLField(_("link"), max_length=1000, blank=True)
    reporter_name_sealed = models.TextField(blank=True, editable=False)
    reporter_contact_sealed = models.TextField(blank=True, editable=False)
    # A screenshot or file sent with the tip (public form): kept under its hash like evidence,
    # copied into the case's evidence when a case is opened.
    attachment = models.FileField(_("attached file"), blank=True, editable=False)
    attachment_name = models.CharField(max_length=200, blank=True, editable=False)
    attachment_type = models.CharField(max_length=60, blank=True, editable=False)
    attachment_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips")
    suggested_claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    match_score = models.FloatField(_("similarity"), null=True, blank=True)
    match = models.CharField(_("matching"), max_length=10, choices=Match.choices, default=Match.NONE)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where it came from, to take each email once (its Message-ID, or the hash of the file).
    source_id = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    told_at = models.DateTimeField(null=True, blank=True, editable=False)  # reporter told the verdict

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")

    def __str__(self):
        return self.text[:80]

    @property
    def reporter_name(self) -> str:
        return crypto.unseal(self.reporter_name_sealed)

    @reporter_name.setter
    def reporter_name(self, value: str):
        self.reporter_name_sealed = crypto.seal(value)

    @property
    def reporter_contact(self) -> str:
        return crypto.unseal(self.reporter_contact_sealed)

    @reporter_contact.setter
    def reporter_contact(self, value: str):
        self.reporter_contact_sealed = crypto.seal(value)


class Case(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("New")
        VERIFYING = "verifying", _("Verifying")
        VERDICT = "verdict", _("Verdict given")
        ACTIONS = "actions", _("Actions under way")
        CLOSED = "closed", _("Closed")

    class Verdict(models.TextChoices):
        FAKE = "fake", _("Fake news")  # tin giả
        FALSE = "false", _("Untrue information")  # tin sai sự thật
        TRUE = "true", _("Accurate information")  # thông tin xác thực
        UNPROVEN = "unproven", _("Not enough evidence")  # chưa đủ căn cứ

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="case")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    sources = models.TextField(_("sources"), blank=True, help_text=_("One link or reference per line."))
    verdict_at = models.DateTimeField(_("verdict given"), null=True, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Two-person rule: a leader other than the author of the verdict approves its publication.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return _("Case %(pk)s: %(claim)s") % {"pk": self.pk, "claim": str(self.claim)[:80]}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    # schema.org ClaimReview ratings (1 = false … 5 = true), as fact-checkers publish them.
    RATINGS = {
        "fake": (1, "Tin giả"),
        "false": (1, "Sai sự thật"),
        "unproven": (3, "Chưa đủ căn cứ"),
        "true": (5, "Đúng sự thật"),
    }


class AppendOnlyQuerySet(models.QuerySet):
    """Logs are written once: no bulk update or delete (status logs, chain of custody)."""

    def update(self, **kwargs):
        raise EvidenceIsSealed(_("This log is append-only."))

    def delete(self):
        raise EvidenceIsSealed(_("This log is append-only."))


class EvidenceIsSealed(Exception):
    """Evidence and logs are append-only: once written they are never changed or removed."""


class AppendOnly(models.Model):
    """A log row: written once, in time order; no update or delete, one by one or in bulk."""

    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise EvidenceIsSealed(_("This log is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceIsSealed(_("This log is append-only."))


class StateLog(AppendOnly):
    """A status log: who moved something from one state to the next, when, with a note."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(blank=True)

    class Meta(AppendOnly.Meta):
        abstract = True

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class CaseEvent(StateLog):
    """The status log of a case: one row per change, server time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=Case.State.choices)
    to_state = models.CharField(max_length=10, choices=Case.State.choices)


class CaseAction(models.Model):
    """What the desk does about a claim after its verdict, each with its own state and deadline:
    a rebuttal asked of the press or the Health Department (with the published URL), a takedown
    asked of a platform, a referral to the provincial police by official letter, an
    administrative sanction, or the note that the case went to criminal proceedings."""

    class Kind(models.TextChoices):
        REBUTTAL = "rebuttal", _("Rebuttal request")
        TAKEDOWN = "takedown", _("Takedown request")
        REFERRAL = "referral", _("Referral to the police")
        SANCTION = "sanction", _("Administrative sanction")
        CRIMINAL = "criminal", _("Criminal proceedings")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Subject(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANISATION = "organisation", _("Organisation")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PLANNED)
    recipient = models.CharField(_("to"), max_length=255, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Official letter (referral, requests)
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # Rebuttal or takedown
    published_url = models.URLField(_("published at"), max_length=1000, blank=True)
    # Sanction (Decree 15/2020/NĐ-CP Art. 101 as amended by Decree 14/2022/NĐ-CP)
    subject_kind = models.CharField(_("violator"), max_length=12, choices=Subject.choices, blank=True)
    subject_name = models.CharField(_("violator's name"), max_length=255, blank=True)
    fine_vnd = models.PositiveBigIntegerField(_("fine (VND)"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    forced_removal = models.BooleanField(_("remedy: forced removal of the information"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    scope = Scope(org_unit="case__org_unit")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case action")
        verbose_name_plural = _("case actions")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def fine_display(self) -> str:
        return f"{self.fine_vnd:,}".replace(",", ".") + " đồng" if self.fine_vnd is not None else ""

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.deadline
            and self.state not in {self.State.DONE, self.State.CANCELLED}
            and self.deadline < timezone.localdate()
        )


class ActionEvent(StateLog):
    action = models.ForeignKey(CaseAction, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=CaseAction.State.choices)
    to_state = models.CharField(max_length=12, choices=CaseAction.State.choices)


class EvidenceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # The one change evidence ever takes: being sealed, once.
        if set(kwargs) == {"sealed_at"}:
            return models.QuerySet.update(self.filter(sealed_at__isnull=True), **kwargs)
        raise EvidenceIsSealed(_("Evidence cannot be changed once captured."))

    def delete(self):
        raise EvidenceIsSealed(_("Evidence cannot be removed."))


class Evidence(models.Model):
    """A captured copy of what circulated (screenshot, saved page, PDF, text) with its SHA-256,
    who captured it and when. Rows never change after capture, except being sealed once when the
    case is referred to the police; the chain of custody is appended to, never rewritten."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    url = models.URLField(_("found at"), max_length=1000, blank=True)
    file = models.FileField(_("captured copy"), upload_to="evidence/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=60, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    captured_at = models.DateTimeField(_("captured"), default=timezone.now)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    sealed_at = models.DateTimeField(_("sealed"), null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()
    scope = Scope(org_unit="case__org_unit")

    class Meta:
        ordering = ["captured_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name or self.url or f"#{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Evidence.objects.filter(pk=self.pk).values_list("sealed_at", flat=True).first()
            sealing_only = kwargs.get("update_fields") == ["sealed_at"] and stored is None
            if not sealing_only:
                raise EvidenceIsSealed(_("Evidence cannot be changed once captured."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceIsSealed(_("Evidence cannot be removed."))


class CustodyEvent(AppendOnly):
    """The chain of custody: who captured, looked at, downloaded or sealed a piece of evidence."""

    class Action(models.TextChoices):
        CAPTURED = "captured", _("Captured")
        DOWNLOADED = "downloaded", _("Downloaded")
        SEALED = "sealed", _("Sealed")

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    note = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
