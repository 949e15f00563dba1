from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from vntext import nfc

from . import filetypes
from .access import visible_to
from .models import Contact, Organisation, OrgUnit
from .orgunit_import import MAX_BYTES
from .roles import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. After %(limit)s failed attempts the account is locked for a while."
        ),
        "inactive": _("This account is disabled. Ask the system administrator."),
    }

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class TokenForm(forms.Form):
    otp_token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self):
        return self.cleaned_data["otp_token"].strip()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("What the token is for."))

    def clean_name(self):
        name = nfc(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "kind",
            "title",
            "person_name",
            "position",
            "organisation",
            "org_unit",
            "phone",
            "email",
            "purpose",
            "is_public",
            "receives_bulletin",
            "is_active",
            "sort_order",
        ]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the units and organisations the editor may see can be chosen.
        self.fields["org_unit"].queryset = visible_to(
            person, OrgUnit.objects.filter(level__in=["province", "district"])
        )
        self.fields["organisation"].queryset = visible_to(person, Organisation.objects.select_related("org_unit"))
        self.fields["organisation"].empty_label = _("— None —")

    def clean(self):
        data = super().clean()
        for name in ("title", "person_name", "position", "purpose"):
            if data.get(name):
                data[name] = nfc(data[name]) if name != "purpose" else data[name].strip()
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Give a phone number or an email address."))
        return data


def check_upload(upload, check, label, *, max_bytes: int, **options):
    """The field's checks of an uploaded file: at most `max_bytes`, then a core.filetypes check
    on its content (rewound afterwards for the view to read); a refusal becomes the field's error."""
    if upload.size > max_bytes:
        raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20})
    data = upload.read()
    upload.seek(0)
    try:
        return check(data, label, **options)
    except filetypes.Refused as refused:
        raise forms.ValidationError(refused.message, code="file_type") from None


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = visible_to(person, Organisation.objects.filter(is_active=True))


class OrgUnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file (code,name,level,parent_code; UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload, filetypes.check_csv, self.fields["file"].label, max_bytes=MAX_BYTES)
        return upload


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=80)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    # type="date" inputs take and show ISO dates whatever the page's language.
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the registry of actions, not from scanning the (ever-growing) log.
        from .audit import ACTION_LABELS

        actions = sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]))
        self.fields["action"].choices = [("", _("All")), *actions]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
