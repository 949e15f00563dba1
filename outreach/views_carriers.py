"""Pages of the requests to the carriers: the list (a carrier's staff see their own letters), a
new request, a request with each carrier's letter (PDF, DOCX), its number and its reported reach,
the leader's signature, and the carrier's report."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, requires, visible_to
from core.roles import Role

from . import carriers
from .forms import CarrierRequestForm, ReachForm
from .models import CarrierLine, CarrierRequest
from .views_campaigns import _usable_messages

MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _is_carrier(person) -> bool:
    return person.role == Role.CARRIER and not person.is_superuser


def _requests_for(person):
    """Staff see the requests of their area; a carrier's staff the signed ones sent to it."""
    rows = CarrierRequest.objects.select_related("key_message", "org_unit", "created_by", "signed_by")
    if _is_carrier(person):
        return rows.filter(state=CarrierRequest.State.SENT, lines__carrier_id=person.organisation_id).distinct()
    return visible_to(person, rows)


@requires("outreach.carriers")
def request_list(request):
    rows = list(_requests_for(request.user)[:200])
    own = request.user.organisation_id if _is_carrier(request.user) else None
    for r in rows:
        r.totals = carriers.totals(r, carrier_id=own)  # a carrier sees its own report only
    return render(
        request,
        "outreach/carrier_list.html",
        {"rows": rows, "can_write": can(request.user, "outreach.send")},
    )


@requires("outreach.send")
@require_http_methods(["GET", "POST"])
def request_new(request):
    person = request.user
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = CarrierRequestForm(
        request.POST or None,
        messages=_usable_messages(person),
        areas=carriers.areas_for(person).order_by("path"),
        carriers=carriers.carriers(),
        initial={
            "key_message": request.GET.get("message"),
            "window_start": now + datetime.timedelta(hours=1),
            "window_end": now + datetime.timedelta(hours=25),
            "carriers": list(carriers.carriers()),
        },
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            created = carriers.create(
                person, d["key_message"], d["org_unit"], d["window_start"], d["window_end"], d["carriers"]
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The request is ready for a leader to sign."))
            return redirect("outreach:carrier_request", created.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "outreach/carrier_new.html", {"form": form}, status=status)


def _request(request, pk) -> CarrierRequest:
    return get_object_or_404(_requests_for(request.user), pk=pk)


@requires("outreach.carriers")
def request_detail(request, pk, reach_form=None, failed_line=None):
    person = request.user
    req = _request(request, pk)
    lines = list(req.lines.select_related("carrier", "reported_by").order_by("carrier__name"))
    if _is_carrier(person):
        lines = [line for line in lines if line.carrier_id == person.organisation_id]
    for line in lines:
        line.may_report = req.state == CarrierRequest.State.SENT and carriers.may_report(person, line)
        if line.may_report:
            line.form = reach_form if failed_line == line.pk else ReachForm(
                initial={"reached": line.reached, "sent_at": line.sent_at and timezone.localtime(line.sent_at),
                         "declined": line.state == "declined", "note": line.note},
                prefix=f"l{line.pk}",
            )  # fmt: skip
    return render(
        request,
        "outreach/carrier_detail.html",
        {
            "req": req,
            "lines": lines,
            "totals": carriers.totals(req, carrier_id=person.organisation_id if _is_carrier(person) else None),
            "can_email": req.state == CarrierRequest.State.SENT and can(person, "outreach.send"),
            "can_sign": req.state == CarrierRequest.State.DRAFT and can(person, "outreach.approve"),
            "can_cancel": req.state == CarrierRequest.State.DRAFT and can(person, "outreach.send"),
            "carrier_view": _is_carrier(person),
        },
        status=422 if reach_form is not None else 200,
    )


@requires("outreach.approve")
@require_POST
def request_sign(request, pk):
    req = _request(request, pk)
    try:
        carriers.sign(request.user, req)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Signed: each carrier's letter has its number and is emailed to it."))
    return redirect("outreach:carrier_request", req.pk)


@requires("outreach.send")
@require_POST
def request_cancel(request, pk):
    req = _request(request, pk)
    try:
        carriers.cancel(request.user, req)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The request is cancelled."))
    return redirect("outreach:carrier_request", req.pk)


def _line(request, pk) -> CarrierLine:
    line = get_object_or_404(CarrierLine.objects.select_related("request", "carrier"), pk=pk)
    if not _requests_for(request.user).filter(pk=line.request_id).exists():
        raise Http404
    if _is_carrier(request.user) and line.carrier_id != request.user.organisation_id:
        raise Http404
    return line


@requires("outreach.send")
@require_POST
def line_email(request, pk):
    line = _line(request, pk)
    try:
        carriers.email_again(request.user, line)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The letter is queued to be emailed to %(carrier)s.") % {"carrier": line.carrier})
    return redirect("outreach:carrier_request", line.request_id)


@requires("outreach.carriers")
def line_letter(request, pk, fmt):
    """A carrier's letter as PDF or DOCX (a draft until a leader signs: no number, no date)."""
    if fmt not in MIME:
        raise Http404
    line = _line(request, pk)
    response = HttpResponse(carriers.letter_file(line, fmt), content_type=MIME[fmt])
    response["Content-Disposition"] = f'attachment; filename="{carriers.letter_name(line, fmt)}"'
    return response


@requires("outreach.reach")
@require_POST
def line_report(request, pk):
    line = _line(request, pk)
    if not carriers.may_report(request.user, line):
        raise PermissionDenied
    form = ReachForm(request.POST, prefix=f"l{line.pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            carriers.report(
                request.user, line, reached=d.get("reached"), sent_at=d.get("sent_at"), note=d.get("note", ""),
                declined=d.get("declined", False),
            )  # fmt: skip
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The carrier's report is recorded."))
            return redirect("outreach:carrier_request", line.request_id)
    return request_detail(request, line.request_id, reach_form=form, failed_line=line.pk)
