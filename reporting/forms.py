import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import filetypes
from core.access import visible_to
from core.forms import check_upload
from core.models import OrgUnit

from . import schedule
from .importer import MAX_BYTES, MAX_UNPACKED
from .models import ReportForm


class AdhocCycleForm(forms.Form):
    """An ad-hoc ("đột xuất") request: its own title, period, deadline and area."""

    form = forms.ModelChoiceField(
        label=_("Report form"), queryset=ReportForm.objects.filter(is_active=True), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    note = forms.CharField(
        label=_("What is asked"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    root = forms.ModelChoiceField(
        label=_("Area"),
        queryset=OrgUnit.objects.none(),
        empty_label=None,
        help_text=_("Every reporting unit under this unit is asked."),
    )
    period_start = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    due_time = forms.TimeField(
        label=_("Due time"),
        initial=datetime.time(10, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].queryset = visible_to(person, OrgUnit.objects.filter(depth__lte=1)).order_by("path")
        today = timezone.localdate()
        self.fields["period_start"].initial = today - datetime.timedelta(days=6)
        self.fields["period_end"].initial = today
        self.fields["due_date"].initial = today + datetime.timedelta(days=1)

    def clean(self):
        data = super().clean()
        if "due_date" in data and "due_time" in data:
            data["due_at"] = datetime.datetime.combine(
                data.pop("due_date"), data.pop("due_time"), tzinfo=schedule.LOCAL
            )
        return data


class CycleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    dry_run = forms.BooleanField(label=_("Dry run: check only, change nothing"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # By content, as the importer reads it: UTF-8 text, or a workbook that unpacks to its limit.
        label = self.fields["file"].label
        check_upload(upload, filetypes.check_table, label, max_bytes=MAX_BYTES, max_unpacked=MAX_UNPACKED)
        return upload
