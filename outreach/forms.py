from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KeyMessage


class KeyMessageForm(forms.ModelForm):
    class Meta:
        model = KeyMessage
        fields = ["title", "topic", "sms_text", "loudspeaker_text", "web_text", "valid_from", "valid_until"]
        widgets = {
            "sms_text": forms.Textarea(attrs={"rows": 4}),
            "loudspeaker_text": forms.Textarea(attrs={"rows": 6}),
            "web_text": forms.Textarea(attrs={"rows": 6}),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "sms_text": _("Counted as you type: characters, parts, and the unaccented version with its cost."),
            "loudspeaker_text": _("Read aloud by the district loudspeakers; numbers and hotlines are read out."),
        }


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CountForm(forms.Form):
    sms_text = forms.CharField(required=False, max_length=5000, strip=False)
    recipients = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)


class CampaignForm(forms.Form):
    key_message = forms.ModelChoiceField(label=_("Key message"), queryset=None, empty_label=None)
    group = forms.ModelChoiceField(label=_("Contact group"), queryset=None, empty_label=None)
    emergency_reason = forms.CharField(
        label=_("Emergency: reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leaders only. An emergency goes out at night and beyond 3 messages a day (Decree 91/2020)."),
    )

    def __init__(self, *args, messages=None, groups=None, leader=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_message"].queryset = messages
        self.fields["group"].queryset = groups
        if not leader:
            del self.fields["emergency_reason"]


class ZonesWidget(forms.CheckboxSelectMultiple):
    """Districts with their communes under each, folded (a province has ~150 of them)."""

    template_name = "outreach/widgets/zones.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or [])}
        districts, communes = [], {}
        for unit in self.choices.queryset.order_by("path"):
            if unit.level == "district":
                districts.append(unit)
            else:
                communes.setdefault(unit.parent_id, []).append(unit)
        loose = [c for parent, cs in communes.items() if parent not in {d.pk for d in districts} for c in cs]
        context["tree"] = [
            {"unit": d, "checked": str(d.pk) in chosen, "communes": [
                {"unit": c, "checked": str(c.pk) in chosen} for c in communes.get(d.pk, [])]}
            for d in districts
        ] + [{"unit": c, "checked": str(c.pk) in chosen, "communes": []} for c in loose]  # fmt: skip
        return context


class BroadcastForm(forms.Form):
    key_message = forms.ModelChoiceField(label=_("Key message"), queryset=None, empty_label=None)
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones"), queryset=None, widget=ZonesWidget,
        help_text=_("A district covers its own station and every commune station under it."),
    )  # fmt: skip
    priority = forms.ChoiceField(
        label=_("Priority"), widget=forms.RadioSelect,
        help_text=_("Circular 39/2020/TT-BTTTT: normal items are played in the station's programme, priority items "
                    "first in it, emergencies at once (leaders only)."),
    )  # fmt: skip
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    times = forms.CharField(
        label=_("Times of day"), max_length=200, required=False, help_text=_("For example: 06:00, 17:30.")
    )
    reason = forms.CharField(
        label=_("Emergency: reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note for the stations"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, messages=None, zones=None, leader=False, **kwargs):
        from .models import Broadcast

        super().__init__(*args, **kwargs)
        self.fields["key_message"].queryset = messages
        self.fields["zones"].queryset = zones
        P = Broadcast.Priority
        self.fields["priority"].choices = P.choices if leader else [c for c in P.choices if c[0] != P.EMERGENCY]
        self.fields["priority"].initial = P.NORMAL
        if not leader:
            del self.fields["reason"]
        if self.data.get("priority") == P.EMERGENCY:
            # An emergency plays today, now: its dates and times are not asked.
            for name in ("starts_on", "ends_on"):
                self.fields[name].required = False


class LogForm(forms.Form):
    zone = forms.ModelChoiceField(label=_("Station (zone)"), queryset=None, empty_label=None)
    played_at = forms.DateTimeField(
        label=_("Played at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=240)
    seconds = forms.IntegerField(label=_("Seconds"), min_value=0, max_value=59, required=False)
    broadcast = forms.ModelChoiceField(
        label=_("Scheduled broadcast"), queryset=None, required=False, empty_label=_("— not a scheduled broadcast —")
    )
    title = forms.CharField(
        label=_("What was played"), max_length=200, required=False,
        help_text=_("Leave empty for a scheduled broadcast: its message's title is used."),
    )  # fmt: skip

    def __init__(self, *args, zones=None, broadcasts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones
        self.fields["broadcast"].queryset = broadcasts

    def row(self) -> dict:
        d = self.cleaned_data
        return {
            "zone": d["zone"].code,
            "played_at": d["played_at"],
            "seconds": d["minutes"] * 60 + (d.get("seconds") or 0),
            "broadcast": d["broadcast"].pk if d.get("broadcast") else None,
            "title": d.get("title") or "",
        }


class PublicationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("District or commune"), queryset=None, empty_label=None)
    channel = forms.ChoiceField(label=_("Channel"))
    title = forms.CharField(label=_("Title"), max_length=300)
    url = forms.CharField(label=_("Address (URL)"), max_length=500, required=False)
    published_on = forms.DateField(
        label=_("Published on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    key_message = forms.ModelChoiceField(
        label=_("Key message"), queryset=None, required=False, empty_label=_("— none —")
    )

    def __init__(self, *args, units=None, messages=None, **kwargs):
        from .models import Publication

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["channel"].choices = Publication.Channel.choices
        self.fields["key_message"].queryset = messages

    def row(self) -> dict:
        d = self.cleaned_data
        return {
            "unit": d["unit"].code,
            "channel": d["channel"],
            "title": d["title"],
            "url": d.get("url") or "",
            "published_on": d["published_on"],
            "key_message": d["key_message"].pk if d.get("key_message") else None,
        }


class CarrierRequestForm(forms.Form):
    key_message = forms.ModelChoiceField(label=_("Key message"), queryset=None, empty_label=None)
    org_unit = forms.ModelChoiceField(label=_("Area"), queryset=None, empty_label=None)
    window_start = forms.DateTimeField(
        label=_("Send from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    window_end = forms.DateTimeField(
        label=_("Send until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    carriers = forms.ModelMultipleChoiceField(label=_("Carriers"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, messages=None, areas=None, carriers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_message"].queryset = messages
        self.fields["org_unit"].queryset = areas
        self.fields["org_unit"].label_from_instance = lambda u: ("— " * u.depth) + u.name
        self.fields["carriers"].queryset = carriers


class ReachForm(forms.Form):
    reached = forms.IntegerField(label=_("Subscribers reached"), min_value=0, max_value=100_000_000, required=False)
    sent_at = forms.DateTimeField(
        label=_("Sent at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    declined = forms.BooleanField(label=_("The carrier declines"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
