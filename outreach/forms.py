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
