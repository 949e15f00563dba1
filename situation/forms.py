from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import check_text

from .models import Indicator


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "unit",
            "definition",
            "new_cases",
            "headline",
            "order",
            "is_active",
        ]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("new_cases") and data.get("kind") != Indicator.Kind.DAILY:
            self.add_error("new_cases", _("Only a count for the day can count new cases."))
        changed_kind = self.instance.pk and data.get("kind") and data["kind"] != self.instance.kind
        if changed_kind and self.instance.figures.exists():
            self.add_error("kind", _("Figures use this indicator; its kind cannot change."))
        for name in ("name", "short_name", "unit", "definition"):
            if data.get(name):
                text, error = check_text(data[name], str(self.fields[name].label))
                if error:
                    self.add_error(name, error)
                else:
                    data[name] = text
        return data


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class BulletinTextForm(forms.Form):
    summary = forms.CharField(label=_("Situation in brief"), widget=forms.Textarea(attrs={"rows": 10}), max_length=8000)
    messages = forms.CharField(
        label=_("Key messages of the day"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=8000,
        help_text=_("One message per line."),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
