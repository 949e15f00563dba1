import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.access import visible_to
from core.models import Contact, Organisation, Person

from .models import MAX_DAYS, Member, Roster, ShiftKind, Skill, Unavailability

WEEKDAY_CHOICES = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class RosterForm(forms.ModelForm):
    class Meta:
        model = Roster
        fields = ["kind", "title", "organisation", "start", "end", "max_consecutive_days", "min_rest_hours", "hotline"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = visible_to(person, Organisation.objects.all()).order_by("name")
        self.fields["hotline"].queryset = Contact.objects.filter(is_public=True, is_active=True).order_by(
            "sort_order", "title"
        )
        self.fields["max_consecutive_days"].min_value = 1
        self.fields["max_consecutive_days"].widget.attrs.update(min=1, max=31)
        self.fields["min_rest_hours"].widget.attrs.update(min=0, max=48)

    def clean_max_consecutive_days(self):
        value = self.cleaned_data["max_consecutive_days"]
        if not 1 <= value <= 31:
            raise forms.ValidationError(_("Between 1 and 31 days."))
        return value

    def clean_min_rest_hours(self):
        value = self.cleaned_data["min_rest_hours"]
        if value > 48:
            raise forms.ValidationError(_("At most 48 hours."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("A roster covers at most %(days)d days.") % {"days": MAX_DAYS})
            if start.year < 2000 or end.year > 2100:
                self.add_error("start", _("Choose dates between 2000 and 2100."))
        return data


class ShiftForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[c for c, _n in WEEKDAY_CHOICES],
    )
    skill = forms.ModelChoiceField(
        label=_("Skill needed on every shift (optional)"), queryset=Skill.objects.all(), required=False
    )
    skill_count = forms.IntegerField(label=_("People with that skill, at least"), min_value=1, max_value=50, initial=1)
    skill_2 = forms.ModelChoiceField(label=_("Another skill (optional)"), queryset=Skill.objects.all(), required=False)
    skill_2_count = forms.IntegerField(
        label=_("People with that skill, at least"), min_value=1, max_value=50, initial=1
    )

    class Meta:
        model = ShiftKind
        fields = ["code", "name", "start", "end", "mode", "min_people", "max_people", "weekdays", "night", "order"]
        widgets = {"start": TimeInput(), "end": TimeInput()}

    def __init__(self, *args, roster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = roster
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekdays)
            needs = list(self.instance.needs.select_related("skill"))
            for i, need in enumerate(needs[:2]):
                prefix = "skill" if i == 0 else "skill_2"
                self.initial[prefix], self.initial[f"{prefix}_count"] = need.skill, need.count
        for name in ("min_people", "max_people"):
            self.fields[name].widget.attrs.update(min=0, max=500)

    def clean_weekdays(self):
        return "".join(sorted(set(self.cleaned_data["weekdays"])))

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = ShiftKind.objects.filter(roster=self.roster, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another shift of this roster has this code."))
        return code

    def clean(self):
        data = super().clean()
        low, high = data.get("min_people"), data.get("max_people")
        if low is not None and high is not None:
            if high < low:
                self.add_error("max_people", _("At most must not be less than at least."))
            if high > 500:
                self.add_error("max_people", _("At most 500 people on one shift."))
        if data.get("start") is not None and data.get("start") == data.get("end"):
            self.add_error("end", _("A shift cannot start and end at the same time."))
        for prefix in ("skill", "skill_2"):
            if data.get(prefix) and data.get(f"{prefix}_count") and data[f"{prefix}_count"] > (high or 0):
                self.add_error(f"{prefix}_count", _("More than the shift may have."))
        if data.get("skill") and data.get("skill") == data.get("skill_2"):
            self.add_error("skill_2", _("The same skill twice."))
        return data

    def needs(self) -> list[tuple[Skill, int]]:
        out = []
        for prefix in ("skill", "skill_2"):
            if self.cleaned_data.get(prefix):
                out.append((self.cleaned_data[prefix], self.cleaned_data.get(f"{prefix}_count") or 1))
        return out


class MembersForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Their skills (optional)"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, roster=None, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        already = Member.objects.filter(roster=roster).values_list("person_id", flat=True)
        self.fields["people"].queryset = (
            visible_to(person, Person.objects.filter(is_active=True)).exclude(pk__in=already).order_by("full_name")
        )


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["skills", "shifts"]
        widgets = {"skills": forms.CheckboxSelectMultiple, "shifts": forms.CheckboxSelectMultiple}
        help_texts = {"shifts": _("None chosen: every shift.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shifts"].queryset = ShiftKind.objects.filter(roster=self.instance.roster)


class UnavailabilityForm(forms.ModelForm):
    class Meta:
        model = Unavailability
        fields = ["person", "start", "end", "reason", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.none()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days > 366:
                self.add_error("end", _("At most a year at a time."))
            if start.year < 2000 or end.year > 2100:
                self.add_error("start", _("Choose dates between 2000 and 2100."))
        return data


class ReplanForm(forms.Form):
    day = forms.DateField(label=_("Re-plan from"), widget=DateInput())

    def __init__(self, *args, roster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = roster

    def clean_day(self):
        day = self.cleaned_data["day"]
        if not self.roster.start <= day <= self.roster.end:
            raise forms.ValidationError(
                _("Choose a day from %(start)s to %(end)s.")
                % {"start": self.roster.start.strftime("%d/%m/%Y"), "end": self.roster.end.strftime("%d/%m/%Y")}
            )
        return day


def default_replan_day(roster, conflicts) -> datetime.date:
    from django.utils import timezone

    today = timezone.localdate()
    first = min((a.day for a in conflicts), default=today)
    return min(max(first, roster.start), roster.end)


class SwapForm(forms.Form):
    take = forms.ModelChoiceField(
        label=_("Their shift you take in exchange (optional)"),
        queryset=None,
        required=False,
        empty_label=_("None: they take mine over"),
    )
    partner = forms.ModelChoiceField(label=_("Who takes my shift"), queryset=Person.objects.none(), required=False)
    message = forms.CharField(label=_("Message (optional)"), max_length=300, required=False)

    def __init__(self, *args, give=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        from .models import Assignment

        self.give = give
        self.fields["partner"].queryset = (
            Person.objects.filter(roster_memberships__roster=give.roster)
            .exclude(pk=give.person_id)
            .order_by("full_name")
        )
        self.fields["take"].queryset = (
            Assignment.objects.filter(roster=give.roster, day__gte=timezone.localdate())
            .exclude(person_id=give.person_id)
            .select_related("shift", "person")
        )
        self.fields["take"].label_from_instance = lambda a: f"{a.day:%d/%m} {a.shift.name}: {a.person.full_name}"

    def clean(self):
        data = super().clean()
        take, partner = data.get("take"), data.get("partner")
        if take is not None:
            if partner is not None and partner.pk != take.person_id:
                self.add_error("partner", _("The shift you take is someone else's."))
            data["partner"] = take.person
        elif partner is None and not self.errors:
            self.add_error("partner", _("Choose who takes your shift, or a shift of theirs to exchange."))
        return data
