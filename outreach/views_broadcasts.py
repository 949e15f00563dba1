"""Pages of the loudspeakers: broadcasts (schedule an approved message for districts and communes,
with its priority; see what was planned and what the stations logged), a station's timetable for
a day, the broadcast logs and the published items of the districts."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, requires, visible_to

from . import broadcasts
from .forms import BroadcastForm, LogForm, PublicationForm
from .models import Broadcast, BroadcastLog, KeyMessage, Publication

FIELDS_OF_LOG = {"zone": "zone", "played_at": "played_at", "seconds": "minutes", "broadcast": "broadcast",
                 "title": "title"}  # fmt: skip
FIELDS_OF_ITEM = {"unit": "unit", "channel": "channel", "title": "title", "url": "url",
                  "published_on": "published_on", "key_message": "key_message"}  # fmt: skip


def _usable(person):
    today = timezone.localdate()
    return (
        visible_to(person, KeyMessage.objects.filter(state=KeyMessage.State.APPROVED, valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(loudspeaker_text="")
    )


def _day(raw: str) -> datetime.date:
    """A day from ?date= or ?week= (YYYY-MM-DD) between 2000 and a year ahead; else today."""
    today = timezone.localdate()
    try:
        day = parse_date(raw) if len(raw) <= 10 else None
    except ValueError:
        day = None
    if day is None or not datetime.date(2000, 1, 1) <= day <= today + datetime.timedelta(days=366):
        return today
    return day


def _week(request) -> tuple[datetime.date, datetime.date]:
    """The reporting week of ?week=YYYY-MM-DD (any day of it; today by default): the period of the
    weekly report cycle that holds the day, so the page adds up to what the report is pre-filled
    with; Monday–Sunday when no cycle holds it."""
    from reporting.models import ReportCycle

    day = _day(request.GET.get("week", ""))
    cycle = (
        ReportCycle.objects.filter(kind=ReportCycle.Kind.WEEKLY, period_start__lte=day, period_end__gte=day)
        .order_by("-period_start")
        .first()
    )
    if cycle is not None:
        return cycle.period_start, cycle.period_end
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


@requires("outreach.view")
def broadcast_list(request):
    person = request.user
    show = request.GET.get("show", "current")
    today = timezone.localdate()
    rows = broadcasts.broadcasts_for(person).select_related("key_message", "created_by")
    if show == "current":
        rows = rows.filter(state=Broadcast.State.SCHEDULED, ends_on__gte=today)
    elif show == "past":
        rows = rows.filter(Q(ends_on__lt=today) | Q(state=Broadcast.State.CANCELLED))
    page = Paginator(rows.prefetch_related("zones").order_by("-starts_on", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/broadcast_list.html",
        {
            "page": page,
            "show": show,
            "query": f"show={show}" if show in {"current", "past", "all"} else "",
            "today": today,
            "can_schedule": can(person, "outreach.broadcast"),
            "can_log": can(person, "outreach.logs"),
        },
    )


@requires("outreach.broadcast")
@require_http_methods(["GET", "POST"])
def broadcast_new(request):
    person = request.user
    leader = can(person, "outreach.approve")
    today = timezone.localdate()
    form = BroadcastForm(
        request.POST or None,
        messages=_usable(person),
        zones=broadcasts.zones_for(person).select_related("parent"),
        leader=leader,
        initial={
            "key_message": request.GET.get("message"),
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=6),
            "times": "06:00, 17:00",
        },
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            broadcast = broadcasts.schedule(
                person, d["key_message"], d["zones"], priority=d["priority"], starts_on=d.get("starts_on"),
                ends_on=d.get("ends_on"), times=d.get("times", ""), reason=d.get("reason", ""), note=d.get("note", ""),
            )  # fmt: skip
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not schedule this broadcast."))
        else:
            messages.success(request, _("The broadcast is on the stations' programme."))
            return redirect("outreach:broadcast", broadcast.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "outreach/broadcast_new.html", {"form": form, "leader": leader}, status=status)


def _broadcast(request, pk) -> Broadcast:
    return get_object_or_404(
        broadcasts.broadcasts_for(request.user).select_related("key_message", "script", "created_by"), pk=pk
    )


@requires("outreach.view")
def broadcast_detail(request, pk):
    broadcast = _broadcast(request, pk)
    script = broadcasts.audio_of(broadcast)
    # A district sees the plan and the plays of its own zones only.
    rows = broadcasts.plan_and_plays(
        broadcast, zones=broadcasts.in_area(request.user, broadcast.zones.order_by("path"))
    )
    logs = visible_to(request.user, broadcast.logs.select_related("zone"))[:20]
    return render(
        request,
        "outreach/broadcast_detail.html",
        {
            "b": broadcast,
            "script": script,
            "rows": rows,
            "logs": logs,
            "planned": sum(r["planned"] for r in rows),
            "logged": sum(r["logged"] for r in rows),
            "can_cancel": broadcast.state == Broadcast.State.SCHEDULED
            and broadcast.ends_on >= timezone.localdate()
            and broadcasts.may_change(request.user, broadcast),
            "can_log": can(request.user, "outreach.logs"),
        },
    )


@requires("outreach.broadcast")
@require_POST
def broadcast_cancel(request, pk):
    broadcast = _broadcast(request, pk)
    if not broadcasts.may_change(request.user, broadcast):
        raise PermissionDenied
    try:
        broadcasts.cancel(request.user, broadcast)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The broadcast is off the programme; what was played stays logged."))
    return redirect("outreach:broadcast", broadcast.pk)


@requires("outreach.view")
def timetable(request):
    """A station's programme of the day: what the loudspeaker system pulls, for people to read."""
    zones = list(broadcasts.zones_for(request.user).order_by("path"))
    zone = next((z for z in zones if z.code == request.GET.get("zone")), zones[0] if zones else None)
    day = _day(request.GET.get("date", ""))
    plays = broadcasts.timetable(zone, day) if zone else []
    return render(
        request,
        "outreach/timetable.html",
        {"zones": zones, "zone": zone, "day": day, "plays": plays,
         "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1)},
    )  # fmt: skip


def _week_page(request, template, form, rows, start, end, **extra):
    """A week's records with the form to add one (422 when the form was refused)."""
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "start": start,
        "end": end,
        "count": page.paginator.count,
        "query": f"week={start:%Y-%m-%d}",
        "previous": start - datetime.timedelta(days=7),
        "next": start + datetime.timedelta(days=7),
        **extra,
    }
    status = 422 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def _add_problems(form, problems, fields):
    for p in problems:
        name = fields.get(p.field)
        form.add_error(name if name in form.fields else None, p.message)


@requires("outreach.view")
@require_http_methods(["GET", "POST"])
def log_list(request):
    person = request.user
    start, end = _week(request)
    may_log = can(person, "outreach.logs")
    zones = broadcasts.zones_for(person).order_by("path")
    form = None
    if may_log:
        form = LogForm(
            request.POST or None,
            zones=zones,
            broadcasts=broadcasts.broadcasts_for(person).filter(state=Broadcast.State.SCHEDULED)
            .filter(starts_on__lte=timezone.localdate()).select_related("key_message").order_by("-starts_on")[:50]
            if request.method == "GET" else broadcasts.broadcasts_for(person),
            initial={"played_at": timezone.localtime().replace(second=0, microsecond=0), "minutes": 3,
                     "broadcast": request.GET.get("broadcast"), "zone": request.GET.get("zone")},
        )  # fmt: skip
    elif request.method == "POST":
        raise PermissionDenied
    if form is not None and form.is_bound and form.is_valid():
        try:
            broadcasts.record_logs(person, [form.row()], source=BroadcastLog.Source.ENTERED)
        except broadcasts.Rejected as error:
            _add_problems(form, error.problems, FIELDS_OF_LOG)
        else:
            messages.success(request, _("The play is logged."))
            return redirect(f"{request.path}?week={start:%Y-%m-%d}")
    rows = visible_to(
        person,
        BroadcastLog.objects.filter(played_at__date__gte=start, played_at__date__lte=end).select_related(
            "zone", "broadcast"
        ),
    )
    totals = rows.aggregate(seconds=Sum("seconds"))
    return _week_page(
        request, "outreach/log_list.html", form, rows, start, end,
        minutes=((totals["seconds"] or 0) + 30) // 60,
    )  # fmt: skip


@requires("outreach.view")
@require_http_methods(["GET", "POST"])
def publication_list(request):
    person = request.user
    start, end = _week(request)
    form = None
    if can(person, "outreach.publish"):
        form = PublicationForm(
            request.POST or None,
            units=broadcasts.zones_for(person).order_by("path"),
            messages=visible_to(person, KeyMessage.objects.filter(state=KeyMessage.State.APPROVED)),
            initial={"published_on": timezone.localdate()},
        )
    elif request.method == "POST":
        raise PermissionDenied
    if form is not None and form.is_bound and form.is_valid():
        try:
            broadcasts.record_publications(person, [form.row()], source=BroadcastLog.Source.ENTERED)
        except broadcasts.Rejected as error:
            _add_problems(form, error.problems, FIELDS_OF_ITEM)
        else:
            messages.success(request, _("The item is recorded."))
            return redirect(f"{request.path}?week={start:%Y-%m-%d}")
    rows = visible_to(
        person,
        Publication.objects.filter(published_on__gte=start, published_on__lte=end).select_related(
            "org_unit", "key_message"
        ),
    )
    return _week_page(request, "outreach/publication_list.html", form, rows, start, end)
