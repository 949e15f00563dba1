from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core import filetypes
from core.access import can, can_see_province, visible_to
from core.forms import check_upload
from core.models import OrgUnit, Person
from core.validation import is_web_link

from . import uploads
from .models import Source, Watchlist


class _PeopleField(forms.ModelMultipleChoiceField):
    """People by id: anything that is not a plausible id is refused before the query (a huge
    number would overflow SQLite's integers)."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or int(str(pk)) >= 2**31:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": str(pk)[:20]})  # fmt: skip
        return super()._check_values(value)


def _areas(person):
    return visible_to(person, OrgUnit.objects.filter(level__in=["province", "district"], is_active=True)).order_by(
        "path"
    )


class WatchlistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    phrases = forms.CharField(
        label=_("Phrases"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One phrase per line; accents and case do not matter, “ko” finds “không”."),
    )
    mode = forms.ChoiceField(label=_("A post is a hit when it has"), choices=Watchlist.Mode.choices)
    within = forms.IntegerField(
        label=_("Close together: at most this many other words between them"), min_value=1, max_value=50, initial=8
    )
    org_unit = forms.ModelChoiceField(
        label=_("Area"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("Whole province")
    )
    notify = _PeopleField(
        label=_("Notify by email"), queryset=Person.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        areas = _areas(person)
        if not can_see_province(person):
            areas = areas.exclude(level="province")
            self.fields["org_unit"].required = True
            self.fields["org_unit"].empty_label = None
        self.fields["org_unit"].queryset = areas.filter(level="district")
        people = visible_to(person, Person.objects.filter(is_active=True).exclude(email="")).order_by("full_name")
        self.fields["notify"].queryset = people
        self.fields["notify"].choices = [(p.pk, p) for p in people if can(p, "listening.view")]


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["name", "kind", "url", "poll_minutes", "org_unit", "is_active"]

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = _areas(person).filter(level="district")
        self.fields["org_unit"].empty_label = _("Whole province")
        self.fields["poll_minutes"].validators += [MinValueValidator(5), MaxValueValidator(1440)]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Source.Kind.RSS and not data.get("url"):
            self.add_error("url", _("A news feed needs its address."))
        if data.get("url") and not is_web_link(data["url"]):
            self.add_error("url", _("Give the address starting with http:// or https://."))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Export file (CSV or XLSX, at most 20 MB)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # By content, in the encodings listening.uploads reads (the tools' exports use them all).
        check_upload(
            upload,
            filetypes.check_table,
            self.fields["file"].label,
            max_bytes=uploads.MAX_BYTES,
            encodings=uploads.TEXT_ENCODINGS,
            max_unpacked=uploads.MAX_UNPACKED,
        )
        return upload
