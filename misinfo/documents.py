"""Official letters of the desk (Decree 30 layout, through `documents`): the referral of a case
to the provincial police, and the requests for a rebuttal or a takedown."""

from django.utils import timezone

from core.access import can, visible_to
from core.letterhead import letterhead
from documents import official

from .models import CaseAction

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

SUBJECTS = {
    CaseAction.Kind.REFERRAL: "V/v chuyển thông tin sai sự thật để xác minh, xử lý theo quy định",
    CaseAction.Kind.REBUTTAL: "V/v đề nghị đăng tải thông tin cải chính",
    CaseAction.Kind.TAKEDOWN: "V/v đề nghị gỡ bỏ thông tin sai sự thật",
}
ASKS = {
    CaseAction.Kind.REFERRAL: "Sở Thông tin và Truyền thông chuyển thông tin trên đến {to} để xác minh, xử lý tổ chức, "
    "cá nhân vi phạm theo quy định của pháp luật, và đề nghị thông báo kết quả về Sở{by}.",
    CaseAction.Kind.REBUTTAL: "Sở Thông tin và Truyền thông đề nghị {to} đăng tải thông tin cải chính theo nội dung "
    "kết luận nêu trên, và gửi đường dẫn bài đăng về Sở{by}.",
    CaseAction.Kind.TAKEDOWN: "Sở Thông tin và Truyền thông đề nghị {to} gỡ bỏ các nội dung sai sự thật tại các đường "
    "dẫn nêu trên và thông báo kết quả về Sở{by}.",
}


def _d(date) -> str:
    return date.strftime("%d/%m/%Y")


def _tips(claim, viewer):
    """The claim's tips the reader may see (a district reads its own district's tips only)."""
    tips = claim.tips.select_related("org_unit").order_by("received_at")
    return list(tips if viewer is None or can(viewer, "misinfo.police") else visible_to(viewer, tips))


def action_letter(action: CaseAction, viewer=None) -> bytes:
    case, claim = action.case, action.case.claim
    head = letterhead()
    tips = _tips(claim, viewer)
    to = action.recipient or ("Công an tỉnh" if action.kind == CaseAction.Kind.REFERRAL else "Quý cơ quan")
    by = f" trước ngày {_d(action.deadline)}" if action.deadline else ""
    verdict = case.get_verdict_display().lower() if case.verdict else "thông tin cần xác minh"
    blocks = [
        official.Paragraph(f"Kính gửi: {to}.", bold=True),
        official.Paragraph(
            f"Từ ngày {_d(timezone.localtime(claim.first_seen_at))}, Sở Thông tin và Truyền thông tiếp nhận "
            f"{len(tips)} phản ánh về thông tin: “{claim.statement}”"
        ),
        official.Paragraph(f"Qua xác minh, Sở kết luận đây là {verdict}. {case.explanation}".strip()),
    ]
    links = [t for t in tips if t.url]
    if links:
        blocks.append(
            official.Table(
                ["STT", "Thời điểm tiếp nhận", "Kênh", "Đường dẫn"],
                [
                    [i, timezone.localtime(t.received_at).strftime("%d/%m/%Y %H:%M"), t.get_channel_display(), t.url]
                    for i, t in enumerate(links, 1)
                ],
                widths=[0.5, 1.6, 1.4, 4.0],
            )
        )
    blocks.append(official.Paragraph(ASKS[action.kind].format(to=to, by=by)))
    return official.render_docx(
        official.OfficialDocument(
            issuer_lines=head.issuer_lines,
            number=f"Số: {action.letter_number}" if action.letter_number else f"Số:        /{head.symbol}-TTra",
            place=head.place,
            date=action.letter_date or timezone.localdate(),
            kind="",
            title="",
            excerpt=SUBJECTS[action.kind],
            blocks=blocks,
            recipients=["Như trên;", "Ban Giám đốc Sở;", "Lưu: VT, TTra."],
            signer_authority=head.signer_authority,
            signer_name=head.signer_name,
        )
    )


PDF = "application/pdf"


def _t(when) -> str:
    return timezone.localtime(when).strftime("%d/%m/%Y %H:%M")


def case_file(case, viewer=None) -> bytes:
    """The case file as PDF: the claim, the verdict, the timeline, the tips (never who reported
    them), the evidence with its hashes and the actions."""
    head = letterhead()
    claim = case.claim
    timeline = [
        (
            e.at,
            e.actor.full_name if e.actor else "Hệ thống",
            f"{e.get_from_state_display()} → {e.get_to_state_display()}" + (f": {e.note}" if e.note else ""),
        )
        for e in case.events.all()
    ]
    for action in case.actions.all():
        for e in action.events.all():
            timeline.append(
                (
                    e.at,
                    e.actor.full_name if e.actor else "Hệ thống",
                    f"{action.get_kind_display()}: {e.get_to_state_display()}",
                )
            )
    timeline.sort(key=lambda row: row[0])
    blocks = [
        official.Heading("1. Thông tin cần xác minh"),
        official.Paragraph(f"“{claim.statement}” — phát hiện lần đầu {_t(claim.first_seen_at)}."),
        official.Heading("2. Kết luận"),
        official.Paragraph(
            f"{case.get_verdict_display()} ({_t(case.verdict_at)}). {case.explanation}"
            if case.verdict
            else "Chưa có kết luận."
        ),
        official.Heading("3. Diễn biến xử lý"),
        official.Table(
            ["Thời điểm", "Người thực hiện", "Nội dung"],
            [[_t(a), b, c] for a, b, c in timeline],
            widths=[1.4, 1.6, 4.0],
        ),
        official.Heading("4. Phản ánh đã tiếp nhận"),
        official.Table(
            ["STT", "Thời điểm", "Kênh", "Địa bàn", "Nội dung"],
            [
                [i, _t(t.received_at), t.get_channel_display(), t.org_unit.name if t.org_unit_id else "–", t.text[:300]]
                for i, t in enumerate(claim.tips.select_related("org_unit").order_by("received_at"), 1)
            ],
            widths=[0.5, 1.3, 1.2, 1.3, 3.8],
        ),
        official.Heading("5. Chứng cứ"),
    ]
    evidence = list(case.evidence.all())
    if evidence:
        blocks.append(
            official.Table(
                ["STT", "Thu thập", "Nguồn, tệp", "SHA-256", "Niêm phong"],
                [
                    [
                        i,
                        _t(e.captured_at),
                        " ".join(x for x in (e.url, e.original_name) if x) or "–",
                        e.sha256 or "–",
                        _t(e.sealed_at) if e.sealed_at else "–",
                    ]
                    for i, e in enumerate(evidence, 1)
                ],
                widths=[0.5, 1.3, 2.2, 3.0, 1.3],
            )
        )
    else:
        blocks.append(official.Paragraph("Chưa có chứng cứ."))
    return official.render_pdf(official.OfficialDocument(
        issuer_lines=head.issuer_lines, number=f"Vụ việc số {case.pk}", place=head.place, date=timezone.localdate(),
        kind="HỒ SƠ VỤ VIỆC", title="Thông tin sai sự thật về dịch Covid-19", blocks=blocks, recipients=["Lưu: TTra."],
    ))  # fmt: skip
