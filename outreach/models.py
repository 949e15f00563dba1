"""Outreach (Plan 52, II.1, III, IV.5, IV.6, IV.12): the approved key messages every channel
carries. A key message has one version per channel (SMS, loudspeaker script, web), validity
dates and a leader's approval; changing an approved message takes it back to draft, so what goes
out is always what a leader approved. Campaigns, gateways and broadcasts build on these."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import OrgUnit, Scope


class KeyMessage(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    class Topic(models.TextChoices):
        PREVENTION = "prevention", _("Prevention (5K)")
        VACCINATION = "vaccination", _("Vaccination")
        MEASURES = "measures", _("Distancing and local measures")
        HOTLINES = "hotlines", _("Hotlines")
        MISINFORMATION = "misinformation", _("False information")
        OTHER = "other", _("Other")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.PREVENTION)
    sms_text = models.TextField(_("SMS text"), blank=True)
    loudspeaker_text = models.TextField(_("loudspeaker script"), blank=True)
    web_text = models.TextField(_("web text"), blank=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    scope = Scope(org_unit="org_unit", with_ancestors=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("key message")
        verbose_name_plural = _("key messages")

    def __str__(self):
        return self.title

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def is_usable(self) -> bool:
        """Approved and valid today: what a campaign, a loudspeaker script or a bulletin may use."""
        return self.state == self.State.APPROVED and self.is_valid_on(timezone.localdate())


class KeyMessageEvent(models.Model):
    """The message's history: every state change and every edit, with the texts as they were."""

    message = models.ForeignKey(KeyMessage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=10, blank=True, choices=KeyMessage.State.choices)
    to_state = models.CharField(max_length=10, choices=KeyMessage.State.choices)
    note = models.TextField(blank=True)
    texts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.message}: {self.from_state} → {self.to_state}"


class Subscriber(models.Model):
    """A phone number outreach sends to that is not a staff member's: a village head, a
    loudspeaker operator, an official, a newsroom. Staff with a phone are in groups directly."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        VILLAGE_HEAD = "village_head", _("Village or hamlet head")
        LOUDSPEAKER = "loudspeaker", _("Loudspeaker operator")
        PRESS = "press", _("Press")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150)
    msisdn = models.CharField(_("mobile number"), max_length=15, help_text=_("International digits: 84912345678."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["org_unit__path", "name"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [models.UniqueConstraint(fields=["msisdn", "kind"], name="subscriber_once_per_kind")]

    def __str__(self):
        return f"{self.name} ({self.msisdn})"


class ContactGroup(models.Model):
    """Who a campaign goes to, as a rule over the directory and the org units: subscribers of
    some kinds and staff of some roles, in an area's subtree. Resolved when a campaign starts."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    subscriber_kinds = models.JSONField(_("kinds of subscribers"), default=list, blank=True)
    staff_roles = models.JSONField(_("staff roles"), default=list, blank=True)

    scope = Scope(org_unit="org_unit", with_ancestors=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact group")
        verbose_name_plural = _("contact groups")

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """An approved key message's SMS to a group through one gateway. Every part is a row: the
    sender claims, sends and marks them, so a campaign that was interrupted resumes with nothing
    lost and nothing sent twice."""

    class State(models.TextChoices):
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    key_message = models.ForeignKey(KeyMessage, on_delete=models.PROTECT, related_name="campaigns")
    group = models.ForeignKey(ContactGroup, on_delete=models.PROTECT, related_name="campaigns")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text sent"))
    sender = models.CharField(_("sender"), max_length=15)
    gateway = models.CharField(_("gateway"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SENDING)
    # A leader's override of quiet hours and the daily limit (Decree 91/2020), with the reason.
    emergency = models.BooleanField(_("emergency"), default=False)
    emergency_reason = models.TextField(_("reason for the emergency"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # the sender that holds the campaign
    paused_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS campaign")
        verbose_name_plural = _("SMS campaigns")

    def __str__(self):
        return f"{self.key_message} → {self.group}"


class Recipient(models.Model):
    """One number of a campaign."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    msisdn = models.CharField(max_length=15, db_index=True)
    name = models.CharField(max_length=150, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    note = models.CharField(max_length=200, blank=True)  # why it was not sent
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "msisdn"], name="recipient_once_per_campaign")]

    def __str__(self):
        return self.msisdn


class Part(models.Model):
    """One SMS part to one number, with its own status; `ref` is stable across resends."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ACCEPTED = "accepted", _("Accepted by the carrier")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="parts")
    seq = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    ref = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=65, blank=True, db_index=True)
    error = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recipient_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["recipient", "seq"], name="part_once")]

    def __str__(self):
        return self.ref


class Script(models.Model):
    """A key message's loudspeaker script read aloud: the words the voice read (numbers, dates and
    hotlines written out), the WAV and MP3 files and their measured duration."""

    message = models.ForeignKey(KeyMessage, on_delete=models.CASCADE, related_name="scripts")
    source = models.TextField(_("script"))
    spoken = models.TextField(_("as read"))
    voice = models.CharField(_("voice"), max_length=40)
    seconds = models.FloatField(_("duration (s)"))
    wav = models.FileField(upload_to="loudspeaker/")
    mp3 = models.FileField(upload_to="loudspeaker/")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("loudspeaker audio")
        verbose_name_plural = _("loudspeaker audio")

    def __str__(self):
        return f"{self.message} ({self.seconds:.0f} s)"


class Broadcast(models.Model):
    """An approved key message's loudspeaker script scheduled for zones (districts, communes) of
    the grassroots loudspeaker system, with the priority of Circular 39/2020/TT-BTTTT: a *normal*
    item the station plays in its programme, a *priority* item it plays first in the programme, an
    *emergency* item it plays at once (a leader's decision, with the reason)."""

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        PRIORITY = "priority", pgettext_lazy("broadcast", "Priority")
        EMERGENCY = "emergency", _("Emergency")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    key_message = models.ForeignKey(
        KeyMessage, verbose_name=_("key message"), on_delete=models.PROTECT, related_name="broadcasts"
    )
    script = models.ForeignKey(
        Script, verbose_name=_("loudspeaker audio"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The script as approved when it was scheduled: what the stations read or play, whatever
    # happens to the message afterwards (an edit takes the message back to draft).
    text = models.TextField(_("loudspeaker script"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    zones = models.ManyToManyField(OrgUnit, verbose_name=_("zones"), related_name="broadcasts")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    times = models.JSONField(_("times of day"), default=list)  # ["06:00", "17:00"], sorted
    reason = models.TextField(_("reason for the emergency"), blank=True)
    note = models.TextField(_("note for the stations"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    scope = Scope(org_unit="org_unit", with_ancestors=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("loudspeaker broadcast")
        verbose_name_plural = _("loudspeaker broadcasts")

    def __str__(self):
        return f"{self.key_message} ({self.starts_on:%d/%m}–{self.ends_on:%d/%m})"


class BroadcastLog(models.Model):
    """One play on one station: what, where (the district's or a commune's station), when and for
    how long. Entered by the district broadcasting centre or pushed by the loudspeaker system
    through the API (`external_id` is its id of the play, so a push sent twice is stored once)."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered")
        API = "api", _("Loudspeaker system")

    zone = models.ForeignKey(OrgUnit, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="+")
    broadcast = models.ForeignKey(
        Broadcast, verbose_name=_("broadcast"), null=True, blank=True, on_delete=models.PROTECT, related_name="logs"
    )
    title = models.CharField(_("what was played"), max_length=200)
    played_at = models.DateTimeField(_("played at"), db_index=True)
    seconds = models.PositiveIntegerField(_("duration (s)"))
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ENTERED)
    external_id = models.CharField(max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(org_unit="zone")

    class Meta:
        ordering = ["-played_at", "-pk"]
        verbose_name = _("broadcast log")
        verbose_name_plural = _("broadcast logs")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "external_id"], condition=~models.Q(external_id=""), name="broadcast_log_once"
            )
        ]

    def __str__(self):
        return f"{self.zone} {self.played_at:%d/%m %H:%M} {self.title}"

    @property
    def duration(self) -> str:
        """"3:05" (minutes:seconds), or "1:02:00" from an hour."""
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Publication(models.Model):
    """A news item a district published about the epidemic: on its component web portal, its
    social media page or in the press. Counted into its weekly report."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Component web portal")
        SOCIAL = "social", _("Social media page")
        PRESS = "press", _("Press")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.PORTAL)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address (URL)"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), db_index=True)
    key_message = models.ForeignKey(
        KeyMessage, verbose_name=_("key message"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=BroadcastLog.Source.choices, default=BroadcastLog.Source.ENTERED)
    external_id = models.CharField(max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("published item")
        verbose_name_plural = _("published items")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "external_id"], condition=~models.Q(external_id=""), name="publication_once"
            )
        ]

    def __str__(self):
        return self.title


class CarrierRequest(models.Model):
    """A request to the carriers to text every subscriber in an area (the carriers send those, not
    our gateway): an approved message's SMS, the area, the time window. A leader signs it; each
    carrier then gets its own letter (Decree 30 layout) with its own number, and reports its reach."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the carriers")
        CANCELLED = "cancelled", _("Cancelled")

    key_message = models.ForeignKey(
        KeyMessage, verbose_name=_("key message"), on_delete=models.PROTECT, related_name="carrier_requests"
    )
    text = models.TextField(_("text to send"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    window_start = models.DateTimeField(_("send from"))
    window_end = models.DateTimeField(_("send until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_on = models.DateField(_("date of the letters"), null=True, blank=True)

    scope = Scope(org_unit="org_unit", with_ancestors=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("carrier request")
        verbose_name_plural = _("carrier requests")

    def __str__(self):
        return f"{self.key_message} – {self.org_unit}"


class CarrierLine(models.Model):
    """One carrier's part of a request: its letter's number, and the reach it reports (entered by
    the carrier's staff, by the Department for it, or pushed through the API)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the report")
        REPORTED = "reported", _("Reported")
        DECLINED = "declined", _("Declined")

    request = models.ForeignKey(CarrierRequest, on_delete=models.CASCADE, related_name="lines")
    carrier = models.ForeignKey(
        "core.Organisation", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="carrier_lines"
    )
    serial = models.PositiveIntegerField(null=True, blank=True)  # the letter's number in the year it is signed
    number = models.CharField(_("number and symbol"), max_length=40, blank=True)
    emailed_at = models.DateTimeField(_("letter emailed"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    reached = models.PositiveIntegerField(_("subscribers reached"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)

    scope = Scope(org_unit="request__org_unit", organisation="carrier", with_ancestors=True)

    class Meta:
        ordering = ["request", "carrier__name"]
        verbose_name = _("carrier's part")
        verbose_name_plural = _("carriers' parts")
        constraints = [models.UniqueConstraint(fields=["request", "carrier"], name="carrier_once_per_request")]

    def __str__(self):
        return f"{self.carrier} – {self.request}"
