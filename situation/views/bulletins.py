"""Staff pages of the daily bulletin: the list, today's draft, the page where the focal point
edits and submits and a leader approves or returns, the PDF/DOCX files, and the deliveries to
the press list with their status and resend."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, can_see_province, requires
from core.letterhead import letterhead

from .. import actions, documents
from ..forms import BulletinTextForm, ReturnForm
from ..models import Bulletin, Delivery, Figure, FigureChange
from .entry import province_of

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX}


def bulletins_for(person):
    """Province roles see every bulletin of the province; the press only issued ones."""
    if can(person, "situation.figures") and can_see_province(person):
        return Bulletin.objects.all()
    return Bulletin.objects.filter(state=Bulletin.State.ISSUED)


@requires("situation.view")
def bulletin_list(request):
    rows = bulletins_for(request.user).annotate(
        sent=Count("deliveries", filter=Q(deliveries__state=Delivery.State.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__state=Delivery.State.FAILED)),
        recipients=Count("deliveries"),
    )
    page = Paginator(rows.order_by("-date"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "situation/bulletin_list.html",
        {"page": page, "can_draft": can(request.user, "situation.draft"), "today": timezone.localdate()},
    )


@requires("situation.draft")
@require_http_methods(["GET", "POST"])
def bulletin_today(request):
    """Today's bulletin: opened if it exists; prepared on request (POST) before the scheduled time."""
    root = province_of(request)
    today = timezone.localdate()
    existing = Bulletin.objects.filter(org_unit=root, date=today).first()
    if existing is not None:
        return redirect("situation:bulletin", existing.pk)
    if request.method == "POST":
        bulletin, _created = actions.ensure_draft(request.user, root, today)
        return redirect("situation:bulletin", bulletin.pk)
    return render(request, "situation/bulletin_today.html", {"today": today})


def _bulletin(request, pk) -> Bulletin:
    return get_object_or_404(bulletins_for(request.user).select_related("org_unit", "approved_by"), pk=pk)


@requires("situation.view")
def bulletin_detail(request, pk):
    bulletin = _bulletin(request, pk)
    if not (can(request.user, "situation.figures") and can_see_province(request.user)):
        # The press reads the issued bulletin as the public does: not who wrote, returned or
        # approved it, nor the other agencies' addresses.
        return redirect("public:bulletin", bulletin.slug)
    if bulletin.state == Bulletin.State.DRAFT:
        actions.refresh(bulletin)  # the draft follows the figures until it is submitted
    facts = bulletin.facts
    form = BulletinTextForm(initial={"summary": bulletin.summary, "messages": bulletin.messages})
    return render(request, "situation/bulletin_detail.html", _context(request, bulletin, facts, form))


def _context(request, bulletin, facts, form, return_form=None):
    person = request.user
    changed_since = None
    if bulletin.state == Bulletin.State.SUBMITTED and bulletin.composed_at:
        changed_since = Figure.objects.filter(
            date=bulletin.date, org_unit__parent=bulletin.org_unit, updated_at__gt=bulletin.composed_at
        ).exists()
    corrected = 0
    if bulletin.is_issued and bulletin.issued_at:
        corrected = FigureChange.objects.filter(
            figure__date=bulletin.date, figure__org_unit__parent=bulletin.org_unit, changed_at__gt=bulletin.issued_at
        ).count()
    headline = [i for i in facts.get("indicators", []) if i["headline"]]
    carried = [i["short_name"] for i in headline if i.get("carried")]
    chart = documents.trend_chart(facts)
    return {
        "bulletin": bulletin,
        "facts": facts,
        "headline": headline,
        "carried": carried,
        "rows": [
            {"name": r["name"], "reported": r["reported"], "values": [r["values"].get(i["code"]) for i in headline]}
            for r in facts.get("rows", [])
        ],
        "chart": chart,
        "form": form,
        "return_form": return_form or ReturnForm(),
        "number": bulletin.number_text or documents.number_text(bulletin),
        "events": bulletin.events.select_related("actor"),
        "deliveries": bulletin.deliveries.all() if bulletin.is_issued else [],
        "changed_since": changed_since,
        "corrected_after_issue": corrected,
        "can_edit": bulletin.state == Bulletin.State.DRAFT and can(person, "situation.draft"),
        "can_submit": bulletin.state == Bulletin.State.DRAFT and can(person, "situation.draft"),
        "can_approve": bulletin.state == Bulletin.State.SUBMITTED and can(person, "situation.approve"),
        "can_distribute": bulletin.is_issued and can(person, "situation.distribute"),
        "recipients": actions.recipients() if not bulletin.is_issued else None,
        "messages_lines": [line.strip().lstrip("-").strip() for line in bulletin.messages.splitlines() if line.strip()],
        "summary_lines": [line for line in bulletin.summary.splitlines() if line.strip()],
        "head": letterhead(bulletin.org_unit),
    }


@requires("situation.draft")
@require_POST
def bulletin_edit(request, pk):
    bulletin = _bulletin(request, pk)
    form = BulletinTextForm(request.POST)
    if form.is_valid():
        try:
            actions.edit(request.user, bulletin, form.cleaned_data["summary"], form.cleaned_data["messages"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The bulletin's text is saved."))
            if request.POST.get("then") == "submit":
                return _act(request, bulletin, "submit")
            return redirect("situation:bulletin", bulletin.pk)
    return render(
        request, "situation/bulletin_detail.html", _context(request, bulletin, bulletin.facts, form), status=422
    )


OPERATIONS = {"submit", "approve", "return", "recompose", "resend_failed"}


@requires("situation.view")
@require_POST
def bulletin_act(request, pk, operation):
    if operation not in OPERATIONS:
        raise Http404
    bulletin = _bulletin(request, pk)
    return _act(request, bulletin, operation)


def _act(request, bulletin, operation):
    person = request.user
    try:
        if operation == "submit":
            actions.submit(person, bulletin)
            messages.success(request, _("Submitted: the leaders are asked to approve it."))
        elif operation == "approve":
            bulletin = actions.approve(person, bulletin)
            messages.success(
                request,
                _("Issued as bulletin no. %(number)s and sent to %(count)d recipients.")
                % {"number": bulletin.number_text.removeprefix("Số: "), "count": bulletin.deliveries.count()},
            )
        elif operation == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                context = _context(request, bulletin, bulletin.facts, BulletinTextForm(), return_form=form)
                return render(request, "situation/bulletin_detail.html", context, status=422)
            actions.return_to_draft(person, bulletin, form.cleaned_data["reason"])
            messages.success(request, _("Returned to the focal point."))
        elif operation == "recompose":
            actions.recompose(person, bulletin)
            messages.success(request, _("The text was written again from the latest figures."))
        elif operation == "resend_failed":
            count = actions.resend_failed(person, bulletin)
            messages.success(request, _("%(count)d emails queued again.") % {"count": count})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("situation:bulletin", bulletin.pk)


@requires("situation.view")
def bulletin_file(request, pk, fmt):
    """The issued files as kept; for a draft, a preview rendered now (no number yet)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    bulletin = _bulletin(request, pk)
    name = f"ban-tin-{bulletin.slug}.{fmt}"
    if bulletin.is_issued:
        stored = getattr(bulletin, fmt)
        if not stored:
            raise Http404
        return FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    if bulletin.state == Bulletin.State.DRAFT:
        actions.refresh(bulletin)
    data = documents.render_pdf(bulletin) if fmt == "pdf" else documents.render_docx(bulletin)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="du-thao-{name}"'
    return response


@requires("situation.distribute")
@require_POST
def delivery_resend(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("bulletin"), pk=pk)
    if not can_see_province(request.user):
        raise Http404
    try:
        actions.resend(request.user, delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The email to %(email)s is queued again.") % {"email": delivery.email})
    return redirect("situation:bulletin", delivery.bulletin_id)
