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
        "tại trạm y tế xã, phường nơi cư trú và mang theo căn cước công dân.",
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
    return {"key messages": made, **load_groups()}


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
