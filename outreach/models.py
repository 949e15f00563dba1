"""Outreach (Plan 52, II.1, III, IV.5, IV.6, IV.12): the approved key messages every channel
carries. A key message has one version per channel (SMS, loudspeaker script, web), validity
dates and a leader's approval; changing an approved message takes it back to draft, so what goes
out is always what a leader approved. Campaigns, gateways and broadcasts build on these."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
