"""Pages of the weekly report: the cycle list, a district's report (each unit fills its own
section, autosaved), the province's consolidation page, ad-hoc requests, import and exports.
Views read through core.access and change data only through reporting.actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import can, requires, scope_root, visible_to
from core.models import OrgUnit

from . import actions, consolidation, exports, html, importer
from .forms import AdhocCycleForm, CycleImportForm
from .models import FormField, ReportCycle, Submission

S = Submission.State


def _cycle(request, pk) -> ReportCycle:
    return get_object_or_404(visible_to(request.user, ReportCycle.objects.select_related("form", "root")), pk=pk)


def _own_submissions(person):
    return Submission.objects.filter(organisation_id=person.organisation_id)


@requires("reporting.view")
def cycle_list(request):
    cycles = visible_to(request.user, ReportCycle.objects.select_related("form", "root"))[:60]
    province = can(request.user, "reporting.consolidate")
    stats = {}
    if province:
        reported = Q(submissions__state__in=consolidation.REPORTED)
        for c in (
            ReportCycle.objects.filter(pk__in=[c.pk for c in cycles])
            .annotate(expected=Count("submissions"), reported=Count("submissions", filter=reported))
            .values("pk", "expected", "reported")
        ):
            stats[c["pk"]] = c
    own = {}
    if can(request.user, "reporting.submit"):
        for sub in _own_submissions(request.user).filter(cycle__in=cycles).select_related("org_unit"):
            own[sub.cycle_id] = sub
    rows = []
    for c in cycles:
        row = {"cycle": c, "stats": stats.get(c.pk), "own": own.get(c.pk)}
        if row["own"] is not None:
            row["own"].status = consolidation.status_of(row["own"], c.due_at, timezone.now())
        rows.append(row)
    return render(
        request,
        "reporting/cycle_list.html",
        {
            "rows": rows,
            "province": province,
            "can_review": can(request.user, "reporting.review"),
        },
    )


@requires("reporting.view")
def cycle_detail(request, pk):
    cycle = _cycle(request, pk)
    if not can(request.user, "reporting.consolidate"):
        # A district unit goes straight to its district's report.
        root = scope_root(request.user)
        if root is None:
            raise PermissionDenied
        return redirect("reporting:district_report", pk=cycle.pk, code=root.code)
    subs = visible_to(request.user, cycle.submissions.all())
    result = consolidation.consolidate(cycle, subs)
    show_texts = request.GET.get("texts") == "1"
    if show_texts and request.htmx:
        # The free text of every district, loaded when scrolled to: it is most of the page.
        return render(request, "reporting/cycle_detail.html#texts", {"c": result})
    trend = consolidation.trend(cycle, visible_to(request.user, Submission.objects.all()))
    return render(
        request,
        "reporting/cycle_detail.html",
        {
            "show_texts": show_texts,
            "rows_html": html.district_rows(cycle, result),
            "cycle": cycle,
            "c": result,
            "trend": trend,
            "charts": exports.trend_charts(cycle, trend),
            "can_review": can(request.user, "reporting.review"),
        },
    )


def _district(request, cycle, code) -> OrgUnit:
    unit = get_object_or_404(visible_to(request.user, OrgUnit.objects.all()), code=code)
    if not cycle.submissions.filter(org_unit=unit).exists():
        raise Http404
    return unit


@requires("reporting.view")
def district_report(request, pk, code):
    cycle = _cycle(request, pk)
    unit = _district(request, cycle, code)
    subs = list(
        visible_to(request.user, cycle.submissions.filter(org_unit=unit))
        .select_related("section", "organisation", "submitted_by")
        .prefetch_related("section__fields", "changes__actor", "events__actor")
    )
    if not subs:
        raise Http404
    now = timezone.now()
    sections = []
    for sub in subs:
        sub.status = consolidation.status_of(sub, cycle.due_at, now)
        sections.append(_section_context(request, sub))
    misinfo = _district_misinfo(request.user, cycle, unit)
    return render(
        request,
        "reporting/district_report.html",
        {
            "misinfo": misinfo,
            "misinfo_text": "\n".join(
                _("False information in the area: “%(claim)s” (%(n)d tips%(verdict)s).")
                % {
                    "claim": claim.statement,
                    "n": n,
                    "verdict": f"; {case.get_verdict_display()}" if case and case.verdict else "",
                }
                for claim, n, case in misinfo
            ),
            "can_fill": any(s["editable"] for s in sections),
            "perms_misinfo": can(request.user, "misinfo.view"),
            "cycle": cycle,
            "unit": unit,
            "sections": sections,
            "total": sum(s.total for s in subs if s.is_reported),
            "can_review": can(request.user, "reporting.review"),
            "can_consolidate": can(request.user, "reporting.consolidate"),
        },
    )


def _district_misinfo(person, cycle, unit) -> list:
    """Claims of false information reported in the district during the period, for the
    "unusual information" part (DESIGN flow 4): [(claim, tips in the period, case or None)]."""
    from misinfo.models import Case, Claim, Tip

    tips = visible_to(person, Tip.objects.filter(
        org_unit__path__startswith=unit.path, claim__isnull=False,
        received_at__date__gte=cycle.period_start, received_at__date__lte=cycle.period_end,
    )).select_related("claim")  # fmt: skip
    visible_claims = set(visible_to(person, Claim.objects.all()).values_list("pk", flat=True))
    found: dict[int, list] = {}
    for tip in tips:
        if tip.claim_id in visible_claims:  # never another district's claim through a shared match
            found.setdefault(tip.claim_id, [tip.claim, 0, None])[1] += 1
    for case in visible_to(person, Case.objects.filter(claim_id__in=found)):
        found[case.claim_id][2] = case
    return [tuple(v) for v in found.values()]


def _section_context(request, sub, raw=None, errors=None, flags=None, comments=None, reason=""):
    """Everything the section partial shows: fields with their value, error, flag, comment and
    history of changes; whether this person may edit."""
    from outreach import prefill

    communes = None
    history = {}
    for change in sub.changes.all():
        history.setdefault(change.field_code, []).append(change)
    fields = []
    all_fields = list(sub.section.fields.all())
    suggestions = prefill.for_submission(sub, all_fields)
    editable = actions.may_edit(request.user, sub) and sub.state != S.ACCEPTED
    # A suggestion fills an empty field of a section never submitted; submitting confirms it.
    proposing = editable and not sub.was_submitted and raw is None
    for fld in all_fields:
        value = (raw if raw is not None else sub.values).get(fld.code)
        suggestion = suggestions.get(fld.code)
        proposed = proposing and suggestion is not None and value in (None, "", [])
        if proposed:
            value = suggestion.value
        if fld.kind == FormField.Kind.COMMUNES and communes is None:
            communes = list(OrgUnit.objects.filter(parent=sub.org_unit, is_active=True).order_by("name"))
        fields.append(
            {
                "f": fld,
                "value": value if value is not None else "",
                "selected": set(value or []) if fld.kind == FormField.Kind.COMMUNES else None,
                "error": (errors or {}).get(fld.code),
                "flag": (flags or {}).get(fld.code),
                "comment": (comments if comments is not None else sub.comments).get(fld.code, ""),
                "history": history.get(fld.code, []),
                "suggestion": suggestion,
                "proposed": proposed,
            }
        )
    return {
        "sub": sub,
        "fields": fields,
        # Where the suggestions come from, once for the section ("72 plays on 13 stations, …").
        "records": list(dict.fromkeys(x["suggestion"].detail for x in fields if x["suggestion"])),
        "proposed": any(x["proposed"] for x in fields),
        "communes": communes or [],
        "editable": editable,
        "autosave": editable and not sub.was_submitted,
        "general_error": (errors or {}).get("__all__") or (errors or {}).get("reason"),
        "reason": reason,
        "names": {c.code: c.name for c in communes or []},
    }


def _raw_from_post(request, sub):
    raw, comments = {}, {}
    for fld in sub.section.fields.all():
        if fld.kind == FormField.Kind.COMMUNES:
            raw[fld.code] = request.POST.getlist(fld.code)
        else:
            raw[fld.code] = request.POST.get(fld.code, "")
        comment = request.POST.get(f"comment_{fld.code}", "")
        if comment:
            comments[fld.code] = comment
    return raw, comments


def _submission(request, pk) -> Submission:
    return get_object_or_404(
        visible_to(request.user, Submission.objects.select_related("cycle", "section", "org_unit", "organisation")),
        pk=pk,
    )


def _back(sub):
    return (
        reverse("reporting:district_report", kwargs={"pk": sub.cycle_id, "code": sub.org_unit.code})
        + f"#section-{sub.pk}"
    )


def _version(request) -> int | None:
    """The version of the section the page was showing (None when not sent, e.g. by the API)."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@requires("reporting.submit")
@require_POST
def submission_save(request, pk):
    """Autosave (htmx) or the "save draft" button of a section never submitted."""
    sub = _submission(request, pk)
    raw, comments = _raw_from_post(request, sub)
    try:
        outcome = actions.save_draft(request.user, sub, raw, comments, version=_version(request))
    except actions.Rejected as e:
        if request.htmx:
            return render(request, "reporting/_autosave_status.html", {"errors": e.errors, "sub": sub}, status=200)
        return _render_section_errors(request, sub, raw, comments, e.errors)
    if request.htmx:
        return render(request, "reporting/_autosave_status.html", {"sub": outcome.submission, "flags": outcome.flags})
    messages.success(request, _("Draft saved."))
    return redirect(_back(sub))


def _render_section_errors(request, sub, raw, comments, errors, flags=None, reason=""):
    cycle = sub.cycle
    return render(
        request,
        "reporting/section_page.html",
        {
            "cycle": cycle,
            "unit": sub.org_unit,
            "s": _section_context(request, sub, raw=raw, errors=errors, flags=flags, comments=comments, reason=reason),
        },
        status=400,
    )


@requires("reporting.submit")
@require_POST
def submission_submit(request, pk):
    sub = _submission(request, pk)
    raw, comments = _raw_from_post(request, sub)
    reason = request.POST.get("reason", "")
    try:
        outcome = actions.submit(request.user, sub, raw, comments, reason=reason, version=_version(request))
    except actions.Rejected as e:
        return _render_section_errors(request, sub, raw, comments, e.errors, flags=e.flags, reason=reason)
    if outcome.changed and sub.was_submitted:
        messages.success(request, _("Changes saved with their reason."))
    else:
        messages.success(request, _("Section submitted to the Department."))
    return redirect(_back(sub))


@requires("reporting.submit")
@require_POST
def submission_nothing(request, pk):
    sub = _submission(request, pk)
    try:
        actions.nothing_to_report(request.user, sub, reason=request.POST.get("reason", ""))
    except actions.Rejected as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Recorded: nothing to report this time."))
    return redirect(_back(sub))


@requires("reporting.review")
@require_POST
def submission_return(request, pk):
    sub = _submission(request, pk)
    try:
        actions.return_submission(request.user, sub, request.POST.get("reason", ""))
    except actions.Rejected as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Section returned to %(unit)s.") % {"unit": sub.organisation})
    return redirect(_back(sub))


@requires("reporting.review")
@require_POST
def submission_accept(request, pk):
    sub = _submission(request, pk)
    try:
        actions.accept(request.user, sub)
    except actions.Rejected as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Section accepted."))
    return redirect(_back(sub))


@requires("reporting.review")
def cycle_create(request):
    form = AdhocCycleForm(request.POST or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = actions.open_adhoc_cycle(request.user, **form.cleaned_data)
        except actions.Rejected as e:
            for name, message in e.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, _("Ad-hoc request sent to %(count)d reporting units.") % {"count": cycle.submissions.count()}
            )
            return redirect("reporting:cycle_detail", pk=cycle.pk)
    return render(request, "reporting/cycle_form.html", {"form": form}, status=400 if form.errors else 200)


@requires("reporting.review")
def cycle_import(request, pk):
    cycle = _cycle(request, pk)
    if request.method == "GET" and request.GET.get("template") == "1":
        subs = visible_to(request.user, cycle.submissions.all())
        data = importer.template_csv(cycle, subs)
        return _download(data, f"mau-nhap-bao-cao-{cycle.period_end:%Y%m%d}.csv", "text/csv; charset=utf-8")
    form = CycleImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importer.import_cycle(
            request.user, cycle, upload.read(), upload.name, dry_run=form.cleaned_data["dry_run"]
        )
        if result.ok and not result.dry_run:
            messages.success(request, _("Imported %(count)d sections.") % {"count": result.applied})
            return redirect("reporting:cycle_detail", pk=cycle.pk)
    return render(
        request,
        "reporting/cycle_import.html",
        {
            "cycle": cycle,
            "form": form,
            "result": result,
            "columns": importer.columns_for(cycle.form),
        },
        status=400 if (result is not None and not result.ok) or form.errors else 200,
    )


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires("reporting.consolidate")
def cycle_export(request, pk, fmt):
    cycle = _cycle(request, pk)
    scope = visible_to(request.user, Submission.objects.all())
    data, filename, content_type = exports.consolidated(cycle, scope, fmt, language=request.LANGUAGE_CODE)
    return _download(data, filename, content_type)


@requires("reporting.view")
def district_export(request, pk, code):
    cycle = _cycle(request, pk)
    unit = _district(request, cycle, code)
    subs = visible_to(request.user, cycle.submissions.filter(org_unit=unit))
    if not subs.exists():
        raise Http404
    data, filename, content_type = exports.district_docx(cycle, unit, subs)
    return _download(data, filename, content_type)
