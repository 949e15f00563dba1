"""The roster as the Office issues it: a notice (THÔNG BÁO) in the layout of Decree 30/2020/NĐ-CP
with the day-by-day list and each person's count of shifts, as DOCX; and the same list as XLSX.
Issuing numbers the notice in the year (the province row is the numbering lock, as for the other
documents) and keeps the DOCX with its SHA-256; a later change puts the roster back to draft and
the next issue says which notice it replaces."""

import datetime
import hashlib
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see
from core.letterhead import PLAN, leader_authority, letterhead
from core.models import OrgUnit
from documents import official
from documents.spreadsheet import render_xlsx

from .models import Roster, RosterEvent

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
KIND_WORDS = {
    Roster.Kind.OFFICE: "phân công làm việc luân phiên",
    Roster.Kind.DATA_CENTRE: "trực vận hành Trung tâm dữ liệu",
    Roster.Kind.HOTLINE: "trực đường dây nóng",
}


def _number(serial: int) -> str:
    return f"{serial}/TB-{letterhead().symbol}"


def period(roster: Roster) -> str:
    return f"từ ngày {roster.start:%d/%m/%Y} đến ngày {roster.end:%d/%m/%Y}"


def grid(roster: Roster):
    """(shifts, rows): one row per day with the names on each shift."""
    shifts = list(roster.shifts.all())
    names: dict = defaultdict(list)
    for a in roster.assignments.select_related("person").order_by("person__full_name"):
        names[(a.day, a.shift_id)].append(a.person.full_name or a.person.username)
    rows = []
    for day in roster.days:
        cells = []
        for s in shifts:
            cells.append(", ".join(names[(day, s.pk)]) if s.runs_on(day) else "–")
        rows.append((day, cells))
    return shifts, rows


def loads(roster: Roster) -> list[tuple[str, int, int, int, float]]:
    """(name, shifts, nights, weekend or holiday shifts, hours) per member, by name."""
    from .planning import holidays

    off = holidays(roster.start, roster.end)
    out: dict = {}
    for m in roster.members.select_related("person"):
        out[m.person_id] = [m.person.full_name or m.person.username, 0, 0, 0, 0.0]
    for a in roster.assignments.select_related("shift"):
        row = out.setdefault(a.person_id, [str(a.person_id), 0, 0, 0, 0.0])
        row[1] += 1
        row[2] += a.shift.night
        row[3] += a.day.weekday() >= 5 or a.day in off
        row[4] += a.shift.hours
    return sorted((tuple(r) for r in out.values()), key=lambda r: r[0])


def _signer(roster: Roster) -> tuple[str, str]:
    head = letterhead()
    person = roster.issued_by
    if person is None:
        return head.signer_authority, head.signer_name
    position = (person.position or "").strip()
    if person.role == "leader":
        return leader_authority(person), person.full_name
    return f"TL. GIÁM ĐỐC\n{position.upper() or 'CHÁNH VĂN PHÒNG'}", person.full_name


def document(roster: Roster) -> official.OfficialDocument:
    head = letterhead()
    shifts, rows = grid(roster)
    what = KIND_WORDS.get(roster.kind, "trực")
    blocks: list = [
        official.Paragraph(
            f"Thực hiện {PLAN} về thông tin, tuyên truyền phòng, chống dịch Covid-19; để bảo đảm hoạt động "
            f"thông suốt trong thời gian phòng, chống dịch, Sở Thông tin và Truyền thông thông báo lịch {what} "
            f"{period(roster)} như sau:"
        )
    ]
    if roster.replaces:
        blocks.append(official.Paragraph(f"Thông báo này thay thế Thông báo số {roster.replaces}.", italic=True))
    blocks.append(official.Heading("1. Lịch phân công"))
    columns = ["Ngày", "Thứ"] + [f"{s.name} ({s.start:%H:%M}–{s.end:%H:%M})" for s in shifts]
    blocks.append(
        official.Table(
            columns=columns,
            rows=[[f"{day:%d/%m}", WEEKDAYS[day.weekday()], *cells] for day, cells in rows],
            widths=[1.2, 1.6] + [4.0] * len(shifts),
            align=["center", "left"] + ["left"] * len(shifts),
            small=True,
        )
    )
    blocks.append(official.Heading("2. Số ca của từng người"))
    blocks.append(
        official.Table(
            columns=["STT", "Họ và tên", "Số ca", "Ca đêm", "Thứ Bảy, Chủ nhật, ngày lễ", "Số giờ"],
            rows=[
                [i, name, n, nights, weekend, f"{hours:g}".replace(".", ",")]
                for i, (name, n, nights, weekend, hours) in enumerate(loads(roster), start=1)
            ],
            widths=[0.8, 4.0, 1.2, 1.2, 2.0, 1.2],
            align=["center", "left", None, None, None, "right"],
            small=True,
        )
    )
    blocks.append(
        official.Paragraph(
            "3. Cán bộ có tên trong lịch có mặt đúng giờ (trực tại chỗ) hoặc bảo đảm liên lạc thông suốt (trực "
            "từ xa, trực sẵn sàng). Trường hợp không thể trực (nghỉ phép, cách ly, F1…), báo ngay cho người lập "
            "lịch để bố trí người thay thế; việc đổi ca giữa hai người phải được người lập lịch đồng ý trên hệ "
            "thống Tin Cậy."
        )
    )
    number = f"Số: {roster.number}" if roster.number else f"Số:        /TB-{head.symbol}"
    authority, signer = _signer(roster)
    return official.OfficialDocument(
        issuer_lines=head.issuer_lines,
        number=number,
        place=head.place,
        date=roster.issued_on,
        kind="THÔNG BÁO",
        title=f"Lịch {what}",
        subtitle=f"({period(roster).capitalize()})",
        blocks=blocks,
        recipients=[
            "Ban Giám đốc Sở;",
            "Các phòng, đơn vị trực thuộc Sở;",
            "Cán bộ có tên trong lịch;",
            "Lưu: VT, VP.",
        ],
        signer_authority=authority,
        signer_name=signer,
    )


def docx(roster: Roster) -> bytes:
    """The issued notice as kept, or the draft rendered now."""
    if roster.state == Roster.State.ISSUED and roster.docx:
        return bytes(roster.docx)
    return official.render_docx(document(roster))


def xlsx(roster: Roster) -> bytes:
    shifts, rows = grid(roster)
    head = letterhead()
    heading = [head.issuer_lines[-1].upper(), f"LỊCH {KIND_WORDS.get(roster.kind, 'trực').upper()}", period(roster)]
    if roster.number:
        heading.append(f"(Kèm theo Thông báo số {roster.number})")
    return render_xlsx(
        "Lịch trực",
        heading,
        ["Ngày", "Thứ"] + [f"{s.name} ({s.start:%H:%M}–{s.end:%H:%M})" for s in shifts],
        [[day, WEEKDAYS[day.weekday()], *cells] for day, cells in rows],
    )


def file_name(roster: Roster, fmt: str) -> str:
    return f"lich-truc-{roster.serial or 'du-thao'}-{roster.start:%Y-%m}.{fmt}"


def issue(person, roster: Roster, now: datetime.datetime | None = None) -> Roster:
    """Number the notice in the year, date it today, keep its DOCX; the roster is then issued."""
    if not can(person, "roster.issue") or not can_see(person, roster):
        raise PermissionDenied
    day = timezone.localtime(now or timezone.now()).date()
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(parent__isnull=True).order_by("pk").first()
        roster = Roster.objects.select_for_update().get(pk=roster.pk)
        if roster.state != Roster.State.DRAFT:
            raise ValidationError(_("This roster is already issued."))
        if not roster.assignments.exists():
            raise ValidationError(_("Generate the roster before issuing it."))
        from .planning import conflicts

        if conflicts(roster):
            raise ValidationError(_("Some people on the roster are unavailable on their shifts: re-plan first."))
        last = Roster.objects.filter(issued_on__year=day.year).aggregate(m=Max("serial"))["m"] or 0
        previous = roster.number
        roster.serial = last + 1
        roster.number = _number(roster.serial)
        roster.issued_on, roster.issued_by, roster.state = day, person, Roster.State.ISSUED
        if previous and not roster.replaces:
            roster.replaces = previous
        content = official.render_docx(document(roster))
        roster.docx, roster.docx_sha256 = content, hashlib.sha256(content).hexdigest()
        roster.save()
        RosterEvent.objects.create(roster=roster, actor=person, kind="issue", note=roster.number)
        audit.record(person, "roster.issue", roster, after={"number": roster.number, "sha256": roster.docx_sha256})
    return roster
