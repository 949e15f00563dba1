"""Demo rosters for the current month: the data centre's on-call (IT centre engineers, with
network and database skills) and the Department office's rotation, both generated and issued;
and the Inspectorate's hotline duty, routing the public hotline. Extra staff are created without
a usable password: only the demo logins of core.demo log in."""

import datetime

from django.utils import timezone

from core.models import Contact, Organisation, Person
from core.roles import Role

from . import notice, planning
from .models import Member, Roster, ShiftKind, Skill, SkillNeed

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Hoàng", "Thanh", "Ngọc", "Quốc", "Thu", "Hữu", "Kim"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hải", "Hạnh", "Khánh", "Linh", "Lộc", "Nam", "Nhung", "Phong",
         "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Uyên", "Vy", "Xuân", "Yến"]  # fmt: skip


def _people(prefix: str, count: int, organisation, role, position: str, offset: int) -> list[Person]:
    out = []
    for i in range(count):
        n = offset + i
        name = f"{FAMILY[n % len(FAMILY)]} {MIDDLE[(n * 3) % len(MIDDLE)]} {GIVEN[(n * 7) % len(GIVEN)]}"
        person, created = Person.objects.get_or_create(
            username=f"{prefix}{i + 1:02d}",
            defaults={
                "full_name": name,
                "position": position,
                "role": role,
                "organisation": organisation,
                "email": f"{prefix}{i + 1:02d}@demo.tincay.invalid",
                "phone": f"0913.{400 + n:03d}.{100 + (n * 37) % 900:03d}",
            },
        )
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
        out.append(person)
    return out


def _shift(roster, code, name, start, end, mode, low, high, weekdays="0123456", night=False, needs=(), order=0):
    shift = ShiftKind.objects.create(
        roster=roster, code=code, name=name, start=datetime.time(*start), end=datetime.time(*end), mode=mode,
        min_people=low, max_people=high, weekdays=weekdays, night=night, order=order,
    )  # fmt: skip
    for skill, count in needs:
        SkillNeed.objects.create(shift=shift, skill=Skill.objects.get(code=skill), count=count)
    return shift


def load() -> dict:
    if Roster.objects.exists():
        return {"rosters": Roster.objects.count()}
    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    month = f"tháng {start.month}/{start.year}"
    centre = Organisation.objects.get(short_name="Trung tâm CNTT-TT")
    office = Organisation.objects.get(short_name="Văn phòng")
    department = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT).first() or office
    manager = Person.objects.get(username="vanphong")
    engineer_lead = Person.objects.get(username="cntt")
    S = ShiftKind.Mode
    skills = {s.code: s for s in Skill.objects.all()}

    # The data centre: 10 engineers, a day shift on site and a night on call.
    engineers = [engineer_lead, *_people("ksu", 9, centre, Role.IT_CENTRE, "Kỹ sư Trung tâm CNTT-TT", 0)]
    dc = Roster.objects.create(
        kind=Roster.Kind.DATA_CENTRE, title=f"Lịch trực vận hành Trung tâm dữ liệu {month}", organisation=centre,
        start=start, end=end, max_consecutive_days=6, min_rest_hours=11, created_by=engineer_lead,
    )  # fmt: skip
    _shift(dc, "ngay", "Ca ngày tại chỗ", (7, 30), (17, 0), S.ON_SITE, 2, 3, needs=[("network", 1), ("database", 1)])
    _shift(
        dc, "dem", "Trực đêm sẵn sàng", (17, 0), (7, 30), S.ON_CALL, 1, 1, night=True, needs=[("network", 1)], order=1
    )
    for i, person in enumerate(engineers):
        member = Member.objects.create(roster=dc, person=person)
        member.skills.set([skills["network"]] if i % 2 == 0 else [skills["database"]])
        if i % 3 == 0:
            member.skills.add(skills["security"], skills["network"])

    # The office rotation: 20 of the Department's staff, half on site on working days.
    staff = _people("cb", 20, department, Role.OFFICE, "Chuyên viên", 20)
    rotation = Roster.objects.create(
        kind=Roster.Kind.OFFICE, title=f"Lịch làm việc luân phiên của cơ quan Sở {month}", organisation=office,
        start=start, end=end, max_consecutive_days=6, min_rest_hours=11, created_by=manager,
    )  # fmt: skip
    _shift(rotation, "coquan", "Làm việc tại cơ quan", (7, 0), (17, 0), S.ON_SITE, 8, 10, weekdays="01234")
    _shift(rotation, "tainha", "Làm việc tại nhà", (7, 0), (17, 0), S.REMOTE, 10, 12, weekdays="01234", order=1)
    _shift(rotation, "trucct", "Trực cơ quan cuối tuần", (7, 0), (17, 0), S.ON_SITE, 2, 2, weekdays="56", order=2)
    for person in staff:
        Member.objects.create(roster=rotation, person=person)

    # The Inspectorate's hotline, routed to whoever is on duty.
    hotline = Contact.objects.filter(phone="0927.681.168", kind=Contact.Kind.HOTLINE).first()
    inspectors = [
        Person.objects.get(username="thanhtra"),
        *_people("tt", 4, Person.objects.get(username="thanhtra").organisation, Role.INSPECTOR, "Thanh tra viên", 50),
    ]
    line = Roster.objects.create(
        kind=Roster.Kind.HOTLINE, title=f"Lịch trực đường dây nóng thông tin sai sự thật {month}",
        organisation=inspectors[0].organisation, start=start, end=end, max_consecutive_days=5, min_rest_hours=12,
        hotline=hotline, created_by=manager,
    )  # fmt: skip
    _shift(line, "ngay", "Trực ngày", (7, 0), (19, 0), S.ON_SITE, 1, 1)
    _shift(line, "dem", "Trực đêm", (19, 0), (7, 0), S.ON_CALL, 1, 1, night=True, order=1)
    for person in inspectors:
        Member.objects.create(roster=line, person=person)

    leader = Person.objects.get(username="lanhdao")
    for roster in (dc, rotation, line):
        planning.generate(roster, roster.created_by, time_limit=2.0)
        notice.issue(manager if roster.kind == Roster.Kind.OFFICE else leader, roster)
    return {"rosters": 3}
