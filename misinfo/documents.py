"""Official letters of the desk (Decree 30 layout, through `documents`): the referral of a case
to the provincial police, and the requests for a rebuttal or a takedown."""

from django.utils import timezone

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


def action_letter(action: CaseAction) -> bytes:
    case, claim = action.case, action.case.claim
    head = letterhead()
    tips = list(claim.tips.order_by("received_at"))
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
