"""The rosters' pages: the list with who is on duty now, a roster's calendar (generate, re-plan,
replace, issue, DOCX and XLSX), its shifts and team, and people's unavailability."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.access import can, public, requires, visible_to
from core.models import Person

from . import ical, notice, planning
from .forms import (
    MemberForm,
    MembersForm,
    ReplanForm,
    RosterForm,
    ShiftForm,
    SwapForm,
    UnavailabilityForm,
    default_replan_day,
)
from .models import Assignment, CalendarFeed, Member, Roster, ShiftKind, SkillNeed, SwapRequest, Unavailability
from .routing import on_duty

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rosters_for(person):
    """Managers see the rosters of their scope; everyone the rosters they are on."""
    mine = Roster.objects.filter(members__person=person)
    if can(person, "roster.manage") or can(person, "roster.issue"):
        return (visible_to(person, Roster.objects.all()) | mine).distinct()
    return mine.distinct()


def may_manage(person, roster) -> bool:
    return can(person, "roster.manage") and visible_to(person, Roster.objects.filter(pk=roster.pk)).exists()


def _roster(request, pk, manage=False):
    roster = rosters_for(request.user).filter(pk=pk).select_related("organisation", "issued_by").first()
    if roster is None:
        raise Http404
    if manage and not may_manage(request.user, roster):
        raise PermissionDenied
    return roster


@requires("roster.view")
def roster_list(request):
    today = timezone.localdate()
    rosters = rosters_for(request.user).select_related("organisation").order_by("-start", "title")
    upcoming = (
        Assignment.objects.filter(person=request.user, day__gte=today)
        .select_related("shift", "roster")
        .order_by("day", "shift__start")[:10]
    )
    return render(
        request,
        "roster/list.html",
        {
            "rosters": rosters,
            "upcoming": upcoming,
            "now": on_duty(),
            "can_manage": can(request.user, "roster.manage"),
        },
    )


@requires("roster.manage")
def roster_new(request):
    form = RosterForm(request.POST or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        roster = form.save(commit=False)
        roster.created_by = request.user
        roster.save()
        audit.record(request.user, "roster.create", roster)
        messages.success(request, _("Roster created: add its shifts and its team, then generate it."))
        return redirect("roster:detail", roster.pk)
    return render(request, "roster/form.html", {"form": form, "title": _("New roster")})


@requires("roster.manage")
def roster_edit(request, pk):
    roster = _roster(request, pk, manage=True)
    form = RosterForm(request.POST or None, instance=roster, person=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = audit.snapshot(Roster.objects.get(pk=roster.pk))
            roster = form.save()
            # Days outside a shortened period lose their shifts.
            roster.assignments.exclude(day__gte=roster.start, day__lte=roster.end).delete()
            if roster.state == Roster.State.ISSUED and form.changed_data:
                roster.state, roster.replaces = Roster.State.DRAFT, roster.number  # to be issued again
                roster.save(update_fields=["state", "replaces"])
            audit.record(request.user, "roster.update", roster, before=before, after=audit.snapshot(roster))
        return redirect("roster:detail", roster.pk)
    return render(request, "roster/form.html", {"form": form, "roster": roster, "title": _("Change the roster")})


@requires("roster.view")
def roster_detail(request, pk):
    roster = _roster(request, pk)
    shifts, rows = notice.grid(roster)
    manage = may_manage(request.user, roster)
    conflicts = planning.conflicts(roster) if manage else []
    conflict_keys = {(a.day, a.shift_id, a.person.full_name) for a in conflicts}
    return render(
        request,
        "roster/detail.html",
        {
            "roster": roster,
            "shifts": shifts,
            "rows": rows,
            "loads": notice.loads(roster),
            "members": roster.members.select_related("person").prefetch_related("skills", "shifts"),
            "events": roster.events.select_related("actor")[:30],
            "conflicts": conflicts,
            "conflict_keys": conflict_keys,
            "manage": manage,
            "may_issue": can(request.user, "roster.issue") and roster.state == Roster.State.DRAFT,
            "swaps": roster.swaps.filter(state="accepted").select_related(
                "requester", "partner", "give__shift", "take__shift"
            )
            if manage
            else [],
            "replan_form": ReplanForm(roster=roster, initial={"day": default_replan_day(roster, conflicts)}),
            "today": timezone.localdate(),
        },
    )


@requires("roster.manage")
@require_POST
def roster_generate(request, pk):
    roster = _roster(request, pk, manage=True)
    replan_from = None
    if request.POST.get("replan"):
        form = ReplanForm(request.POST, roster=roster)
        if not form.is_valid():
            for error in form.errors.get("day", []):
                messages.error(request, error)
            return redirect("roster:detail", roster.pk)
        replan_from = form.cleaned_data["day"]
    elif roster.number:
        messages.error(request, _("An issued roster is re-planned from a day, not generated anew."))
        return redirect("roster:detail", roster.pk)
    try:
        outcome = planning.generate(roster, request.user, replan_from=replan_from)
    except planning.PlanningError as refused:
        messages.error(request, _("The rules cannot be met:") + " " + " ".join(refused.reasons[:8]))
        return redirect("roster:detail", roster.pk)
    if replan_from:
        messages.success(
            request,
            _("Re-planned in %(s).1f s: %(n)d changes, the people concerned are emailed.")
            % {"s": outcome.seconds, "n": len(outcome.changes)},
        )
    else:
        messages.success(request, _("Roster generated in %(s).1f s.") % {"s": outcome.seconds})
    return redirect("roster:detail", roster.pk)


@requires("roster.issue")
@require_POST
def roster_issue(request, pk):
    roster = _roster(request, pk)
    try:
        roster = notice.issue(request.user, roster)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("Issued as notice No. %(n)s.") % {"n": roster.number})
    return redirect("roster:detail", roster.pk)


@requires("roster.view")
def roster_file(request, pk, fmt):
    roster = _roster(request, pk)
    if fmt == "docx":
        content, kind = notice.docx(roster), DOCX
    elif fmt == "xlsx":
        content, kind = notice.xlsx(roster), XLSX
    else:
        raise Http404
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{notice.file_name(roster, fmt)}"'
    return response


@requires("roster.manage")
def shift_form(request, pk, shift_pk=None):
    roster = _roster(request, pk, manage=True)
    shift = get_object_or_404(ShiftKind, pk=shift_pk, roster=roster) if shift_pk else ShiftKind(roster=roster)
    form = ShiftForm(request.POST or None, instance=shift, roster=roster)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            shift = form.save()
            shift.needs.all().delete()
            SkillNeed.objects.bulk_create(SkillNeed(shift=shift, skill=s, count=n) for s, n in form.needs())
            audit.record(request.user, "roster.update", roster, after={"shift": shift.code})
        return redirect("roster:detail", roster.pk)
    title = _("Change the shift") if shift.pk else _("New shift")
    return render(request, "roster/form.html", {"form": form, "roster": roster, "title": title})


@requires("roster.manage")
@require_POST
def shift_delete(request, pk, shift_pk):
    roster = _roster(request, pk, manage=True)
    shift = get_object_or_404(ShiftKind, pk=shift_pk, roster=roster)
    if roster.state == Roster.State.ISSUED and shift.assignments.exists():
        messages.error(request, _("The shift is on an issued roster: re-plan without it first."))
    else:
        shift.delete()
        audit.record(request.user, "roster.update", roster, after={"shift deleted": shift.code})
    return redirect("roster:detail", roster.pk)


@requires("roster.manage")
def members_add(request, pk):
    roster = _roster(request, pk, manage=True)
    form = MembersForm(request.POST or None, roster=roster, person=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for person in form.cleaned_data["people"]:
                member = Member.objects.create(roster=roster, person=person)
                member.skills.set(form.cleaned_data["skills"])
            audit.record(
                request.user,
                "roster.update",
                roster,
                after={"added": [p.full_name for p in form.cleaned_data["people"]]},
            )
        return redirect("roster:detail", roster.pk)
    return render(request, "roster/form.html", {"form": form, "roster": roster, "title": _("Add people to the team")})


@requires("roster.manage")
def member_edit(request, pk, member_pk):
    roster = _roster(request, pk, manage=True)
    member = get_object_or_404(Member, pk=member_pk, roster=roster)
    if request.method == "POST" and request.POST.get("remove"):
        if member.person.duties.filter(roster=roster).exists():
            messages.error(request, _("This person has shifts on the roster: give them to others or re-plan first."))
            return redirect("roster:member", roster.pk, member.pk)
        member.delete()
        audit.record(request.user, "roster.update", roster, after={"removed": member.person.full_name})
        return redirect("roster:detail", roster.pk)
    form = MemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request.user, "roster.update", roster, after={"member": member.person.full_name})
        return redirect("roster:detail", roster.pk)
    return render(
        request,
        "roster/form.html",
        {"form": form, "roster": roster, "title": member.person.full_name, "member": member},
    )


def _managed_people(person):
    rosters = visible_to(person, Roster.objects.all())
    return Person.objects.filter(roster_memberships__roster__in=rosters).distinct().order_by("full_name")


@requires("roster.manage")
def unavailability(request):
    people = _managed_people(request.user)
    form = UnavailabilityForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        gap = form.save(commit=False)
        gap.created_by = request.user
        gap.save()
        audit.record(request.user, "roster.unavailable", gap)
        hit = Roster.objects.filter(
            assignments__person=gap.person, assignments__day__gte=gap.start, assignments__day__lte=gap.end
        ).distinct()
        if hit:
            messages.warning(
                request,
                _("%(person)s has shifts in that time on: %(rosters)s. Re-plan or find replacements there.")
                % {"person": gap.person, "rosters": ", ".join(r.title for r in hit)},
            )
            return redirect("roster:detail", hit[0].pk)
        messages.success(request, _("Recorded."))
        return redirect("roster:unavailability")
    today = timezone.localdate()
    rows = Unavailability.objects.filter(
        person__in=people, end__gte=today - datetime.timedelta(days=31)
    ).select_related("person")
    return render(request, "roster/unavailability.html", {"form": form, "rows": rows})


@requires("roster.manage")
def replace(request, pk, assignment_pk):
    roster = _roster(request, pk, manage=True)
    assignment = get_object_or_404(
        Assignment.objects.select_related("shift", "person"), pk=assignment_pk, roster=roster
    )
    if request.method == "POST":
        try:
            person_id = int(request.POST.get("person", ""))
        except ValueError:
            messages.error(request, _("Choose a person."))
            return redirect("roster:replace", roster.pk, assignment.pk)
        try:
            planning.replace(roster, assignment, person_id, request.user)
        except planning.PlanningError as refused:
            messages.error(request, " ".join(refused.reasons))
            return redirect("roster:replace", roster.pk, assignment.pk)
        messages.success(request, _("The shift is given to the replacement; both are emailed."))
        return redirect("roster:detail", roster.pk)
    candidates = planning.suggestions(roster, assignment)[:10]
    return render(
        request, "roster/replace.html", {"roster": roster, "assignment": assignment, "candidates": candidates}
    )


@requires("roster.view")
def my_duties(request):
    today = timezone.localdate()
    rows = (
        Assignment.objects.filter(person=request.user, day__gte=today - datetime.timedelta(days=7))
        .select_related("shift", "roster")
        .order_by("day", "shift__start")
    )
    asked = set(
        SwapRequest.objects.filter(requester=request.user, state__in=["asked", "accepted"]).values_list(
            "give_id", flat=True
        )
    )
    incoming = SwapRequest.objects.filter(partner=request.user, state="asked").select_related(
        "requester", "give__shift", "take__shift", "roster"
    )
    outgoing = SwapRequest.objects.filter(requester=request.user).select_related(
        "partner", "give__shift", "take__shift", "roster"
    )[:10]
    feed = CalendarFeed.objects.filter(person=request.user).first()
    return render(
        request,
        "roster/mine.html",
        {
            "rows": rows,
            "today": today,
            "asked": asked,
            "incoming": incoming,
            "outgoing": outgoing,
            "feed_url": request.build_absolute_uri(reverse("roster:ical", args=[feed.key])) if feed else "",
        },
    )


@requires("roster.view")
@require_POST
def calendar_link(request):
    CalendarFeed.for_person(request.user, renew=True)
    messages.success(request, _("A new calendar link is made; the old one no longer works."))
    return redirect("roster:mine")


@public
def ical_feed(request, key):
    feed = CalendarFeed.objects.select_related("person").filter(key=key[:64], person__is_active=True).first()
    if feed is None:
        raise Http404
    response = HttpResponse(ical.calendar(feed.person, request.get_host()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lich-truc.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@requires("roster.view")
def swap_new(request, assignment_pk):
    give = get_object_or_404(
        Assignment.objects.select_related("roster", "shift"), pk=assignment_pk, person=request.user
    )
    form = SwapForm(request.POST or None, give=give)
    if request.method == "POST" and form.is_valid():
        try:
            planning.ask_swap(
                request.user,
                give,
                form.cleaned_data["partner"],
                form.cleaned_data["take"],
                form.cleaned_data["message"],
            )
        except planning.PlanningError as refused:
            for reason in refused.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, _("Your request is sent; the roster's manager decides once they accept."))
            return redirect("roster:mine")
    return render(request, "roster/swap.html", {"form": form, "give": give})


@requires("roster.view")
@require_POST
def swap_answer(request, swap_pk):
    swap = get_object_or_404(SwapRequest, pk=swap_pk, partner=request.user)
    try:
        planning.answer_swap(request.user, swap, request.POST.get("answer") == "accept", request.POST.get("reason", ""))
    except planning.PlanningError as refused:
        messages.error(request, " ".join(refused.reasons))
    return redirect("roster:mine")


@requires("roster.manage")
@require_POST
def swap_decide(request, pk, swap_pk):
    roster = _roster(request, pk, manage=True)
    swap = get_object_or_404(SwapRequest, pk=swap_pk, roster=roster)
    approve = request.POST.get("decision") == "approve"
    try:
        planning.decide_swap(request.user, swap, approve, request.POST.get("reason", ""))
    except planning.PlanningError as refused:
        messages.error(request, " ".join(refused.reasons))
    else:
        messages.success(request, _("Swap approved; both are emailed.") if approve else _("Swap refused."))
    return redirect("roster:detail", roster.pk)
