"""Demo reports: the last weekly cycles with realistic figures for every district (some late,
some missing, one returned, one "nothing to report"), and the current week's cycle open, with
Rạch Giá's culture office still at the draft stage so the demo can submit it."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from core.demo import PHU_QUOC, RACH_GIA
from core.models import OrgUnit

from . import actions, schedule
from .models import ReportCycle, ReportForm, Submission

PAST_WEEKS = 12
CONTENTS = [
    "Tuyên truyền Chỉ thị 16/CT-TTg của Thủ tướng Chính phủ và các văn bản chỉ đạo của UBND tỉnh; thông điệp 5K.",
    "Tuyên truyền chiến dịch tiêm chủng vắc xin phòng Covid-19; khuyến cáo người dân không tin, không chia sẻ thông tin sai sự thật.",
    "Phát thông báo của Ban Chỉ đạo huyện về giãn cách xã hội, lịch đi chợ theo phiếu, các số điện thoại đường dây nóng.",
    "Tuyên truyền khai báo y tế điện tử, cài đặt ứng dụng PC-Covid; hướng dẫn cách ly F1 tại nhà.",
]
UNUSUAL = [
    "Phát hiện 01 tài khoản Facebook đăng tin sai sự thật về ca mắc Covid-19 tại địa phương; đã báo Thanh tra Sở và Công an huyện xác minh.",
    "Xuất hiện tin nhắn Zalo lan truyền thông tin phong tỏa toàn huyện, không đúng sự thật; Ban Chỉ đạo huyện đã cải chính trên loa truyền thanh.",
]


def _values(rng, section, unit, base, communes):
    values = {}
    for f in section.fields.all():
        if f.kind == "count":
            values[f.code] = max(0, int(rng.gauss(base[f.code], base[f.code] * 0.2)))
        elif f.kind == "minutes":
            values[f.code] = max(0, int(values.get("loudspeaker_items", 30) * rng.uniform(8, 15)))
        elif f.kind == "communes":
            values[f.code] = rng.sample(communes, k=min(len(communes), rng.randint(3, 8)))
        elif f.code == "content":
            values[f.code] = rng.choice(CONTENTS)
        elif f.code == "unusual":
            values[f.code] = rng.choice(UNUSUAL) if rng.random() < 0.12 else ""
        else:
            values[f.code] = ""
    return values


@transaction.atomic
def load(now=None) -> dict:
    form = ReportForm.objects.get(code="bao-cao-nhanh-tuyen-truyen")
    if ReportCycle.objects.filter(form=form).exists():
        return {"cycles": ReportCycle.objects.filter(form=form).count()}
    now = now or timezone.now()
    rng = random.Random(52)
    first_due = schedule.next_due_date(form, now) - datetime.timedelta(days=7 * PAST_WEEKS)
    districts = {u.pk: u for u in OrgUnit.objects.filter(level=form.unit_level)}
    communes = {pk: list(OrgUnit.objects.filter(parent_id=pk).values_list("code", flat=True)) for pk in districts}
    base = {pk: {"portal_items": rng.randint(4, 25), "loudspeaker_items": rng.randint(20, 90)} for pk in districts}
    sloppy = set(rng.sample(sorted(districts), k=3))  # districts that are often late or missing
    for week in range(PAST_WEEKS + 1):
        due_date = first_due + datetime.timedelta(days=7 * week)
        opened_at = schedule.opens_at(form, due_date)
        for cycle in actions.ensure_weekly_cycles(opened_at + datetime.timedelta(minutes=1)):
            current = cycle.due_at > now
            subs = cycle.submissions.select_related("section", "org_unit").prefetch_related("section__fields")
            for sub in subs:
                fill(rng, sub, cycle, now, current, base[sub.org_unit_id], communes[sub.org_unit_id],
                     sub.org_unit_id in sloppy)
    return {"cycles": ReportCycle.objects.filter(form=form).count()}


def fill(rng, sub: Submission, cycle, now, current, base, communes, sloppy):
    code = sub.org_unit.code
    if current and code in {RACH_GIA, PHU_QUOC}:
        if sub.section.code == "vhtt" and code == RACH_GIA:
            values = _values(rng, sub.section, sub.org_unit, base, communes)
            values["unusual"] = ""
            actions.save_draft(None, sub, values)
        return  # left for the demo people to fill
    roll = rng.random()
    if current:
        if roll < 0.45:
            return
        when = now - datetime.timedelta(hours=rng.randint(1, 30))
    else:
        if roll < (0.25 if sloppy else 0.03):
            return  # missing
        late = roll < (0.5 if sloppy else 0.12)
        when = cycle.due_at + (datetime.timedelta(hours=rng.randint(2, 50)) if late
                               else -datetime.timedelta(hours=rng.randint(1, 60)))
    nothing = not current and rng.random() < 0.02
    values = _values(rng, sub.section, sub.org_unit, base, communes)
    if nothing:
        values = {f.code: (0 if f.is_number else [] if f.kind == "communes" else "") for f in sub.section.fields.all()}
    actions.record_imported(None, sub, values, {}, nothing=nothing, submitted_at=when,
                            note="Báo cáo qua hệ thống")
    if not current and rng.random() < 0.6:
        actions.accept(None, sub)
    elif not current and rng.random() < 0.05:
        actions.return_submission(None, sub, "Số liệu thời lượng phát sóng chưa khớp với nhật ký phát thanh, đề nghị kiểm tra lại.")
