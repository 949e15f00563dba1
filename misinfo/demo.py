"""Demo desk: real 2020–2021 Vietnamese Covid rumours (rephrased; misinfo/data, from the team's
rumours set) as claims, tips about them from every channel and district, and cases in every
state of the workflow, so the inbox, the claims and the cases have something to show."""

import csv
import datetime
import json
import re
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.models import OrgUnit

from . import actions
from .models import Case, Claim, Tip

DATA = Path(__file__).parent / "data"
DISTRICTS = ["899", "911", "902", "908", "913", "904"]  # Rạch Giá, Phú Quốc, Kiên Lương, Hòn Đất, ...
CHANNELS = [Tip.Channel.HOTLINE, Tip.Channel.WEB, Tip.Channel.DISTRICT, Tip.Channel.STEERING]
# claim id -> (state to reach, verdict, explanation)
CASES = {
    "D01": ("actions", "false", "Dầu gió chỉ làm thông mũi tạm thời, không diệt được virus SARS-CoV-2. Bộ Y tế khẳng định chưa có loại dầu nào chữa khỏi Covid-19."),
    "D04": ("closed", "fake", "Bộ Y tế xác nhận que lấy mẫu xét nghiệm được tiệt trùng theo quy trình, dư lượng ethylene oxide trong giới hạn an toàn, không gây ung thư."),
    "D08": ("verifying", "", ""),
    "D10": ("new", "", ""),
    "D15": ("verdict", "false", "WHO và Bộ Y tế cho biết virus không tồn tại lâu trên bề mặt hàng hóa vận chuyển nhiều ngày; nhận bưu kiện không làm lây bệnh nếu rửa tay sau khi mở."),
}  # fmt: skip


@transaction.atomic
def load(now=None) -> dict:
    if Claim.objects.exists():
        return {"claims": Claim.objects.count(), "tips": Tip.objects.count(), "cases": Case.objects.count()}
    now = now or timezone.now()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=DISTRICTS)}
    claims = {}
    rows = list(csv.DictReader((DATA / "claims-2020-2021.csv").open(encoding="utf-8")))
    for i, row in enumerate(rows):
        unit = units.get(DISTRICTS[i % len(DISTRICTS)])
        shot = (_screenshot(row["text"]), "chup-man-hinh.png") if i % 5 == 0 else None  # some came with a screenshot
        tip = actions.record_tip(None, channel=CHANNELS[i % len(CHANNELS)], text=row["text"], org_unit=unit, attachment=shot,
                                 reporter_name="Người dân (ẩn danh)" if i % 3 else "", reporter_contact="")  # fmt: skip
        claims[row["id"]] = actions.new_claim(None, tip, row["text"])  # known statements, each its own
        # Their ids in the team's rumours set, so `import_claims` of that set updates them.
        Claim.objects.filter(pk=claims[row["id"]].pk).update(external_id=row["id"])
        _age(tip, now - datetime.timedelta(days=40 - 2 * i))
    posts = [json.loads(line) for line in (DATA / "posts-2020-2021.jsonl").open(encoding="utf-8")]
    for i, post in enumerate(p for p in posts if p["expected"] or p["kind"] == "unrelated"):
        if i >= 30:
            break
        link = re.search(r"https?://\S+", post["text"])
        tip = actions.record_tip(None, channel=CHANNELS[(i + 1) % len(CHANNELS)], text=post["text"],
                                 url=link.group(0) if link else "", org_unit=units.get(DISTRICTS[i % len(DISTRICTS)]))  # fmt: skip
        _age(tip, now - datetime.timedelta(days=20 - i // 2, hours=i))
    for cid, (state, verdict, explanation) in CASES.items():
        case = actions.open_case(None, claims[cid])
        if state == "new":
            continue
        actions.change_state(None, case, "verifying", "Đối chiếu với thông cáo của Bộ Y tế.")
        if verdict:
            actions.record_verdict(None, case, verdict, explanation, "https://moh.gov.vn/")
        if cid == "D01":  # evidence, referred to the police, acknowledged; a rebuttal published; a fine
            today = timezone.localdate()
            actions.add_evidence(None, case, url="https://facebook.com/thaoduocxanh/posts/10223", data=_screenshot(claims[cid].statement), filename="anh-chup-bai-dang.png", note="Ảnh chụp bài đăng trên trang Facebook “Thảo Dược Xanh”.")
            actions.add_action(None, case, "referral", state="sent", recipient="Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Công an tỉnh Kiên Giang", letter_number="412/STTTT-TTra", letter_date=today - datetime.timedelta(days=9), deadline=today + datetime.timedelta(days=5))
            actions.update_action(None, case.actions.get(kind="referral"), "acknowledged")
            actions.add_action(None, case, "rebuttal", state="done", recipient="Báo Kiên Giang", letter_number="413/STTTT-TTra", letter_date=today - datetime.timedelta(days=9), published_url="https://baokiengiang.vn/suc-khoe/bac-bo-tin-hit-dau-gio-chua-covid-19")
            actions.add_action(None, case, "sanction", state="done", subject_kind="individual", subject_name="Chủ tài khoản Facebook “Thảo Dược Xanh”", fine_vnd=7_500_000, decision_number="15/QĐ-XPHC", forced_removal=True)
            actions.add_action(None, case, "takedown", state="planned", recipient="Facebook (Meta)", deadline=today - datetime.timedelta(days=1))
            actions.approve_verdict(None, case)
            continue
        if state in {"actions", "closed"}:
            actions.change_state(None, case, state if state == "actions" else "closed")
            actions.approve_verdict(None, case)  # these two are published; D15 waits for the leader
    return {"claims": Claim.objects.count(), "tips": Tip.objects.count(), "cases": Case.objects.count()}


def _age(tip, when):
    Tip.objects.filter(pk=tip.pk).update(received_at=when)
    Claim.objects.filter(tips=tip, first_seen_at__gt=when).update(first_seen_at=when)


def _screenshot(text: str) -> bytes:
    """A stand-in screenshot of a post (PNG drawn here, so the demo ships no image files)."""
    import io
    import textwrap

    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 22)
    image = Image.new("RGB", (720, 260), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 719, 48], fill="#3b5998")
    draw.text((16, 12), "Thảo Dược Xanh · 2 giờ", fill="white", font=font)
    draw.multiline_text((16, 70), textwrap.fill(text, 50), fill="#1c1e21", font=font, spacing=8)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
