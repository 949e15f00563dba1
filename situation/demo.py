"""Demo situation: 30 days of figures for the 15 districts of Kiên Giang in the shape of July and
August 2021 (a few cases a day rising to about two hundred, most of them in quarantine, Rạch Giá
and Phú Quốc ahead), ending today. The last days' bulletins are issued and archived; today's
figures are in from 13 districts (Kiên Hải and Giang Thành not yet) and today's draft is waiting
for the focal point. The press list of the directory gets the bulletin.

Idempotent: figures already there are kept, bulletins already issued are not issued again.
"""

import datetime
import math
import random

from django.db import transaction
from django.utils import timezone

from core import actions as core_actions
from core.models import Contact, Organisation, OrgUnit, Person
from core.roles import Role

from . import actions
from . import figures as fig
from .models import Bulletin, Figure, Indicator, SituationDay

DAYS = 30
ISSUED_DAYS = 5  # bulletins issued before today
LATE_TODAY = ("912", "914")  # Kiên Hải, Giang Thành: today's figures not in yet

# Share of the province's new cases (Rạch Giá and the island city first) and population (for doses).
SHARE = {
    "899": 0.24, "900": 0.03, "902": 0.06, "903": 0.07, "904": 0.06, "905": 0.09, "906": 0.07, "907": 0.05,
    "908": 0.05, "909": 0.04, "910": 0.04, "911": 0.14, "912": 0.02, "913": 0.02, "914": 0.02,
}  # fmt: skip
POPULATION = {
    "899": 250_000, "900": 50_000, "902": 85_000, "903": 170_000, "904": 145_000, "905": 155_000,
    "906": 215_000, "907": 135_000, "908": 125_000, "909": 115_000, "910": 95_000, "911": 180_000,
    "912": 22_000, "913": 70_000, "914": 30_000,
}  # fmt: skip

# (title, organisation key or None, email) of the press list in the directory.
RECIPIENTS = [
    ("Báo Kiên Giang - Ban Thời sự", "Báo Kiên Giang", "thoisu@baokiengiang.demo.tincay.invalid"),
    ("Đài Phát thanh và Truyền hình Kiên Giang - Phòng Thời sự", "Đài Phát thanh và Truyền hình Kiên Giang",
     "thoisu@kgtv.demo.tincay.invalid"),
    ("Cổng Thông tin điện tử tỉnh Kiên Giang", None, "congthongtin@kiengiang.demo.tincay.invalid"),
    ("Phân xã Thông tấn xã Việt Nam tại Kiên Giang", None, "ttxvn.kiengiang@demo.tincay.invalid"),
    ("Văn phòng Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh", "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Kiên Giang",
     "bcd@kiengiang.demo.tincay.invalid"),
    ("Sở Y tế tỉnh Kiên Giang - Phòng Nghiệp vụ Y", "Sở Y tế tỉnh Kiên Giang", "nghiepvuy@syt.demo.tincay.invalid"),
]  # fmt: skip


def _province_curve(k: int) -> float:
    """New cases in the province on day k of 30: about 15 a day at first, about 200 at the end
    (the logistic rise of Kiên Giang's fourth wave), a dip at weekends when fewer tests are read."""
    base = 12 + 200 / (1 + math.exp(-(k - 18) / 4))
    weekend = 0.85 if k % 7 in (5, 6) else 1.0
    return base * weekend


def _series(rng: random.Random, units: list[OrgUnit], start: datetime.date) -> dict:
    """{(date, unit code, indicator code): value} for the 30 days."""
    out = {}
    history = {u.code: [] for u in units}
    treating = {u.code: int(40 * SHARE[u.code] * 10) for u in units}
    recovered = {u.code: int(300 * SHARE[u.code]) for u in units}
    deaths = {u.code: int(4 * SHARE[u.code] * 10) // 10 for u in units}
    tests = {u.code: int(POPULATION[u.code] * 0.08) for u in units}
    dose1 = {u.code: int(POPULATION[u.code] * 0.06) for u in units}
    dose2 = {u.code: int(POPULATION[u.code] * 0.01) for u in units}
    for k in range(DAYS):
        date = start + datetime.timedelta(days=k)
        province = _province_curve(k)
        for u in units:
            c = u.code
            expected = province * SHARE[c]
            new = max(0, round(rng.gauss(expected, math.sqrt(expected + 1))))
            community = min(new, round(new * rng.uniform(0.15, 0.4)))
            quarantine = new - community
            history[c].append(new)
            cured = round(sum(history[c][-11:-10]) * rng.uniform(0.7, 0.95)) if k >= 10 else rng.randint(0, 2)
            died = 1 if rng.random() < expected / 400 else 0
            treating[c] = max(0, treating[c] + new - cured - died)
            recovered[c] += cured
            deaths[c] += died
            tests[c] += round(new * rng.uniform(25, 40) + POPULATION[c] * 0.002)
            dose1[c] += round(POPULATION[c] * rng.uniform(0.002, 0.006))
            dose2[c] += round(POPULATION[c] * rng.uniform(0.0005, 0.0015))
            f1 = round(sum(history[c][-7:]) * rng.uniform(6, 9))
            for code, value in {
                "ca_cong_dong": community,
                "ca_cach_ly": quarantine,
                "dang_dieu_tri": treating[c],
                "khoi_benh": recovered[c],
                "tu_vong": deaths[c],
                "f1_cach_ly": f1,
                "xet_nghiem": tests[c],
                "tiem_mui_1": dose1[c],
                "tiem_mui_2": dose2[c],
            }.items():
                out[(date, c, code)] = value
    return out


def _recipients():
    orgs = {o.name: o for o in Organisation.objects.filter(kind__in=["press", "steering_committee", "health"])}
    root = fig.root_unit()
    for order, (title, org_name, email) in enumerate(RECIPIENTS, 40):
        org = orgs.get(org_name)
        contact = Contact.objects.filter(kind=Contact.Kind.RECIPIENT, email=email).first() or Contact(
            kind=Contact.Kind.RECIPIENT, email=email
        )
        contact.title, contact.organisation, contact.org_unit = title, org, org.org_unit if org else root
        contact.receives_bulletin, contact.is_active, contact.sort_order = True, True, order
        contact.full_clean()
        core_actions.save_contact(None, contact)


@transaction.atomic
def load() -> dict:
    root = fig.root_unit()
    units = [u for u in fig.districts(root) if u.code in SHARE]
    if not units:
        return {}
    _recipients()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=DAYS - 1)
    if not Figure.objects.filter(date=today, org_unit__parent=root).exists():
        rng = random.Random(2021)  # noqa: S311  (demo figures, not secrets)
        values = _series(rng, units, start)
        inds = {i.code: i for i in Indicator.objects.all()}
        known = set(
            Figure.objects.filter(date__gte=start, org_unit__in=units).values_list(
                "date", "org_unit__code", "indicator__code"
            )
        )
        by_code = {u.code: u for u in units}
        now = timezone.now()
        health = Person.objects.filter(role=Role.HEALTH_DATA).first()
        Figure.objects.bulk_create(
            [
                Figure(
                    date=date, org_unit=by_code[code], indicator=inds[ind], value=value, source=Figure.Source.DEMO,
                    updated_at=now, updated_by=health,
                )
                for (date, code, ind), value in values.items()
                if ind in inds and (date, code, ind) not in known and not (date == today and code in LATE_TODAY)
            ],
            batch_size=2000,
        )  # fmt: skip
        for k in range(DAYS - 1):
            date = start + datetime.timedelta(days=k)
            SituationDay.objects.update_or_create(
                org_unit=root,
                date=date,
                defaults={"state": SituationDay.State.CONFIRMED, "confirmed_by": health, "confirmed_at": now},
            )
    leader = Person.objects.filter(role=Role.LEADER).first()
    focal = Person.objects.filter(role=Role.FOCAL_POINT).first()
    issued = 0
    for k in range(ISSUED_DAYS, 0, -1):
        date = today - datetime.timedelta(days=k)
        bulletin, _created = actions.ensure_draft(focal, root, date)
        if bulletin.state == Bulletin.State.DRAFT:
            bulletin = actions.submit(focal, bulletin, notify=False)
        if bulletin.state == Bulletin.State.SUBMITTED:
            # Issued that afternoon, as it would have been.
            at = timezone.make_aware(datetime.datetime.combine(date, datetime.time(16, 45)))
            actions.approve(leader, bulletin, at=at)
            Bulletin.objects.filter(pk=bulletin.pk).update(submitted_at=at - datetime.timedelta(minutes=30))
            bulletin.events.update(at=at)
            # Those emails went out that day: the worker finds nothing left to send.
            bulletin.deliveries.update(state="sent", attempts=1, sent_at=at + datetime.timedelta(minutes=2))
            issued += 1
    draft, _created = actions.ensure_draft(None, root, today)
    return {"figures": Figure.objects.count(), "bulletins issued": issued, "today": draft.get_state_display()}
