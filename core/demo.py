"""Demo data: Kiên Giang, July 2021. Idempotent: running it again updates, never duplicates.

The three people named in Plan 52/KH-STTTT keep their names and numbers from the plan; every
other person is fictional. Run by `manage.py load_demo` (make demo, and CI so it cannot rot).
"""

from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext

from . import actions, audit
from .models import Contact, Organisation, OrgUnit, Person
from .roles import Role

ORGUNITS_CSV = Path(__file__).parent / "data" / "orgunits_kien_giang_2021.csv"
PROVINCE_CODE = "91"
DEMO_PASSWORD = "tincay-demo-2021"  # noqa: S105  (printed by make demo; demo data only)
K = Organisation.Kind

# (key, name, short name, kind, parent key, phone, email)
PROVINCE_ORGS = [
    ("stttt", "Sở Thông tin và Truyền thông tỉnh Kiên Giang", "Sở TTTT", K.DEPARTMENT, None, "0297.3862.789", "stttt@kiengiang.gov.vn"),
    ("vanphong", "Văn phòng Sở", "Văn phòng", K.DIVISION, "stttt", "", ""),
    ("thanhtra", "Thanh tra Sở", "Thanh tra", K.DIVISION, "stttt", "0927.681.168", "tlong.stttt@kiengiang.gov.vn"),
    ("ttbcbc", "Phòng Thông tin, Báo chí và Bưu chính", "Phòng TT-BC-BC", K.DIVISION, "stttt", "0919.443.718", ""),
    ("vtcntt", "Phòng Viễn thông và Công nghệ thông tin", "Phòng VT-CNTT", K.DIVISION, "stttt", "", ""),
    ("ttcntt", "Trung tâm Công nghệ thông tin và Truyền thông", "Trung tâm CNTT-TT", K.DIVISION, "stttt", "", ""),
    ("bcdtinh", "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Kiên Giang", "BCĐ tỉnh", K.STEERING_COMMITTEE, None, "", ""),
    ("congan", "Công an tỉnh Kiên Giang", "Công an tỉnh", K.POLICE, None, "", ""),
    ("syt", "Sở Y tế tỉnh Kiên Giang", "Sở Y tế", K.HEALTH, None, "", ""),
    ("baokg", "Báo Kiên Giang", "Báo Kiên Giang", K.PRESS, None, "", ""),
    ("daikg", "Đài Phát thanh và Truyền hình Kiên Giang", "Đài PT-TH Kiên Giang", K.PRESS, None, "", ""),
    ("vnpt", "VNPT Kiên Giang", "VNPT", K.CARRIER, None, "", ""),
    ("viettel", "Viettel Kiên Giang", "Viettel", K.CARRIER, None, "", ""),
    ("mobifone", "MobiFone Kiên Giang", "MobiFone", K.CARRIER, None, "", ""),
]

# Every district-level unit has these three organisations.
DISTRICT_ORGS = [
    ("vhtt", "Phòng Văn hóa và Thông tin {place}", "Phòng VH-TT", K.CULTURE_OFFICE),
    ("truyenthanh", "Trung tâm Văn hóa, Thể thao và Truyền thanh {place}", "Trung tâm VH-TT-TT", K.BROADCAST_CENTRE),
    ("bcd", "Ban Chỉ đạo phòng, chống dịch Covid-19 {place}", "BCĐ", K.STEERING_COMMITTEE),
]
RACH_GIA, PHU_QUOC = "899", "911"

# (username, full name, position, role, organisation key, phone, email)
PEOPLE = [
    ("lanhdao", "Lâm Văn Sễn", "Giám đốc Sở", Role.LEADER, "stttt", "", ""),
    ("daumoi", "Huỳnh Thị Diễm", "Trưởng phòng Thông tin, Báo chí và Bưu chính", Role.FOCAL_POINT, "ttbcbc", "0919.443.718", ""),
    ("thanhtra", "Trịnh Tú Long", "Chánh Thanh tra Sở", Role.INSPECTOR, "thanhtra", "0927.681.168", "tlong.stttt@kiengiang.gov.vn"),
    ("vienthong", "Nguyễn Minh Khoa", "Chuyên viên Phòng Viễn thông và CNTT", Role.TELECOM_IT, "vtcntt", "", ""),
    ("cntt", "Trần Quốc Bảo", "Kỹ sư Trung tâm CNTT-TT", Role.IT_CENTRE, "ttcntt", "", ""),
    ("vanphong", "Lê Thị Thu Hà", "Chánh Văn phòng Sở", Role.OFFICE, "vanphong", "", ""),
    ("quantri", "Phạm Đức Thành", "Quản trị hệ thống", Role.ADMIN, "ttcntt", "", ""),
    ("vhtt.rachgia", "Đặng Thị Mai", "Trưởng phòng VH-TT thành phố Rạch Giá", Role.DISTRICT_CULTURE, ("vhtt", RACH_GIA), "", ""),
    ("truyenthanh.rachgia", "Võ Văn Hùng", "Giám đốc Trung tâm VH-TT-TT thành phố Rạch Giá", Role.DISTRICT_BROADCAST, ("truyenthanh", RACH_GIA), "", ""),
    ("bcd.rachgia", "Huỳnh Văn Tâm", "Thư ký BCĐ thành phố Rạch Giá", Role.DISTRICT_STEERING, ("bcd", RACH_GIA), "", ""),
    ("vhtt.phuquoc", "Nguyễn Thị Lan", "Trưởng phòng VH-TT thành phố Phú Quốc", Role.DISTRICT_CULTURE, ("vhtt", PHU_QUOC), "", ""),
    ("truyenthanh.phuquoc", "Lý Văn Phúc", "Giám đốc Trung tâm VH-TT-TT thành phố Phú Quốc", Role.DISTRICT_BROADCAST, ("truyenthanh", PHU_QUOC), "", ""),
    ("congan", "Trần Văn Dũng", "Cán bộ Phòng An ninh mạng, Công an tỉnh", Role.POLICE, "congan", "", ""),
    ("yte", "Nguyễn Thị Hồng", "Chuyên viên thống kê, Sở Y tế", Role.HEALTH_DATA, "syt", "", ""),
    ("baochi", "Phan Thanh Tùng", "Phóng viên Báo Kiên Giang", Role.PRESS, "baokg", "", ""),
    ("nhamang", "Đỗ Minh Trí", "Chuyên viên VNPT Kiên Giang", Role.CARRIER, "vnpt", "", ""),
]

# (kind, title, person, position, organisation key, phone, email, purpose, public, order)
CONTACTS = [
    (Contact.Kind.HOTLINE, "Đường dây nóng phòng, chống dịch Covid-19 (Sở Y tế)", "", "", "syt", "1900 3228", "", "Báo tin phát hiện dịch bệnh, hỏi đáp về phòng, chống dịch.", True, 10),
    (Contact.Kind.HOTLINE, "Đường dây nóng phòng, chống dịch Covid-19 (Sở Y tế)", "", "", "syt", "0965.20.15.15", "", "Báo tin phát hiện dịch bệnh.", True, 11),
    (Contact.Kind.HOTLINE, "Đường dây nóng phòng, chống dịch Covid-19 (Sở Y tế)", "", "", "syt", "0918.12.31.11", "", "Báo tin phát hiện dịch bệnh.", True, 12),
    (Contact.Kind.HOTLINE, "Đường dây nóng tiếp nhận thông tin sai sự thật (Thanh tra Sở TTTT)", "Trịnh Tú Long", "Chánh Thanh tra Sở", "thanhtra", "0927.681.168", "tlong.stttt@kiengiang.gov.vn", "Phản ánh thông tin sai sự thật, tin đồn thất thiệt về dịch bệnh Covid-19.", True, 20),
    (Contact.Kind.FOCAL_POINT, "Đầu mối tiếp nhận báo cáo nhanh kết quả tuyên truyền", "Huỳnh Thị Diễm", "Trưởng phòng Thông tin, Báo chí và Bưu chính", "ttbcbc", "0919.443.718", "", "Báo cáo trước 10 giờ thứ Sáu hằng tuần hoặc đột xuất.", False, 30),
    (Contact.Kind.FOCAL_POINT, "Đầu mối trao đổi phối hợp về thông tin sai sự thật", "Trịnh Tú Long", "Chánh Thanh tra Sở", "thanhtra", "0927.681.168", "tlong.stttt@kiengiang.gov.vn", "Các huyện, thành phố trao đổi khi phát hiện thông tin sai sự thật.", False, 31),
]


UNIT_TYPES = ("Thành phố ", "Thị xã ", "Huyện ", "Quận ")


def bare_name(unit: OrgUnit) -> str:
    """'Thành phố Rạch Giá' -> 'Rạch Giá'."""
    for prefix in UNIT_TYPES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def place_of(unit: OrgUnit) -> str:
    """'Thành phố Rạch Giá' -> 'thành phố Rạch Giá' (as it reads inside an organisation's name)."""
    bare = bare_name(unit)
    return f"{unit.name[: len(unit.name) - len(bare)].lower()}{bare}"


@transaction.atomic
def load(stdout=None) -> dict:
    result = actions.import_orgunits(None, ORGUNITS_CSV.read_bytes())
    if not result.ok:
        raise ValueError("; ".join(str(p) for p in result.problems))
    province = OrgUnit.objects.get(code=PROVINCE_CODE)
    orgs = {}
    for key, name, short, kind, parent, phone, email in PROVINCE_ORGS:
        orgs[key], _ = Organisation.objects.update_or_create(
            org_unit=province,
            name=name,
            defaults={"short_name": short, "kind": kind, "parent": orgs.get(parent), "phone": phone, "email": email},
        )
    for district in OrgUnit.objects.filter(parent=province, level=OrgUnit.Level.DISTRICT):
        for key, pattern, short, kind in DISTRICT_ORGS:
            orgs[(key, district.code)], _ = Organisation.objects.update_or_create(
                org_unit=district,
                name=pattern.format(place=place_of(district)),
                defaults={"short_name": f"{short} {bare_name(district)}"[:80], "kind": kind},
            )
    people, demo_hash = [], None
    for username, full_name, position, role, org_key, phone, email in PEOPLE:
        person, created = Person.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "position": position,
                "role": role,
                "organisation": orgs[org_key],
                "phone": phone,
                "email": email or f"{username}@demo.tincay.invalid",
                "is_staff": role == Role.ADMIN,
                "is_active": True,
            },
        )
        if created or not person.has_usable_password():
            # One hash for all demo people: hashing is deliberately slow (PBKDF2), 16 times
            # was most of load_demo's time. Someone who changed their password keeps it.
            person.password = demo_hash = demo_hash or make_password(DEMO_PASSWORD)
            person.save(update_fields=["password"])
        people.append(person)
    for kind, title, person_name, position, org_key, phone, email, purpose, public, order in CONTACTS:
        org = orgs[org_key]
        contact = Contact.objects.filter(title=title, phone=phone).first() or Contact(title=title, phone=phone)
        for field, value in {
            "kind": kind, "person_name": person_name, "position": position, "organisation": org,
            "org_unit": org.org_unit, "email": email, "purpose": purpose, "is_public": public,
            "sort_order": order, "is_active": True,
        }.items():
            setattr(contact, field, value)
        contact.full_clean()
        actions.save_contact(None, contact)
    audit.record(
        None,
        "demo.load",
        note=gettext("%(people)d people, %(organisations)d organisations")
        % {"people": len(people), "organisations": len(orgs)},
    )
    return {
        "orgunits": OrgUnit.objects.count(),
        "organisations": Organisation.objects.count(),
        "people": people,
        "contacts": Contact.objects.count(),
    }


def load_all() -> dict:
    """The core demo data, then each module's own (`<app>.demo.load`), which builds on it."""
    from importlib import import_module, util

    from django.apps import apps

    result = load()
    for app in apps.get_app_configs():
        if app.name != "core" and util.find_spec(f"{app.name}.demo") is not None:
            result[app.label] = import_module(f"{app.name}.demo").load()
    return result
