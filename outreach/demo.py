"""Demo key messages from the plan's themes (Plan 52, II.1): 5K, vaccination, the hotlines,
false information, Directive 16 distancing. Four approved and valid, one awaiting approval, one
draft. Written by the focal point, approved by the Department's leader. Idempotent by title."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.models import OrgUnit, Person
from core.roles import Role

from . import actions
from .models import KeyMessage

# (title, topic, SMS, loudspeaker script, web, final state)
MESSAGES = [
    (
        "Thông điệp 5K",
        "prevention",
        "BCĐ tỉnh Kiên Giang: Hãy thực hiện 5K: Khẩu trang - Khử khuẩn - Khoảng cách - Không tụ tập - Khai báo y tế. "
        "Có triệu chứng sốt, ho, khó thở gọi 1900 9095.",
        "Kính thưa bà con! Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh đề nghị bà con thực hiện nghiêm thông điệp 5K: "
        "khẩu trang, khử khuẩn, khoảng cách, không tụ tập, khai báo y tế. Khi có triệu chứng sốt, ho, khó thở, "
        "bà con gọi ngay đường dây nóng 1900 9095 hoặc trạm y tế xã, phường.",
        "Thực hiện nghiêm thông điệp 5K của Bộ Y tế để bảo vệ bản thân, gia đình và cộng đồng.",
        "approved",
    ),
    (
        "Báo tin sai sự thật về dịch bệnh",
        "misinformation",
        "So TTTT Kien Giang: Phat hien thong tin sai su that ve dich Covid-19, vui long bao duong day nong "
        "0927.681.168. Khong chia se tin chua kiem chung.",
        "Bà con phát hiện thông tin sai sự thật về dịch Covid-19 trên mạng xã hội, xin báo ngay cho Thanh tra Sở "
        "Thông tin và Truyền thông qua đường dây nóng 0927.681.168. Không đăng tải, không chia sẻ thông tin chưa "
        "được kiểm chứng.",
        "Phản ánh thông tin sai sự thật về dịch bệnh qua đường dây nóng 0927.681.168 hoặc trang Báo tin giả của Sở.",
        "approved",
    ),
    (
        "Tiêm vắc xin phòng Covid-19",
        "vaccination",
        "UBND tinh Kien Giang: Tiem vac xin la bien phap hieu qua nhat phong Covid-19. Hay dang ky tiem tai tram y te "
        "xa, phuong noi cu tru.",
        "Tiêm vắc xin là biện pháp hiệu quả nhất để phòng Covid-19. Đề nghị bà con từ 18 tuổi trở lên đăng ký tiêm "
        "tại trạm y tế xã, phường nơi cư trú và mang theo căn cước công dân. Mọi thắc mắc xin gọi đường dây nóng "
        "1900 9095 của Sở Y tế.",
        "",
        "approved",
    ),
    (
        "Giãn cách xã hội theo Chỉ thị 16",
        "measures",
        "",
        "Từ 0 giờ ngày 19/7/2021, thành phố Rạch Giá thực hiện giãn cách xã hội theo Chỉ thị 16/CT-TTg. Người dân "
        "chỉ ra khỏi nhà khi thật cần thiết; mua lương thực, thực phẩm theo lịch của tổ dân phố.",
        "",
        "approved",
    ),
    (
        "Cảnh giác lừa đảo bán thuốc điều trị Covid-19",
        "misinformation",
        "So TTTT Kien Giang: Canh giac tin nhan, trang mang ban thuoc dac tri Covid-19 khong ro nguon goc. "
        "Chi dung thuoc theo chi dinh cua nhan vien y te.",
        "",
        "",
        "submitted",
    ),
    (
        "Lịch đi chợ theo phiếu",
        "measures",
        "",
        "Bà con đi chợ theo phiếu được phát, mỗi hộ một người, hai ngày một lần.",
        "",
        "draft",
    ),
]


@transaction.atomic
def load() -> dict:
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    focal = Person.objects.filter(role=Role.FOCAL_POINT).first()
    leader = Person.objects.filter(role=Role.LEADER).first()
    if root is None or focal is None:
        return {}
    start = timezone.localdate() - datetime.timedelta(days=40)
    made = 0
    for title, topic, sms_text, script, web, state in MESSAGES:
        if KeyMessage.objects.filter(title=title).exists():
            continue
        message = actions.save(
            focal,
            KeyMessage(org_unit=root, title=title, topic=topic, sms_text=sms_text, loudspeaker_text=script,
                       web_text=web, valid_from=start),
        )  # fmt: skip
        if state in {"submitted", "approved"}:
            message = actions.submit(focal, message)
        if state == "approved" and leader is not None:
            actions.approve(leader, message)
        made += 1
    return {"key messages": made, **load_groups(), **load_broadcasts(), **load_carrier_requests()}


# Contact groups over the directory and the org units, and numbers that are not staff.
GROUPS = [
    ("Trưởng ấp, khu phố thành phố Rạch Giá", "899", ["village_head"], []),
    ("Cán bộ truyền thanh cơ sở thành phố Phú Quốc", "911", ["loudspeaker"], ["district_broadcast"]),
    ("Lãnh đạo và đầu mối các huyện", "91", ["official"], ["district_culture", "district_steering"]),
]


NAMES = {"village_head": "Trưởng ấp", "loudspeaker": "Cán bộ truyền thanh", "official": "Cán bộ"}


@transaction.atomic
def load_groups() -> dict:
    from .models import ContactGroup, Subscriber

    units = {u.code: u for u in OrgUnit.objects.filter(code__in=["91", "899", "911"])}
    if len(units) < 3:
        return {}
    made = 0
    for code, kind, count, base in (("899", "village_head", 24, 84918000000), ("911", "loudspeaker", 12, 84919000000),
                                    ("91", "official", 15, 84917000000)):  # fmt: skip
        communes = list(OrgUnit.objects.filter(parent=units[code])) or [units[code]]
        for i in range(count):
            _s, created = Subscriber.objects.get_or_create(
                msisdn=str(base + i + 1),
                kind=kind,
                defaults={"name": f"{NAMES[kind]} {i + 1}", "org_unit": communes[i % len(communes)]},
            )
            made += created
    for name, code, kinds, roles in GROUPS:
        ContactGroup.objects.update_or_create(
            name=name, defaults={"org_unit": units[code], "subscriber_kinds": kinds, "staff_roles": roles}
        )
    return {"subscribers": made, "groups": len(GROUPS)}


# Published items of the districts' component portals this week (title patterns).
ITEMS = [
    "{place} triển khai thông điệp 5K đến từng khu phố, ấp",
    "{place}: kế hoạch tiêm vắc xin phòng Covid-19 đợt mới",
    "{place} thông báo số điện thoại đường dây nóng phòng, chống dịch",
    "Cảnh giác thông tin sai sự thật về dịch bệnh trên mạng xã hội ({place})",
    "{place} tăng cường kiểm soát người ra vào địa bàn",
]


def load_broadcasts() -> dict:
    """This reporting week on the loudspeakers: the 5K message on every district's stations twice a
    day since the week began (not Kiên Hải and Giang Thành, whose stations log nothing yet), the
    hotline for false information first in the programme at 11:00 in Rạch Giá and Phú Quốc; the
    stations' plays until now as the loudspeaker system would have pushed them; and the items of
    the districts' component portals. The districts' weekly sections are pre-filled from them."""
    import random

    from reporting.models import ReportCycle

    from . import broadcasts, stations
    from .models import Broadcast

    if Broadcast.objects.exists():
        return {}
    focal = Person.objects.filter(role=Role.FOCAL_POINT).first()
    system = Person.objects.filter(role=Role.TELECOM_IT).first() or Person.objects.filter(role=Role.ADMIN).first()
    culture = Person.objects.filter(role=Role.FOCAL_POINT).first()
    cycle = ReportCycle.objects.filter(kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()
    five_k = KeyMessage.objects.filter(title="Thông điệp 5K", state="approved").first()
    hotline = KeyMessage.objects.filter(title="Báo tin sai sự thật về dịch bệnh", state="approved").first()
    if None in (focal, system, cycle, five_k, hotline):
        return {}
    began = timezone.make_aware(datetime.datetime.combine(cycle.period_start, datetime.time(0, 1)))
    districts = OrgUnit.objects.filter(level="district").exclude(code__in=["912", "914"]).order_by("path")
    with transaction.atomic():
        broadcasts.schedule(
            focal, five_k, districts, priority="normal", starts_on=cycle.period_start,
            ends_on=cycle.period_start + datetime.timedelta(days=13), times="06:00, 17:00", now=began,
        )  # fmt: skip
        broadcasts.schedule(
            focal, hotline, OrgUnit.objects.filter(code__in=["899", "911"]), priority="priority",
            starts_on=cycle.period_start, ends_on=cycle.period_start + datetime.timedelta(days=6), times="11:00",
            note="Phát sau bản tin thời sự buổi trưa.", now=began,
        )  # fmt: skip
        logged = stations.play(system, began, timezone.now())
        rng = random.Random(20)  # noqa: S311 - demo data, not security
        today = timezone.localdate()
        rows = []
        for district in districts:
            days = (min(today, cycle.period_end) - cycle.period_start).days + 1
            for i in range(rng.randint(2, 6)):
                rows.append({
                    "unit": district.code, "channel": "portal" if i % 4 else "social",
                    "title": ITEMS[i % len(ITEMS)].format(place=district.name),
                    "published_on": cycle.period_start + datetime.timedelta(days=rng.randrange(days)),
                    "key_message": five_k.pk if i % 2 else None, "id": f"demo-{district.code}-{i}",
                })  # fmt: skip
        items = broadcasts.record_publications(culture, rows)
    return {"broadcasts": 2, "plays": logged["stored"], "published items": items["stored"]}


def load_carrier_requests() -> dict:
    """Two requests to the carriers: the 5K message to every subscriber in the province, signed
    yesterday, with Viettel's and MobiFone's reach reported and VNPT's still awaited (its demo
    staff member reports it); and the hotline for false information to Phú Quốc, awaiting a leader."""
    from . import carriers
    from .models import CarrierRequest

    if CarrierRequest.objects.exists():
        return {}
    focal = Person.objects.filter(role=Role.FOCAL_POINT).first()
    leader = Person.objects.filter(role=Role.LEADER).first()
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    five_k = KeyMessage.objects.filter(title="Thông điệp 5K", state="approved").first()
    hotline = KeyMessage.objects.filter(title="Báo tin sai sự thật về dịch bệnh", state="approved").first()
    chosen = list(carriers.carriers())
    if None in (focal, leader, root, five_k, hotline) or not chosen:
        return {}
    now = timezone.now()
    yesterday = now - datetime.timedelta(days=1)
    with transaction.atomic():
        signed = carriers.create(
            focal, five_k, root, yesterday + datetime.timedelta(hours=1), now + datetime.timedelta(hours=6), chosen,
            now=yesterday,
        )  # fmt: skip
        carriers.sign(leader, signed, now=yesterday + datetime.timedelta(minutes=20))
        reach = {"Viettel": 612_480, "MobiFone": 298_115}
        for line in signed.lines.select_related("carrier"):
            if line.carrier.short_name in reach:
                carriers.report(
                    focal, line, reached=reach[line.carrier.short_name],
                    sent_at=yesterday + datetime.timedelta(hours=2),
                    note="Báo cáo qua điện thoại, đã nhận văn bản xác nhận.",
                )  # fmt: skip
        phu_quoc = OrgUnit.objects.filter(code="911").first() or root
        carriers.create(
            focal, hotline, phu_quoc, now + datetime.timedelta(hours=2), now + datetime.timedelta(hours=26), chosen
        )
    return {"carrier requests": 2}
