"""Staff pages of the figures: the overview, the entry grid (one row per district, one column per
indicator), the day's confirmation, the history of changes and the indicators."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, can_see_province, requires

from .. import actions, compose
from .. import figures as fig
from ..documents import trend_chart
from ..forms import IndicatorForm
from ..models import Bulletin, Figure, FigureChange, Indicator, SituationDay


def province_of(request):
    """The province whose figures the person works on; 404 for anyone who does not see it whole."""
    root = fig.root_unit()
    if root is None or not can_see_province(request.user):
        raise Http404
    return root


def day_of(request, key="date") -> datetime.date:
    """The day asked for (?date=YYYY-MM-DD), today when absent or not a date; never the future."""
    today = timezone.localdate()
    raw = (request.POST.get(key) if request.method == "POST" else None) or request.GET.get(key, "")
    try:
        day = datetime.date.fromisoformat(raw.strip()[:10]) if raw else today
    except ValueError:
        messages.error(request, _("“%(value)s” is not a date; showing today.") % {"value": raw[:20]})
        return today
    if day > today:
        messages.warning(request, _("Figures cannot be given for a future day; showing today."))
        return today
    if day < fig.EARLIEST:
        messages.error(request, _("%(date)s is too long ago for daily figures.") % {"date": f"{day:%d/%m/%Y}"})
        return today
    return day


def _entry_url(day) -> str:
    return reverse("situation:entry") + f"?date={day.isoformat()}"


@requires("situation.view")
def home(request):
    if not can(request.user, "situation.figures"):
        return redirect("situation:bulletins")  # the press sees the issued bulletins
    root = province_of(request)
    today = timezone.localdate()
    units = fig.districts(root)
    missing = fig.missing(root, today)
    day = SituationDay.objects.filter(org_unit=root, date=today).first()
    bulletin = Bulletin.objects.filter(org_unit=root, date=today).first()
    facts = {"trend": compose.trend(root, today)}
    chart = trend_chart(facts)
    recent = Bulletin.objects.filter(org_unit=root).order_by("-date")[:7]
    context = {
        "today": today,
        "units": units,
        "reported": len(units) - len(missing),
        "missing": missing,
        "incomplete": fig.incomplete(root, today),
        "day": day,
        "bulletin": bulletin,
        "chart": chart,
        "trend": facts["trend"],
        "recent": recent,
        "can_enter": can(request.user, "situation.enter"),
        "can_draft": can(request.user, "situation.draft"),
    }
    return render(request, "situation/home.html", context)


def _grid(root, day, posted=None, problems=()):
    """Rows of the entry grid: each district with its cells (value shown, last value, error)."""
    inds = fig.indicators()
    current = fig.values_on(root, day)
    last = fig.last_before(root, day)
    changed = set(
        FigureChange.objects.filter(figure__date=day, figure__org_unit__parent=root).values_list(
            "figure__org_unit_id", "figure__indicator_id"
        )
    )
    errors = {(p.unit, p.field): p.message for p in problems}
    rows = []
    for unit in fig.districts(root):
        cells = []
        for ind in inds:
            name = f"v-{unit.code}-{ind.code}"
            stored = current.get((unit.pk, ind.pk))
            value = posted.get(name, "") if posted is not None else ("" if stored is None else str(stored.value))
            before = last.get((unit.pk, ind.pk))
            cells.append(
                {
                    "name": name,
                    "indicator": ind,
                    "value": value,
                    "last": before,
                    "error": errors.get((unit.name, ind.short_name)),
                    "changed": (unit.pk, ind.pk) in changed,
                }
            )
        notes = sorted({f.note for (u, _i), f in current.items() if u == unit.pk and f.note})
        rows.append(
            {
                "unit": unit,
                "cells": cells,
                "note_name": f"n-{unit.code}",
                "note": posted.get(f"n-{unit.code}", "") if posted is not None else "",
                "notes": notes,
                "note_error": errors.get((unit.name, _("Note"))) or errors.get((unit.name, "")),
                "reported": any((unit.pk, i.pk) in current for i in inds),
            }
        )
    return inds, rows


@requires("situation.enter")
@require_http_methods(["GET", "POST"])
def entry(request):
    root = province_of(request)
    day = day_of(request)
    problems = []
    posted = None
    if request.method == "POST":
        posted = request.POST
        inds = fig.indicators()
        entries = [
            fig.Entry(
                unit=unit,
                # A cell that was not posted is left as it is; a posted empty cell is "emptied".
                values={i.code: posted[f"v-{unit.code}-{i.code}"] for i in inds if f"v-{unit.code}-{i.code}" in posted},
                note=posted.get(f"n-{unit.code}", ""),
            )
            for unit in fig.districts(root)
        ]
        plan = actions.save_figures(request.user, root, day, entries, source=Figure.Source.GRID)
        if plan.ok:
            if plan.changes:
                messages.success(
                    request,
                    _("Saved: %(new)d new values, %(changed)d changed.")
                    % {"new": len(plan.changes) - len(plan.corrections), "changed": len(plan.corrections)},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(_entry_url(day))
        problems = plan.problems
    inds, rows = _grid(root, day, posted, problems)
    situation_day = SituationDay.objects.filter(org_unit=root, date=day).first()
    context = {
        "day": day,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1) if day < timezone.localdate() else None,
        "indicators": inds,
        "rows": rows,
        "problems": problems,
        "situation_day": situation_day,
        "missing": [r["unit"] for r in rows if not r["reported"]],
        "reported": sum(1 for r in rows if r["reported"]),
    }
    return render(request, "situation/entry.html", context, status=422 if problems else 200)


@requires("situation.enter")
@require_POST
def confirm(request):
    root = province_of(request)
    day = day_of(request)
    try:
        actions.confirm_day(request.user, root, day)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The figures of %(date)s are confirmed.") % {"date": day.strftime("%d/%m/%Y")})
    return redirect(_entry_url(day))


@requires("situation.figures")
def history(request):
    root = province_of(request)
    day = day_of(request)
    changes = (
        FigureChange.objects.filter(figure__date=day, figure__org_unit__parent=root)
        .select_related("figure__org_unit", "figure__indicator", "changed_by")
        .order_by("-changed_at", "-pk")[:500]
    )
    situation_day = SituationDay.objects.filter(org_unit=root, date=day).select_related("confirmed_by").first()
    return render(request, "situation/history.html", {"day": day, "changes": changes, "situation_day": situation_day})


@requires("situation.figures")
def export_figures(request, fmt):
    """The day's figures as CSV or JSON, as the API gives them (GET /api/v1/situation/figures)."""
    if fmt not in {"csv", "json"}:
        raise Http404
    root = province_of(request)
    day = day_of(request)
    table = fig.day_table(root, day)
    if fmt == "json":
        return JsonResponse(table, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(fig.day_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="so-lieu-{day.isoformat()}.csv"'
    return response


@requires("situation.configure")
def indicator_list(request):
    inds = Indicator.objects.annotate(last=Max("figures__date"))
    return render(request, "situation/indicators.html", {"indicators": inds})


@requires("situation.configure")
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk=None):
    indicator = get_object_or_404(Indicator, pk=pk) if pk else Indicator()
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_indicator(request.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("situation:indicators")
    return render(request, "situation/indicator_form.html", {"form": form, "indicator": indicator})
