"""Org units, organisations, people, the audit log, the directory and API tokens.

Every org-owned row knows its org unit; `core.access.visible_to` narrows any queryset of these
models to what a person may see, using the `scope` each model declares.
"""

import hashlib
import re
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vntext import fold, nfc

from .roles import Role

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
code_validator = RegexValidator(CODE_RE, _("Use 1 to 16 letters, digits, dots, dashes or underscores."))
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .\-]{1,22}[0-9]$")
phone_validator = RegexValidator(
    PHONE_RE, _("Enter a phone number of digits, optionally grouped with spaces, dots or dashes.")
)


class Scope:
    """Where a model's org unit and organisation are, as ORM lookups (see core.access)."""

    def __init__(self, org_unit: str, organisation: str | None = None, with_ancestors=False):
        self.org_unit = org_unit
        self.organisation = organisation
        # Rows attached to an ancestor of the person's unit are visible too (province hotlines
        # for a district), never rows of a sibling.
        self.with_ancestors = with_ancestors


class OrgUnit(models.Model):
    """An administrative unit: province, district, commune, village; a tree of any depth."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes, "/91/899/30760/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    search_key = models.CharField(max_length=200, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    # Outside organisations see the unit their organisation sits in.
    scope = Scope(org_unit="", organisation="organisations")

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.search_key = fold(self.name)
        old_path = OrgUnit.objects.filter(pk=self.pk).values_list("path", flat=True).first() if self.pk else None
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved or re-coded: the whole subtree follows, or access scopes would go stale.
            below = list(OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk))
            for unit in below:
                unit.path = self.path + unit.path[len(old_path) :]
                unit.depth = unit.path.count("/") - 2
            OrgUnit.objects.bulk_update(below, ["path", "depth"], batch_size=500)

    def clean(self):
        if self.parent_id and self.path and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/")[:-1]]

    def ancestors(self):
        return OrgUnit.objects.filter(code__in=self.ancestor_codes()).order_by("depth")

    def subtree(self):
        return OrgUnit.objects.filter(path__startswith=self.path)

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)


class Organisation(models.Model):
    """An agency: the Sở and its divisions, district offices, police, health, press, carriers."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department of Information and Communications")
        DIVISION = "division", _("Division or centre of the Department")
        CULTURE_OFFICE = "culture_office", _("District culture and information office")
        BROADCAST_CENTRE = "broadcast_centre", _("District culture, sports and broadcasting centre")
        STEERING_COMMITTEE = "steering_committee", _("Epidemic steering committee")
        POLICE = "police", _("Police")
        HEALTH = "health", _("Health authority")
        PRESS = "press", _("Press agency")
        CARRIER = "carrier", _("Telecom carrier")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope = Scope(org_unit="org_unit", organisation="")

    class Meta:
        ordering = ["org_unit__path", "kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["org_unit", "name"], name="organisation_unique_name")]

    def __str__(self):
        return self.short_name or self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        super().save(*args, **kwargs)


class Person(AbstractUser):
    """A staff member who logs in. Every person belongs to one organisation and has one role."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])

    objects = UserManager()
    scope = Scope(org_unit="organisation__org_unit", organisation="organisation")
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.username

    @property
    def org_unit(self):
        return self.organisation.org_unit if self.organisation_id else None

    def clean(self):
        super().clean()
        if self.role and not self.organisation_id:
            raise ValidationError({"organisation": _("A person with a role belongs to an organisation.")})
        if self.role and self.organisation_id:
            self._check_role_fits_organisation()

    def _check_role_fits_organisation(self):
        """A role decides the scope (core.access), so it must fit where the person works:
        district roles in a district, outside roles in a press agency or carrier, province roles
        at the top of the tree."""
        from .roles import DISTRICT_ROLES, EXTERNAL_ROLES

        org = self.organisation
        if self.role in DISTRICT_ROLES:
            fits = org.org_unit.level == OrgUnit.Level.DISTRICT
        elif self.role in EXTERNAL_ROLES:
            fits = org.kind in {Organisation.Kind.PRESS, Organisation.Kind.CARRIER}
        else:
            fits = org.org_unit.parent_id is None and org.kind not in {
                Organisation.Kind.PRESS,
                Organisation.Kind.CARRIER,
            }
        if not fits:
            raise ValidationError(
                {
                    "organisation": _("This role does not fit this organisation: %(role)s cannot work from %(org)s.")
                    % {"role": self.get_role_display(), "org": org}
                }
            )


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly(_("The audit log cannot be changed."))

    def delete(self):
        raise AuditLogIsAppendOnly(_("The audit log cannot be deleted."))

    _raw_delete = delete


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """One state change: who, when, what, before and after. Rows are never changed or deleted:
    the model refuses, and database triggers (migration 0002) refuse raw SQL too."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        Person,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A snapshot, so the row still says who it was if the account is renamed.
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEventQuerySet.as_manager()
    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly(_("The audit log cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(_("The audit log cannot be deleted."))

    @property
    def action_label(self) -> str:
        from .audit import ACTION_LABELS

        return ACTION_LABELS.get(self.action, self.action)

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class Contact(models.Model):
    """A directory entry: a hotline or a named contact point, one source for pages and documents."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        FOCAL_POINT = "focal_point", _("Contact point")
        RECIPIENT = "recipient", _("Press and bulletin recipient")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    person_name = models.CharField(_("contact person"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="contacts")
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    purpose = models.TextField(_("what to call about"), blank=True)
    is_public = models.BooleanField(_("shown to the public"), default=False)
    # The press list: who gets the daily bulletin by email (situation.actions.issue).
    receives_bulletin = models.BooleanField(
        _("receives the daily bulletin"), default=False, help_text=_("The bulletin is emailed to this address.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    scope = Scope(org_unit="org_unit", organisation="organisation", with_ancestors=True)

    class Meta:
        ordering = ["kind", "sort_order", "title"]
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory")

    def __str__(self):
        return f"{self.title}: {self.phone or self.email}"

    def clean(self):
        if not self.phone and not self.email:
            raise ValidationError(_("Give a phone number or an email address."))
        if self.receives_bulletin and not self.email:
            raise ValidationError({"email": _("The bulletin is sent by email: give an email address.")})

    @property
    def phone_digits(self) -> str:
        """For tel: links: digits and a leading + only."""
        return re.sub(r"[^0-9+]", "", self.phone)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once at creation."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope = Scope(org_unit="person__organisation__org_unit", organisation="person__organisation")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def active(cls, key: str) -> "ApiToken | None":
        """The live token with this key, of an active person (None for an empty or oversize key)."""
        if not key or len(key) > 200:
            return None
        return (
            cls.objects.select_related("person__organisation__org_unit")
            .filter(key_hash=cls.hash_key(key), revoked_at__isnull=True, person__is_active=True)
            .first()
        )

    @classmethod
    def issue(cls, person: Person, name: str) -> tuple["ApiToken", str]:
        key = "tc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(person=person, name=name, prefix=key[:10], key_hash=cls.hash_key(key))
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RateCount(models.Model):
    """How many times a key (an action and a client) was counted in its current window: the
    limits of public forms (core.ratelimit), counted in the database so that every web process on
    every machine counts the same, whatever the cache."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.count}"


class Heartbeat(models.Model):
    """The last sign of life of a background part, for /healthz: the scheduler's tick
    ("scheduler"), the task worker running the heartbeat task ("worker")."""

    name = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name: str, detail: str = "", at=None) -> None:
        cls.objects.update_or_create(name=name[:100], defaults={"at": at or timezone.now(), "detail": detail[:200]})


class ScheduledRun(models.Model):
    """Each scheduled job's claim on the clock: several schedulers (one per machine, or a
    second one left running by mistake) tick every minute, and the first to claim a job's minute
    runs it; the others skip it. A job still running holds its claim (a slow run is not started
    again beside itself) until its lease runs out, when a scheduler that died mid-run is taken
    over. The row is in the database every scheduler shares, so it outlives their restarts;
    it also records each job's last run for /healthz."""

    job = models.CharField(max_length=100, unique=True)
    slot = models.DateTimeField(help_text="The minute last claimed.")
    holder = models.CharField(max_length=100, help_text="The scheduler that claimed it: host and process id.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M}"


class TaskEffect(models.Model):
    """A side effect a task's run has had (an e-mail the mail server accepted), under the run's
    id: a run repeated after its worker died finds it and does not do it again (core.tasks).
    Kept two days (a run is repeated within the hour)."""

    key = models.CharField(max_length=200, unique=True)
    done_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key
