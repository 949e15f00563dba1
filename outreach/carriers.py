"""Carrier campaign requests (Plan 52, IV.12): the Department asks the carriers to text every
subscriber in an area — they send those, from their side, not through our gateway.

draft (the focal point or the telecom officer: an approved message's SMS, the area, the window, the
carriers) → sent (a leader signs: each carrier's letter gets the next number of the year, is dated
that day and emailed to the carrier with its PDF and DOCX) → each carrier reports its reach: the
subscribers who got the message and when it went out, or that it declines, entered by its own staff
on the page, by the Department for it, or pushed through the API. The request's totals add up the
carriers' reports. A draft can be cancelled; a signed letter stays as signed.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see, scope_root
from core.letterhead import PLAN, letterhead
from core.models import Organisation, OrgUnit
from core.tasks import enqueue_on_commit
from core.validation import check_text
from documents import official
from vntext import sms

from .models import CarrierLine, CarrierRequest, KeyMessage

R = CarrierRequest.State
MAX_WINDOW = datetime.timedelta(days=7)
MAX_REACHED = 100_000_000


def carriers():
    return Organisation.objects.filter(kind=Organisation.Kind.CARRIER, is_active=True).order_by("name")


def areas_for(person):
    """The province, districts and communes a request may cover: within the person's area."""
    root = scope_root(person)
    units = OrgUnit.objects.filter(
        level__in=[OrgUnit.Level.PROVINCE, OrgUnit.Level.DISTRICT, OrgUnit.Level.COMMUNE], is_active=True
    )
    if person.is_superuser:
        return units
    return units.filter(path__startswith=root.path) if root is not None else units.none()


def create(person, message: KeyMessage, area: OrgUnit, window_start, window_end, chosen, now=None) -> CarrierRequest:
    """A draft request to the chosen carriers; every problem by field, nothing written."""
    if not can(person, "outreach.send"):
        raise PermissionDenied
    now = now or timezone.now()
    errors = {}
    if not (message.is_usable and message.sms_text) or not can_see(person, message):
        errors["key_message"] = _("Only an approved key message with an SMS text, valid today, can be sent.")
    elif any(p.code not in sms.WARNINGS for p in sms.check_message(message.sms_text)):
        errors["key_message"] = _("The SMS text of this message is refused by the carriers' rules.")
    if area is None or not areas_for(person).filter(pk=area.pk).exists():
        errors["org_unit"] = _("Choose the province, a district or a commune of your area.")
    if not isinstance(window_start, datetime.datetime) or window_start < now - datetime.timedelta(minutes=5):
        errors["window_start"] = _("The window starts now or later.")
    elif not isinstance(window_end, datetime.datetime) or window_end <= window_start:
        errors["window_end"] = _("The window ends after it starts.")
    elif window_end - window_start > MAX_WINDOW:
        errors["window_end"] = _("A window of at most 7 days.")
    chosen = list(chosen)
    allowed = set(carriers().values_list("pk", flat=True))
    if not chosen:
        errors["carriers"] = _("Choose at least one carrier.")
    elif any(c.pk not in allowed for c in chosen):
        errors["carriers"] = _("Only active carriers of the directory.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = CarrierRequest.objects.create(
            key_message=message, text=message.sms_text, org_unit=area, window_start=window_start,
            window_end=window_end, created_by=person, created_at=now,
        )  # fmt: skip
        CarrierLine.objects.bulk_create([CarrierLine(request=request, carrier=c) for c in chosen])
        audit.record(person, "carrier_request.create", request, after={"carriers": [c.name for c in chosen]})
    return request


def _number(serial: int) -> str:
    return f"{serial}/{letterhead().symbol}-{settings.OUTREACH_CARRIER_DIVISION}"


def sign(person, request: CarrierRequest, now=None) -> CarrierRequest:
    """A leader signs: every carrier's letter gets the next number of the year, dated today, and is
    emailed to the carrier (on commit, through the task queue)."""
    if not can(person, "outreach.approve") or not can_see(person, request):
        raise PermissionDenied
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    with transaction.atomic():
        # One numbering at a time: the province row is the lock (as for the daily bulletin).
        OrgUnit.objects.select_for_update().filter(parent__isnull=True).order_by("pk").first()
        if not CarrierRequest.objects.filter(pk=request.pk, state=R.DRAFT).update(
            state=R.SENT, signed_by=person, signed_at=now, signed_on=day
        ):
            raise ValidationError(_("Only a draft request is signed."))
        if request.window_start < now - datetime.timedelta(minutes=5):
            raise ValidationError(_("The window has begun: write a new request with a later window."))
        message = KeyMessage.objects.get(pk=request.key_message_id)  # as it is now, not as first read
        if not message.is_usable or message.sms_text != request.text:
            raise ValidationError(_("The key message has changed or is no longer approved: write a new request."))
        last = CarrierLine.objects.filter(request__signed_on__year=day.year).aggregate(m=Max("serial"))["m"] or 0
        lines = list(request.lines.select_related("carrier").order_by("carrier__name", "pk"))
        for i, line in enumerate(lines, start=1):
            line.serial, line.number = last + i, _number(last + i)
            line.save(update_fields=["serial", "number"])
        audit.record(person, "carrier_request.sign", request, after={"numbers": [line.number for line in lines]})
        from . import tasks

        for line in lines:
            if line.carrier.email:
                enqueue_on_commit(tasks.email_carrier_letter, line.pk)
    request.refresh_from_db()
    return request


def email_again(person, line: CarrierLine) -> None:
    """Queue the carrier's letter again (its address was wrong, the mail was lost)."""
    if not can(person, "outreach.send") or not can_see(person, line.request):
        raise PermissionDenied
    if line.request.state != R.SENT or not line.carrier.email:
        raise ValidationError(_("Only a signed letter to a carrier with an email address is sent."))
    with transaction.atomic():
        CarrierLine.objects.filter(pk=line.pk).update(emailed_at=None)
        audit.record(person, "carrier_request.email", line.request, after={"carrier": line.carrier.name})
        from . import tasks

        enqueue_on_commit(tasks.email_carrier_letter, line.pk)


def cancel(person, request: CarrierRequest) -> CarrierRequest:
    if not (can(person, "outreach.send") or can(person, "outreach.approve")) or not can_see(person, request):
        raise PermissionDenied
    with transaction.atomic():
        if not CarrierRequest.objects.filter(pk=request.pk, state=R.DRAFT).update(state=R.CANCELLED):
            raise ValidationError(_("Only a draft request can be cancelled; a signed letter stays as signed."))
        audit.record(person, "carrier_request.cancel", request)
    request.refresh_from_db()
    return request


def may_report(person, line: CarrierLine) -> bool:
    """The carrier's own staff, or the Department's senders on its behalf."""
    if not can(person, "outreach.reach"):
        return False
    if person.role in {"carrier"}:
        return person.organisation_id == line.carrier_id
    return can_see(person, line.request)


def report(person, line: CarrierLine, *, reached=None, sent_at=None, note="", declined=False, now=None) -> CarrierLine:
    """The carrier's report: how many subscribers got the message and when it went out, or that it
    declines (with the reason). A later report replaces an earlier one; both stay in the audit log."""
    if not may_report(person, line):
        raise PermissionDenied
    now = now or timezone.now()
    errors = {}
    if line.request.state != R.SENT:
        raise ValidationError(_("Only a signed request is reported on."))
    note, error = check_text(note, _("Note"))
    if error:
        errors["note"] = error
    if declined:
        if not note and "note" not in errors:
            errors["note"] = _("Say why the carrier declines.")
        reached, sent_at = None, None
    else:
        if isinstance(reached, bool) or not isinstance(reached, int) or not 0 <= reached <= MAX_REACHED:
            errors["reached"] = _("A whole number of subscribers from 0 to %(max)s.") % {"max": "100.000.000"}
        if not isinstance(sent_at, datetime.datetime):
            errors["sent_at"] = _("When the messages went out (date and time).")
        else:
            if timezone.is_naive(sent_at):
                sent_at = timezone.make_aware(sent_at)
            if sent_at > now + datetime.timedelta(minutes=10):
                errors["sent_at"] = _("This is in the future.")
            elif line.request.signed_at and sent_at < line.request.signed_at - datetime.timedelta(days=1):
                errors["sent_at"] = _("This is before the request was signed.")
    if errors:
        raise ValidationError(errors)
    before = {"state": line.state, "reached": line.reached, "sent_at": line.sent_at, "note": line.note}
    with transaction.atomic():
        line.state = CarrierLine.State.DECLINED if declined else CarrierLine.State.REPORTED
        line.reached, line.sent_at, line.note = reached, sent_at, note
        line.reported_by, line.reported_at = person, now
        line.save(update_fields=["state", "reached", "sent_at", "note", "reported_by", "reported_at"])
        audit.record(
            person, "carrier_request.report", line.request, before=before,
            after={"carrier": line.carrier.name, "state": line.state, "reached": reached, "sent_at": sent_at,
                   "note": note},
        )  # fmt: skip
    return line


def totals(request: CarrierRequest, carrier_id: int | None = None) -> dict:
    """The carriers' reports added up; `carrier_id`: that carrier's own only (what it may see)."""
    lines = list(request.lines.filter(carrier_id=carrier_id) if carrier_id else request.lines.all())
    return {
        "carriers": len(lines),
        "reported": sum(1 for line in lines if line.state == CarrierLine.State.REPORTED),
        "declined": sum(1 for line in lines if line.state == CarrierLine.State.DECLINED),
        "reached": sum(line.reached or 0 for line in lines),
    }


# --- The letter (Decree 30 layout) ---------------------------------------------------------------
def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H giờ %M ngày %d/%m/%Y")


def letter(line: CarrierLine) -> official.OfficialDocument:
    """The request to one carrier: "V/v nhắn tin tuyên truyền phòng, chống dịch Covid-19"."""
    request, head = line.request, letterhead()
    info = sms.encode_info(request.text)
    report_by = timezone.localtime(request.window_end).date() + datetime.timedelta(days=1)
    accents = "có dấu" if info.encoding == sms.UCS2 else "không dấu"
    area = request.org_unit.name
    blocks = [
        official.Paragraph(f"Kính gửi: {line.carrier.name}.", bold=True),
        official.Paragraph(
            f"Thực hiện {PLAN} về tuyên truyền phòng, chống dịch Covid-19; để kịp thời thông tin đến người dân, "
            f"Sở Thông tin và Truyền thông đề nghị {line.carrier.name} nhắn tin đến tất cả các thuê bao di động "
            f"đang hoạt động trên địa bàn {request.org_unit.name}, cụ thể như sau:"
        ),
        official.Paragraph(f"1. Nội dung tin nhắn: “{request.text}”"),
        official.Paragraph(f"({info.chars} ký tự, {info.segments} tin nhắn {accents}).", italic=True),
        official.Paragraph(f"2. Thời gian nhắn tin: từ {_when(request.window_start)} đến {_when(request.window_end)}."),
        official.Paragraph(f"3. Phạm vi: toàn bộ thuê bao di động đang hoạt động trên địa bàn {area}."),
        official.Paragraph(
            f"Sau khi thực hiện, đề nghị {line.carrier.name} báo cáo số lượng thuê bao đã nhận tin nhắn và thời gian "
            f"nhắn tin về Sở Thông tin và Truyền thông (qua hệ thống Tin Cậy hoặc bằng văn bản) trước ngày "
            f"{report_by:%d/%m/%Y}."
        ),
        official.Paragraph(
            f"Sở Thông tin và Truyền thông đề nghị {line.carrier.name} quan tâm phối hợp thực hiện./."
        ),
    ]
    number = f"Số: {line.number}" if line.number else f"Số:        /{head.symbol}-{settings.OUTREACH_CARRIER_DIVISION}"
    return official.OfficialDocument(
        issuer_lines=head.issuer_lines,
        number=number,
        place=head.place,
        date=request.signed_on,
        excerpt="V/v nhắn tin tuyên truyền phòng, chống dịch Covid-19",
        blocks=blocks,
        recipients=["Như trên;", "Ban Giám đốc Sở;", f"Lưu: VT, {settings.OUTREACH_CARRIER_DIVISION}."],
        signer_authority=head.signer_authority,
        signer_name=(request.signed_by.full_name if request.signed_by else head.signer_name),
    )


def letter_file(line: CarrierLine, fmt: str) -> bytes:
    doc = letter(line)
    return official.render_pdf(doc) if fmt == "pdf" else official.render_docx(doc)


def letter_name(line: CarrierLine, fmt: str) -> str:
    """"cong-van-12-nhan-tin-viettel.pdf" (ASCII: some mail clients mangle other file names)."""
    from django.utils.text import slugify

    from vntext import fold

    carrier = slugify(fold(line.carrier.short_name or line.carrier.name)) or str(line.carrier_id)
    return f"cong-van-{line.serial or 'du-thao'}-nhan-tin-{carrier}.{fmt}"
