from django import forms
from django.utils.translation import gettext_lazy as _

from core import filetypes
from core.access import visible_to
from core.forms import check_upload
from core.models import OrgUnit

from .models import Case, CaseAction, Tip


class TipForm(forms.Form):
    """The hotline log and the district form: the inspector types during the call."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[])
    org_unit = forms.ModelChoiceField(
        label=_("District"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("Whole province / unknown")
    )
    text = forms.CharField(label=_("What was seen or heard"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    url = forms.CharField(label=_("Link (if any)"), required=False, max_length=1000)
    reporter_name = forms.CharField(label=_("Caller's name (optional)"), required=False, max_length=150)
    reporter_contact = forms.CharField(label=_("Caller's phone or email (optional)"), required=False, max_length=200)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        from core.access import can

        channels = [Tip.Channel.HOTLINE, Tip.Channel.EMAIL] if can(person, "misinfo.handle") else []
        channels += [Tip.Channel.DISTRICT, Tip.Channel.STEERING]
        self.fields["channel"].choices = [(c.value, c.label) for c in channels]
        self.fields["org_unit"].queryset = visible_to(person, OrgUnit.objects.filter(level="district")).order_by("name")
        if not can(person, "misinfo.handle"):
            # A district reports for its own area.
            self.fields["org_unit"].required = True
            self.fields["org_unit"].empty_label = None
            self.fields["reporter_name"].label = _("Who reported it to you (optional)")
            self.fields["reporter_contact"].label = _("Their phone or email (optional)")


class PublicTipForm(forms.Form):
    """The citizens' form on the portal. `website` is a honeypot: people never see or fill it."""

    text = forms.CharField(
        label=_("What did you see or hear?"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000
    )
    url = forms.CharField(label=_("Link to the post or article (if any)"), required=False, max_length=1000)
    org_unit = forms.ModelChoiceField(
        label=_("Where (district)"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("I don't know")
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=150)
    reporter_contact = forms.CharField(
        label=_("Your phone or email, if you want an answer (optional)"), required=False, max_length=200
    )
    attachment = forms.FileField(
        label=_("Screenshot or file (optional: image, PDF or saved page, at most 20 MB)"), required=False
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(level="district", is_active=True).order_by("name")

    def clean_attachment(self):
        from django.conf import settings

        upload = self.cleaned_data.get("attachment")
        if upload is not None:  # by content, the whole file (actions.check_file then decides how it is kept)
            label = self.fields["attachment"].label
            check_upload(upload, filetypes.check_capture, label, max_bytes=settings.EVIDENCE_MAX_BYTES)
        return upload


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Case.Verdict.choices)
    explanation = forms.CharField(
        label=_("Explanation for the public"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    sources = forms.CharField(
        label=_("Sources (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionForm(forms.Form):
    """One form for every kind of action; each kind uses the fields it needs (misinfo.actions)."""

    kind = forms.ChoiceField(label=_("Action"), choices=CaseAction.Kind.choices)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[(s.value, s.label) for s in (CaseAction.State.PLANNED, CaseAction.State.SENT, CaseAction.State.DONE)],
    )
    recipient = forms.CharField(label=_("To (agency, platform, police unit)"), required=False, max_length=255)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    letter_number = forms.CharField(label=_("Official letter number"), required=False, max_length=60)
    letter_date = forms.DateField(label=_("Letter date"), required=False, widget=DATE)
    published_url = forms.CharField(label=_("Published at (rebuttal)"), required=False, max_length=1000)
    subject_kind = forms.ChoiceField(
        label=_("Violator (sanction)"), required=False, choices=[("", "—"), *CaseAction.Subject.choices]
    )
    subject_name = forms.CharField(label=_("Violator's name (sanction)"), required=False, max_length=255)
    fine_vnd = forms.IntegerField(label=_("Fine in VND (sanction)"), required=False, min_value=0, max_value=10**12)
    decision_number = forms.CharField(label=_("Sanction decision number"), required=False, max_length=60)
    forced_removal = forms.BooleanField(label=_("Remedy: forced removal of the information"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ActionUpdateForm(forms.Form):
    state = forms.ChoiceField(label=_("Move to"), choices=CaseAction.State.choices)
    letter_number = forms.CharField(label=_("Official letter number"), required=False, max_length=60)
    letter_date = forms.DateField(label=_("Letter date"), required=False, widget=DATE)
    published_url = forms.CharField(label=_("Published at"), required=False, max_length=1000)
    decision_number = forms.CharField(label=_("Sanction decision number"), required=False, max_length=60)
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class EvidenceForm(forms.Form):
    url = forms.CharField(label=_("Found at (link)"), required=False, max_length=1000)
    file = forms.FileField(label=_("Captured copy (screenshot, PDF, saved page)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data.get("file")
        if upload is not None:  # by content, the whole file (actions.check_file then decides how it is kept)
            label = self.fields["file"].label
            check_upload(upload, filetypes.check_capture, label, max_bytes=settings.EVIDENCE_MAX_BYTES)
        return upload
