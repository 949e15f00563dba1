"""Duty rosters, through the pages and roster.planning: the demo's rosters keep every rule; a
roster is built, generated and issued; rules that cannot be met are explained by day and rule and
change nothing; a quarantine entered mid-month makes a re-plan that keeps the days before it and
is issued again as a DOCX that replaces the first notice; a replacement keeps the rules."""

import datetime
import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse

from core.roles import Role
from roster import notice, planning, solver
from roster.models import Assignment, Member, Roster, RosterEvent, ShiftKind, Unavailability
from tests import taskqueue


def data_centre():
    return Roster.objects.get(kind=Roster.Kind.DATA_CENTRE)


def test_the_demo_rosters_are_issued_and_keep_every_rule():
    for roster in Roster.objects.all():
        assert roster.state == Roster.State.ISSUED and roster.number.endswith("/TB-STTTT")
        problem = planning.problem_for(roster)
        assert solver.check(problem, planning.plan_of(roster)) == [], roster.title
        assert roster.assignments.exists()


def test_a_roster_is_built_generated_and_issued_through_the_pages(client, login, people):
    manager = people[Role.IT_CENTRE]
    login(manager)
    response = client.post(
        reverse("roster:new"),
        {"kind": "hotline", "title": "Trực thử", "organisation": manager.organisation_id, "start": "2026-12-07",
         "end": "2026-12-13", "max_consecutive_days": 5, "min_rest_hours": 11},
    )  # fmt: skip
    roster = Roster.objects.get(title="Trực thử")
    assert response.status_code == 302 and response["Location"] == reverse("roster:detail", args=[roster.pk])
    client.post(
        reverse("roster:shift_new", args=[roster.pk]),
        {"code": "ngay", "name": "Trực ngày", "start": "07:00", "end": "19:00", "mode": "onsite", "min_people": 1,
         "max_people": 1, "weekdays": list("0123456"), "order": 0, "skill_count": 1, "skill_2_count": 1},
    )  # fmt: skip
    assert roster.shifts.count() == 1
    team = list(data_centre().members.values_list("person_id", flat=True)[:4])
    client.post(reverse("roster:members_add", args=[roster.pk]), {"people": team})
    assert roster.members.count() == 4
    # The data centre's people are on its roster every day: here they are free (another month).
    response = client.post(reverse("roster:generate", args=[roster.pk]), follow=True)
    assert "Đã lập lịch" in response.content.decode() or roster.assignments.count() == 7
    assert roster.assignments.count() == 7
    page = client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    assert "Trực ngày" in page and "Lịch" in page
    response = client.post(reverse("roster:issue", args=[roster.pk]))
    roster.refresh_from_db()
    assert roster.state == Roster.State.ISSUED and roster.number and roster.docx_sha256
    docx = client.get(reverse("roster:file", args=[roster.pk, "docx"]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    text = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    assert "THÔNG BÁO" in text and roster.number in text and "Trực ngày" in text


def test_rules_that_cannot_be_met_are_explained_and_change_nothing(client, login, people):
    roster = data_centre()
    before = planning.plan_of(roster)
    day = roster.start + datetime.timedelta(days=9)
    # Everyone with the network skill is on leave that day: the night needs one.
    for member in roster.members.filter(skills__code="network").distinct():
        Unavailability.objects.create(person=member.person, start=day, end=day, reason="leave")
    with pytest.raises(planning.PlanningError) as refused:
        planning.generate(roster, people[Role.IT_CENTRE], replan_from=roster.start, time_limit=2)
    text = " ".join(refused.value.reasons)
    assert day.strftime("%d/%m/%Y") in text and "Mạng" in text, text
    assert planning.plan_of(roster) == before
    login(people[Role.IT_CENTRE])
    response = client.post(
        reverse("roster:generate", args=[roster.pk]), {"replan": "1", "day": roster.start.isoformat()}, follow=True
    )
    assert "Không thể đáp ứng các quy tắc" in response.content.decode()


def test_a_quarantine_mid_month_is_re_planned_and_issued_again(
    client, login, people, django_capture_on_commit_callbacks
):
    roster = data_centre()
    first_number = roster.number
    engineer = Member.objects.filter(roster=roster, person__duties__roster=roster).first().person
    mid = roster.start + datetime.timedelta(days=14)
    kept = {k: v for k, v in planning.plan_of(roster).items() if k[0] < mid}
    login(people[Role.IT_CENTRE])
    response = client.post(
        reverse("roster:unavailability"),
        {"person": engineer.pk, "start": mid.isoformat(), "end": roster.end.isoformat(), "reason": "quarantine"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("roster:detail", args=[roster.pk])
    assert planning.conflicts(roster)
    page = client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    assert engineer.full_name in page and "tìm người thay" in page.lower()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:generate", args=[roster.pk]), {"replan": "1", "day": mid.isoformat()})
    roster.refresh_from_db()
    assert not planning.conflicts(roster)
    assert {k: v for k, v in planning.plan_of(roster).items() if k[0] < mid} == kept
    assert not Assignment.objects.filter(roster=roster, person=engineer, day__gte=mid).exists()
    assert solver.check(planning.problem_for(roster), planning.plan_of(roster)) == []
    assert roster.state == Roster.State.DRAFT and roster.replaces == first_number
    event = RosterEvent.objects.filter(roster=roster, kind="replan").get()
    assert event.changes and any(c.get("out_id") == engineer.pk for c in event.changes)
    from roster import tasks

    assert taskqueue.count("notify_changes")  # queued on commit
    assert tasks.notify_changes.call(event.pk) >= 1
    told = next(m for m in mail.outbox if engineer.email in m.to)
    assert "không còn phân công" in told.body and roster.title in told.subject
    # The Office issues it again: a new number, and the notice says which one it replaces.
    login(people[Role.OFFICE])
    client.post(reverse("roster:issue", args=[roster.pk]))
    roster.refresh_from_db()
    assert roster.state == Roster.State.ISSUED and roster.number != first_number
    text = zipfile.ZipFile(io.BytesIO(notice.docx(roster))).read("word/document.xml").decode()
    assert f"thay thế Thông báo số {first_number}" in text


def test_a_replacement_keeps_the_rules_or_is_refused(client, login, people):
    roster = data_centre()
    night = ShiftKind.objects.get(roster=roster, code="dem")
    duty = Assignment.objects.filter(roster=roster, shift=night).order_by("day").last()
    candidates = planning.suggestions(roster, duty)
    assert candidates
    for candidate in candidates:
        after = dict(planning.plan_of(roster))
        key = (duty.day, "dem")
        after[key] = (after[key] - {duty.person_id}) | {candidate.person}
        assert planning.violations_caused(roster, planning.plan_of(roster), after) == []
    # Someone on the day shift that same day cannot also take the night.
    busy = Assignment.objects.filter(roster=roster, day=duty.day, shift__code="ngay").first()
    login(people[Role.IT_CENTRE])
    page = client.post(
        reverse("roster:replace", args=[roster.pk, duty.pk]), {"person": busy.person_id}, follow=True
    ).content.decode()
    assert Assignment.objects.filter(pk=duty.pk).exists()  # unchanged
    assert "ca" in page.lower()
    client.post(reverse("roster:replace", args=[roster.pk, duty.pk]), {"person": candidates[0].person})
    assert Assignment.objects.filter(roster=roster, day=duty.day, shift=night, person_id=candidates[0].person).exists()
    roster.refresh_from_db()
    assert roster.state == Roster.State.DRAFT  # changed since its notice


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"start": "2026-12-10", "end": "2026-12-01"}, "end", "trước ngày bắt đầu"),
        ({"start": "2026-01-01", "end": "2026-12-31"}, "end", "62"),
        ({"start": "nonsense", "end": "2026-12-31"}, "start", ""),
        ({"max_consecutive_days": "0"}, "max_consecutive_days", ""),
        ({"min_rest_hours": "99"}, "min_rest_hours", "48"),
    ],
)
def test_a_bad_roster_form_names_the_field_and_changes_nothing(client, login, people, fields, field, message):
    login(people[Role.OFFICE])
    data = {"kind": "office", "title": "Sai", "organisation": people[Role.OFFICE].organisation_id,
            "start": "2026-12-01", "end": "2026-12-31", "max_consecutive_days": 6, "min_rest_hours": 11}  # fmt: skip
    data.update(fields)
    response = client.post(reverse("roster:new"), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Roster.objects.filter(title="Sai").exists()


def test_a_person_sees_only_the_rosters_they_are_on(client, login, people):
    login(people[Role.PRESS])
    assert client.get(reverse("roster:detail", args=[data_centre().pk])).status_code == 404
    assert client.get(reverse("roster:file", args=[data_centre().pk, "docx"])).status_code == 404
    login(people[Role.IT_CENTRE])
    page = client.get(reverse("roster:list")).content.decode()
    assert data_centre().title in page
    mine = client.get(reverse("roster:mine")).content.decode()
    assert "Ca ngày tại chỗ" in mine or "Trực đêm" in mine


def test_the_xlsx_lists_every_day(client, login, people):
    from openpyxl import load_workbook

    login(people[Role.IT_CENTRE])
    response = client.get(reverse("roster:file", args=[data_centre().pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    days = [row for row in sheet.iter_rows(values_only=True) if row[1] in notice.WEEKDAYS]
    assert len(days) == len(data_centre().days)
    assert all(row[2] for row in days)  # a name on every day shift


def _future_pair(roster, shift_code):
    """Two people's shifts of `shift_code` on different days that they could exchange within the
    rules (the demo's plan comes from the solver: which pair works differs from run to run)."""
    rows = list(
        Assignment.objects.filter(roster=roster, shift__code=shift_code, day__gt=roster.start)
        .select_related("shift", "person")
        .order_by("day")
    )
    for a in rows:
        for b in rows:
            if a.person_id != b.person_id and a.day != b.day and not planning._swap_problems(roster, a, b.person, b):
                return a, b
    raise AssertionError("no exchange within the rules in the demo roster")


def test_a_swap_is_asked_accepted_and_approved_with_the_rules_checked(client, login, people, monkeypatch):
    from django.utils import timezone

    roster = Roster.objects.get(kind=Roster.Kind.HOTLINE)
    monkeypatch.setattr(timezone, "localdate", lambda *a: roster.start)
    give, take = _future_pair(roster, "ngay")
    requester, partner = give.person, take.person
    # The request is checked before it is sent: a swap that breaks a rule is refused at once.
    night_same_day = Assignment.objects.filter(roster=roster, day=give.day, shift__code="dem").first()
    with pytest.raises(planning.PlanningError):
        planning.ask_swap(requester, give, night_same_day.person, None)  # a day and a night the same day
    swap = planning.ask_swap(requester, give, partner, take, "Tôi có việc gia đình.")
    with pytest.raises(planning.PlanningError):  # only the partner answers
        planning.answer_swap(requester, swap, True)
    planning.answer_swap(partner, swap, True)
    changes = planning.decide_swap(people[Role.OFFICE], swap, True)
    assert Assignment.objects.get(pk=give.pk).person == partner
    assert Assignment.objects.get(pk=take.pk).person == requester
    assert {c.get("in_id") for c in changes} >= {partner.pk, requester.pk}
    assert solver.check(planning.problem_for(roster), planning.plan_of(roster)) == []
    assert RosterEvent.objects.filter(roster=roster, kind="swap").exists()
    roster.refresh_from_db()
    assert roster.state == Roster.State.DRAFT  # to be issued again


def test_a_swap_through_the_pages(client, login, people, monkeypatch):
    from django.utils import timezone

    from core.models import Person
    from roster.models import SwapRequest

    roster = data_centre()
    monkeypatch.setattr(timezone, "localdate", lambda *a: roster.start)
    give, take = _future_pair(roster, "dem")
    requester = give.person
    requester.set_password("x-test-pass")
    requester.save()
    client.force_login(requester)
    page = client.get(reverse("roster:mine")).content.decode()
    assert reverse("roster:swap_new", args=[give.pk]) in page
    # Nobody chosen: the form says what is missing and nothing is asked.
    response = client.post(reverse("roster:swap_new", args=[give.pk]), {"message": "x"})
    assert response.status_code == 200 and "partner" in response.context["form"].errors
    client.post(reverse("roster:swap_new", args=[give.pk]), {"take": take.pk, "message": "Đổi giúp mình"})
    swap = SwapRequest.objects.get(give=give)
    assert swap.partner == take.person and swap.state == "asked"
    client.force_login(Person.objects.get(pk=take.person_id))
    assert "Đổi giúp mình" in client.get(reverse("roster:mine")).content.decode()
    client.post(reverse("roster:swap_answer", args=[swap.pk]), {"answer": "accept"})
    login(people[Role.IT_CENTRE])
    assert "Đổi ca chờ duyệt" in client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    client.post(reverse("roster:swap_decide", args=[roster.pk, swap.pk]), {"decision": "approve"})
    swap.refresh_from_db()
    assert swap.state == "approved" and Assignment.objects.get(pk=give.pk).person_id == take.person_id


def test_each_person_has_a_secret_calendar_link(client, login, people):
    person = data_centre().members.first().person
    client.force_login(person)
    client.post(reverse("roster:calendar_link"))
    page = client.get(reverse("roster:mine")).content.decode()
    key = person.calendar_feed.key
    assert key in page
    client.logout()
    feed = client.get(reverse("roster:ical", args=[key]))
    text = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == Assignment.objects.filter(person=person).count()
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    # A new link: the old one answers 404.
    client.force_login(person)
    client.post(reverse("roster:calendar_link"))
    client.logout()
    assert client.get(reverse("roster:ical", args=[key])).status_code == 404


def test_the_person_on_duty_answers_the_hotline(client, login, people):
    from django.utils import timezone

    from roster import routing

    roster = Roster.objects.get(kind=Roster.Kind.HOTLINE)
    noon = timezone.make_aware(datetime.datetime.combine(roster.start + datetime.timedelta(days=3), datetime.time(12)))
    now = routing.on_duty(noon)
    on_line = [a for a in now if a.roster_id == roster.pk]
    assert len(on_line) == 1 and on_line[0].shift.code == "ngay"
    assert routing.by_hotline(noon) == {roster.hotline_id: on_line}
    night = noon.replace(hour=3)  # the night shift that began the evening before
    assert [a.shift.code for a in routing.by_hotline(night)[roster.hotline_id]] == ["dem"]
    assert on_line[0].day == noon.date()


def test_the_directory_and_the_portal_say_who_answers_now(client, login, people, monkeypatch):
    from roster import routing

    roster = Roster.objects.get(kind=Roster.Kind.HOTLINE)
    duty = roster.assignments.select_related("person", "shift").first()
    monkeypatch.setattr(routing, "on_duty", lambda at=None: [duty])
    page = client.get("/duong-day-nong/").content.decode()
    assert "cán bộ trực" in page and duty.person.full_name not in page  # no name on the public site
    login(people[Role.INSPECTOR])
    staff = client.get(reverse("core:directory")).content.decode()
    assert duty.person.full_name in staff and "đang trực" in staff


def test_the_telephone_exchange_reads_where_to_forward_the_hotline(client, people, monkeypatch):
    from core.models import ApiToken
    from roster import routing

    roster = Roster.objects.get(kind=Roster.Kind.HOTLINE)
    duty = roster.assignments.select_related("person", "shift").first()
    monkeypatch.setattr(routing, "on_duty", lambda at=None: [duty])
    _token, key = ApiToken.issue(people[Role.IT_CENTRE], "exchange")
    rows = client.get("/api/v1/roster/hotline-routes", headers={"Authorization": f"Bearer {key}"}).json()
    assert rows == [
        {
            "hotline": roster.hotline.phone,
            "title": roster.hotline.title,
            "forward_to": duty.person.phone,
            "person": duty.person.full_name,
            "shift": duty.shift.name,
            "until": duty.ends_at.isoformat(),
        }
    ]


def test_the_staff_home_page_says_who_is_on_duty_now(client, login, people, monkeypatch):
    from roster import routing

    roster = data_centre()
    duty = roster.assignments.select_related("person", "shift").first()
    monkeypatch.setattr(routing, "on_duty", lambda at=None: [duty])
    login(people[Role.INSPECTOR])
    page = client.get("/").content.decode()
    assert f"Đang trực: {duty.person.full_name} ({duty.shift.name})" in page
    monkeypatch.setattr(routing, "on_duty", lambda at=None: [])
    assert "Hiện không có ai trong ca trực." in client.get("/").content.decode()
