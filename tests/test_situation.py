"""Daily situation: the figures (entry grid, checks, corrections, confirmation), the bulletin's
workflow (draft, edit, submit, return, approve with number and files), its delivery to the press
list, the 16:00 draft job, and who sees what. The demo (tests/conftest.py) has 30 days of figures
for the 15 districts, today's missing for Kiên Hải (912) and Giang Thành (914), the 5 bulletins
before today issued and today's draft."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditEvent, Contact, OrgUnit
from core.roles import Role
from situation import actions, compose, tasks
from situation import figures as fig
from situation.models import Bulletin, Delivery, Figure, FigureChange, Indicator, SituationDay
from tests import taskqueue

B = Bulletin.State


@pytest.fixture
def root():
    return OrgUnit.objects.get(code="91")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def draft(root, today):
    return Bulletin.objects.get(org_unit=root, date=today)


def unit(code):
    return OrgUnit.objects.get(code=code)


def grid_post(client, day, values, notes=None):
    data = {"date": day.isoformat()}
    for (code, ind), value in values.items():
        data[f"v-{code}-{ind}"] = value
    for code, note in (notes or {}).items():
        data[f"n-{code}"] = note
    return client.post(reverse("situation:entry"), data)


# --- Figures ---------------------------------------------------------------------------------------
def test_the_entry_grid_shows_every_district_and_names_the_missing_ones(login, people, today):
    response = login(people[Role.HEALTH_DATA]).get(reverse("situation:entry"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="figgrid__missing"') == 2
    assert "Huyện Kiên Hải" in page and "Huyện Giang Thành" in page
    assert 'name="v-912-ca_cong_dong"' in page and 'name="n-899"' in page


def test_the_officer_enters_a_missing_district_and_it_is_saved_once(login, people, root, today):
    client = login(people[Role.HEALTH_DATA])
    response = grid_post(client, today, {("912", "ca_cong_dong"): "3", ("912", "ca_cach_ly"): "1.204"})
    assert response.status_code == 302
    saved = {f.indicator.code: f.value for f in Figure.objects.filter(date=today, org_unit__code="912")}
    assert saved == {"ca_cong_dong": 3, "ca_cach_ly": 1204}
    assert AuditEvent.objects.filter(action="situation.figures").exists()
    # Posting the same values again changes nothing and keeps no history.
    grid_post(client, today, {("912", "ca_cong_dong"): "3"})
    assert not FigureChange.objects.filter(figure__date=today).exists()


def test_a_bad_cell_saves_nothing_and_is_named(login, people, today):
    client = login(people[Role.HEALTH_DATA])
    response = grid_post(
        client, today, {("912", "ca_cong_dong"): "5", ("914", "ca_cach_ly"): "-2", ("914", "tu_vong"): "1,5"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Huyện Giang Thành" in page and _("a count cannot be negative.") in page
    assert not Figure.objects.filter(date=today, org_unit__code__in=["912", "914"]).exists()
    # What was typed stays in the grid.
    assert 'name="v-912-ca_cong_dong" value="5"' in page


@pytest.mark.parametrize(
    "raw, words",
    [
        ("abc", "không phải số nguyên"),
        ("12.5", "không phải số nguyên"),
        ("-1", "số lượng không thể âm"),
        ("999999999999", "tối đa 100.000.000"),
        ("1e3", "không phải số nguyên"),
    ],
)
def test_values_that_are_not_counts_are_refused(root, today, people, raw, words):
    plan = fig.check(root, today, [fig.Entry(unit("912"), {"ca_cong_dong": raw})])
    assert not plan.ok and len(plan.problems) == 1
    problem = plan.problems[0]
    assert problem.unit == "Huyện Kiên Hải" and problem.field == "Mới (cộng đồng)" and words in problem.message


def test_a_running_total_may_not_go_down_without_a_note(root, today, people):
    last = Figure.objects.filter(org_unit__code="899", indicator__code="khoi_benh", date__lt=today).latest("date")
    lower = last.value - 5
    entries = [fig.Entry(unit("899"), {"khoi_benh": str(lower)})]
    plan = actions.save_figures(people[Role.HEALTH_DATA], root, today, entries)
    assert not plan.ok and "Thành phố Rạch Giá" in str(plan.problems[0]) and str(last.value) in str(plan.problems[0])
    with_note = [fig.Entry(unit("899"), {"khoi_benh": str(lower)}, note="Rà soát trùng 5 ca với Cần Thơ")]
    plan = actions.save_figures(people[Role.HEALTH_DATA], root, today, with_note)
    assert plan.ok
    figure = Figure.objects.get(org_unit__code="899", indicator__code="khoi_benh", date=today)
    assert figure.value == lower and figure.note.startswith("Rà soát")


def test_a_confirmed_day_needs_a_reason_and_keeps_the_history(login, people, root, today):
    yesterday = today - datetime.timedelta(days=1)
    assert SituationDay.objects.get(org_unit=root, date=yesterday).is_confirmed
    figure = Figure.objects.get(org_unit__code="899", indicator__code="ca_cong_dong", date=yesterday)
    client = login(people[Role.HEALTH_DATA])
    response = grid_post(client, yesterday, {("899", "ca_cong_dong"): str(figure.value + 2)})
    assert response.status_code == 422
    assert figure.value == Figure.objects.get(pk=figure.pk).value
    response = grid_post(
        client, yesterday, {("899", "ca_cong_dong"): str(figure.value + 2)}, {"899": "Bổ sung 2 ca báo muộn"}
    )
    assert response.status_code == 302
    change = FigureChange.objects.get(figure=figure)
    assert (change.old_value, change.new_value, change.correction) == (figure.value, figure.value + 2, True)
    assert change.reason == "Bổ sung 2 ca báo muộn" and change.changed_by == people[Role.HEALTH_DATA]
    assert AuditEvent.objects.filter(action="situation.correct").exists()
    history = client.get(reverse("situation:history") + f"?date={yesterday.isoformat()}").content.decode()
    assert "Bổ sung 2 ca báo muộn" in history


def test_a_value_given_cannot_be_emptied(root, today, people):
    plan = fig.check(root, today, [fig.Entry(unit("899"), {"ca_cong_dong": ""})])
    assert not plan.ok


def test_hostile_notes_and_future_days_are_refused(root, today, people):
    plan = fig.check(root, today, [fig.Entry(unit("912"), {"ca_cong_dong": "1"}, note="a\x00b")])
    assert not plan.ok and "Huyện Kiên Hải" in str(plan.problems[0])
    plan = fig.check(root, today + datetime.timedelta(days=1), [fig.Entry(unit("912"), {"ca_cong_dong": "1"})])
    assert not plan.ok
    plan = fig.check(root, today, [fig.Entry(unit("912"), {"ca_cong_dong": "1"}, note="x" * 501)])
    assert not plan.ok


def test_a_commune_or_another_province_is_not_a_district(root, today):
    commune = OrgUnit.objects.filter(level="commune").first()
    plan = fig.check(root, today, [fig.Entry(commune, {"ca_cong_dong": "1"})])
    assert not plan.ok and commune.name in str(plan.problems[0])


def test_the_grid_page_handles_a_bad_date(login, people, today):
    client = login(people[Role.HEALTH_DATA])
    assert client.get(reverse("situation:entry") + "?date=2021-13-45").status_code == 200
    assert client.get(reverse("situation:entry") + "?date=9999-01-01").status_code == 200


def test_confirming_the_day_names_the_missing_districts(login, people, root, today):
    client = login(people[Role.HEALTH_DATA])
    response = client.post(reverse("situation:confirm"), {"date": today.isoformat()})
    assert response.status_code == 302
    day = SituationDay.objects.get(org_unit=root, date=today)
    assert day.is_confirmed and day.confirmed_by == people[Role.HEALTH_DATA]
    event = AuditEvent.objects.filter(action="situation.confirm").latest("at")
    assert "Huyện Kiên Hải" in event.note and "Huyện Giang Thành" in event.note


def test_a_day_without_figures_cannot_be_confirmed(root, people):
    with pytest.raises(ValidationError):
        actions.confirm_day(people[Role.HEALTH_DATA], root, datetime.date(2019, 1, 1))


def test_only_the_health_officer_and_administrators_enter_figures(root, today, people):
    for role in (Role.FOCAL_POINT, Role.LEADER, Role.PRESS):
        with pytest.raises(PermissionDenied):
            actions.save_figures(people[role], root, today, [])


def test_a_new_indicator_appears_in_the_grid_without_code(login, people, today):
    client = login(people[Role.ADMIN])
    response = client.post(
        reverse("situation:indicator_new"),
        {"code": "ca_nghi_ngo", "name": "Ca nghi ngờ", "short_name": "Nghi ngờ", "kind": "daily", "unit": "ca",
         "definition": "", "headline": "on", "order": 95, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("situation:entry")).content.decode()
    assert 'name="v-899-ca_nghi_ngo"' in page and "Nghi ngờ" in page


def test_an_indicator_in_use_keeps_its_code(people):
    indicator = Indicator.objects.get(code="ca_cong_dong")
    indicator.code = "moi"
    with pytest.raises(ValidationError):
        actions.save_indicator(people[Role.ADMIN], indicator)


def test_the_export_gives_the_day_as_csv_and_json(login, people, today):
    client = login(people[Role.FOCAL_POINT])
    response = client.get(reverse("situation:export", args=["json"]) + f"?date={today.isoformat()}")
    data = response.json()
    assert data["missing"] == ["Huyện Kiên Hải", "Huyện Giang Thành"]
    rg = next(r for r in data["rows"] if r["district_code"] == "899")
    assert rg["values"]["ca_cong_dong"] is not None
    csv = client.get(reverse("situation:export", args=["csv"])).content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("date,district_code,district,ca_cong_dong") and len(csv) == 1 + 15 + 1


# --- Composition -----------------------------------------------------------------------------------
def test_the_facts_add_up(root, today):
    f = compose.facts(root, today)
    new_cases = sum(r["new_cases"] for r in f["rows"])
    assert f["new_cases_today"] == new_cases
    assert f["missing"] == ["Huyện Kiên Hải", "Huyện Giang Thành"]
    assert len(f["trend"]["labels"]) == 14 and all(len(s["values"]) == 14 for s in f["trend"]["series"])
    treating = next(i for i in f["indicators"] if i["code"] == "dang_dieu_tri")
    # A level missing today counts with its last value; the two late districts are said.
    assert set(treating["carried"]) == {"Huyện Kiên Hải", "Huyện Giang Thành"}
    text = compose.summary_text(f)
    assert f"ghi nhận {compose.n(new_cases)} ca mắc mới" in text and "Thành phố Rạch Giá (" in text


def test_verdicts_published_that_day_are_in_the_facts(root, today, people):
    from misinfo.models import Case

    case = Case.objects.filter(published_at__isnull=False).first()
    Case.objects.filter(pk=case.pk).update(published_at=timezone.now())
    statements = [v["statement"] for v in compose.facts(root, today)["verdicts"]]
    assert case.claim.statement in statements


# --- The bulletin's workflow -----------------------------------------------------------------------
def test_the_draft_follows_the_figures_until_a_person_edits_it(root, today, draft, people):
    Figure.objects.filter(date=today, org_unit__code="899", indicator__code="ca_cong_dong").update(value=777)
    actions.refresh(draft)
    draft.refresh_from_db()
    assert next(r for r in draft.facts["rows"] if r["code"] == "899")["values"]["ca_cong_dong"] == 777
    assert "ghi nhận" in draft.summary
    actions.edit(people[Role.FOCAL_POINT], draft, "Văn bản do đầu mối viết.", "Thông điệp 5K")
    Figure.objects.filter(date=today, org_unit__code="899", indicator__code="ca_cong_dong").update(value=778)
    actions.refresh(Bulletin.objects.get(pk=draft.pk))
    draft.refresh_from_db()
    assert draft.summary == "Văn bản do đầu mối viết."  # the text stays, the figures follow
    assert next(r for r in draft.facts["rows"] if r["code"] == "899")["values"]["ca_cong_dong"] == 778


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "x" * 8001])
def test_the_text_is_checked(draft, people, text):
    with pytest.raises(ValidationError):
        actions.edit(people[Role.FOCAL_POINT], draft, text, "Thông điệp")


def test_from_draft_to_issued_and_emailed(login, people, draft, django_capture_on_commit_callbacks, mailoutbox):
    focal, leader = people[Role.FOCAL_POINT], people[Role.LEADER]
    client = login(focal)
    response = client.post(
        reverse("situation:bulletin_edit", args=[draft.pk]),
        {
            "summary": "Hôm nay toàn tỉnh ghi nhận ca mắc mới.",
            "messages": "Thực hiện 5K\nTiêm vắc xin",
            "then": "submit",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == B.SUBMITTED and draft.submitted_by == focal
    # The focal point cannot approve; a leader can.
    assert client.post(reverse("situation:bulletin_act", args=[draft.pk, "approve"])).status_code == 403
    assert Bulletin.objects.get(pk=draft.pk).state == B.SUBMITTED
    last_number = Bulletin.objects.filter(year=draft.date.year).exclude(number=None).order_by("-number").first()
    client = login(leader)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("situation:bulletin_act", args=[draft.pk, "approve"]))
    assert response.status_code == 302
    draft.refresh_from_db()
    expected = (last_number.number if last_number else 0) + 1
    assert draft.state == B.ISSUED and draft.number == expected and draft.number_text == f"Số: {expected}/BT-STTTT"
    assert draft.pdf.read(4) == b"%PDF" and len(draft.pdf_sha256) == 64 and draft.docx_sha256
    recipients = Contact.objects.filter(receives_bulletin=True, is_active=True).exclude(email="")
    assert draft.deliveries.count() == recipients.count() == 6
    assert len(callbacks) >= 6
    # What the worker does: each delivery once, PDF and DOCX attached.
    for delivery in draft.deliveries.all():
        assert tasks.deliver.call(delivery.pk) == "sent"
        assert tasks.deliver.call(delivery.pk) == "skipped"  # run twice: sent once
    to_press = [m for m in mailoutbox if m.to[0].endswith(".invalid") and "Bản tin nhanh" in m.subject]
    assert len(to_press) == 6
    names = [a[0] for a in to_press[0].attachments]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".docx") for n in names)
    assert draft.number_text.removeprefix("Số: ") in to_press[0].subject
    assert set(draft.deliveries.values_list("state", flat=True)) == {"sent"}
    page = client.get(reverse("situation:bulletin", args=[draft.pk])).content.decode()
    assert draft.number_text in page and "thoisu@baokiengiang" in page


def test_a_leader_returns_with_a_reason(people, draft, login):
    actions.submit(people[Role.FOCAL_POINT], draft)
    client = login(people[Role.LEADER])
    response = client.post(reverse("situation:bulletin_act", args=[draft.pk, "return"]), {"reason": ""})
    assert response.status_code == 422 and Bulletin.objects.get(pk=draft.pk).state == B.SUBMITTED
    client.post(reverse("situation:bulletin_act", args=[draft.pk, "return"]), {"reason": "Sửa số ca Rạch Giá"})
    draft.refresh_from_db()
    assert draft.state == B.DRAFT and draft.events.last().note == "Sửa số ca Rạch Giá"


def test_an_issued_bulletin_cannot_be_edited_or_issued_again(people):
    issued = Bulletin.objects.filter(state=B.ISSUED).first()
    with pytest.raises(ValidationError):
        actions.edit(people[Role.FOCAL_POINT], issued, "Khác", "Khác")
    with pytest.raises(ValidationError):
        actions.approve(people[Role.LEADER], issued)
    with pytest.raises(ValidationError):
        actions.submit(people[Role.FOCAL_POINT], issued)


def test_numbers_follow_each_other_within_the_year():
    numbers = list(Bulletin.objects.filter(state=B.ISSUED).order_by("date").values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_a_failing_mail_server_is_retried_then_shown_failed(people, settings, monkeypatch):
    issued = Bulletin.objects.filter(state=B.ISSUED).first()
    delivery = issued.deliveries.first()
    Delivery.objects.filter(pk=delivery.pk).update(state="queued", attempts=0)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    settings.SITUATION_DELIVERY_TRIES = 2
    assert tasks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "queued" and delivery.attempts == 1 and "refused" in delivery.last_error
    assert tasks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 2
    actions.resend(people[Role.FOCAL_POINT], delivery)
    assert Delivery.objects.get(pk=delivery.pk).state == "queued"


def test_a_delivery_being_sent_by_another_worker_is_left_alone():
    delivery = Delivery.objects.first()
    Delivery.objects.filter(pk=delivery.pk).update(
        state="sending", lease_until=timezone.now() + datetime.timedelta(minutes=3)
    )
    assert tasks.deliver.call(delivery.pk) == "skipped"
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert tasks.deliver.call(delivery.pk) == "sent"  # the lease of a dead worker ran out


# --- Schedule ----------------------------------------------------------------------------------------
def test_the_draft_is_prepared_at_the_set_time_once_and_the_focal_point_told_once(
    root, today, settings, django_capture_on_commit_callbacks, mailoutbox
):
    Bulletin.objects.filter(org_unit=root, date=today).delete()
    settings.SITUATION_DRAFT_TIME = "16:00"
    early = timezone.make_aware(datetime.datetime.combine(today, datetime.time(15, 59)))
    assert actions.scheduled_draft(early) == 0 and not Bulletin.objects.filter(date=today).exists()
    late = timezone.make_aware(datetime.datetime.combine(today, datetime.time(16, 1)))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.scheduled_draft(late) == 1
        assert actions.scheduled_draft(late) == 0  # a second scheduler does nothing
    assert Bulletin.objects.filter(date=today).count() == 1
    from core.tasks import send_email

    send_email.call(*taskqueue.latest("send_email").args)
    assert mailoutbox[-1].to == ["daumoi@demo.tincay.invalid"]
    assert "Huyện Kiên Hải" in mailoutbox[-1].body


# --- Who sees what ---------------------------------------------------------------------------------
def test_the_press_sees_issued_bulletins_only(login, people, draft):
    client = login(people[Role.PRESS])
    assert client.get(reverse("situation:bulletin", args=[draft.pk])).status_code == 404
    page = client.get(reverse("situation:bulletins")).content.decode()
    assert "Số: " in page and _("Draft") not in page
    issued = Bulletin.objects.filter(state=B.ISSUED).first()
    assert client.get(reverse("situation:bulletin_file", args=[issued.pk, "pdf"])).status_code == 200
    assert client.get(reverse("situation:bulletin_file", args=[draft.pk, "pdf"])).status_code == 404
    assert client.post(reverse("situation:bulletin_act", args=[issued.pk, "resend_failed"])).status_code == 403
    assert client.get(reverse("situation:home")).status_code == 302
    # The staff page of an issued bulletin (who wrote, returned, approved it; the other agencies'
    # addresses) is not for the press: it reads the public page.
    response = client.get(reverse("situation:bulletin", args=[issued.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("public:bulletin", args=[issued.slug])


def test_a_draft_preview_renders_without_a_number(login, people, draft):
    response = login(people[Role.FOCAL_POINT]).get(reverse("situation:bulletin_file", args=[draft.pk, "pdf"]))
    assert response.status_code == 200 and response.content[:4] == b"%PDF"
    assert "du-thao" in response["Content-Disposition"]


def test_unknown_operations_and_formats_are_404(login, people, draft):
    client = login(people[Role.FOCAL_POINT])
    assert client.post(reverse("situation:bulletin_act", args=[draft.pk, "delete"])).status_code == 404
    assert client.get(reverse("situation:bulletin_file", args=[draft.pk, "exe"])).status_code == 404
    assert client.get(reverse("situation:export", args=["xml"])).status_code == 404


def test_the_home_page_summarises_today(login, people, draft):
    page = login(people[Role.LEADER]).get(reverse("situation:home")).content.decode()
    assert "13/15" in page and "Huyện Kiên Hải" in page and draft.get_state_display() in page
    home = login(people[Role.HEALTH_DATA]).get(reverse("core:home")).content.decode()
    assert "13" in home and "15" in home


def test_the_bulletin_list_takes_few_queries(login, people, django_assert_max_num_queries):
    client = login(people[Role.FOCAL_POINT])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("situation:bulletins")).status_code == 200


def test_administrators_keep_indicators_in_the_admin_and_read_bulletins(login, people):
    client = login(people[Role.ADMIN])
    assert client.get("/admin/situation/indicator/").status_code == 200
    used = Indicator.objects.get(code="ca_cong_dong")
    assert client.get(f"/admin/situation/indicator/{used.pk}/delete/").status_code == 403
    assert client.get("/admin/situation/bulletin/").status_code == 200
    assert client.get("/admin/situation/bulletin/add/").status_code == 403
    assert login(people[Role.HEALTH_DATA]).get("/admin/situation/indicator/").status_code in {302, 403}


def test_a_correction_after_issue_leaves_the_bulletin_as_issued_and_says_so(login, people, root):
    issued = Bulletin.objects.filter(state=B.ISSUED).order_by("-date").first()
    figure = Figure.objects.get(date=issued.date, org_unit__code="899", indicator__code="ca_cong_dong")
    before = next(r for r in issued.facts["rows"] if r["code"] == "899")["values"]["ca_cong_dong"]
    entries = [fig.Entry(unit("899"), {"ca_cong_dong": str(figure.value + 1)}, note="Bổ sung ca báo muộn")]
    assert actions.save_figures(people[Role.HEALTH_DATA], root, issued.date, entries).ok
    issued.refresh_from_db()
    assert next(r for r in issued.facts["rows"] if r["code"] == "899")["values"]["ca_cong_dong"] == before
    page = login(people[Role.FOCAL_POINT]).get(reverse("situation:bulletin", args=[issued.pk])).content.decode()
    assert "1 số liệu của ngày này đã được điều chỉnh sau khi ban hành" in page
    assert reverse("situation:history") in page


# --- Found in review -------------------------------------------------------------------------------
def test_a_day_without_figures_says_so_and_cannot_be_submitted(root, people):
    day = datetime.date(2021, 8, 5)  # the demo has no figures then
    bulletin, created = actions.ensure_draft(people[Role.FOCAL_POINT], root, day)
    assert created and bulletin.summary == "Chưa có số liệu ngày 05/08/2021 của các huyện, thành phố."
    assert "0 ca" not in bulletin.summary
    with pytest.raises(ValidationError):
        actions.submit(people[Role.FOCAL_POINT], bulletin)


def test_a_day_after_one_without_figures_is_not_compared_with_it(root, people):
    day = datetime.date(2021, 8, 6)
    entries = [fig.Entry(unit("899"), {"ca_cong_dong": "4", "khoi_benh": "10"})]
    assert actions.save_figures(people[Role.HEALTH_DATA], root, day, entries).ok
    text = compose.summary_text(compose.facts(root, day))
    assert text.startswith("Trong ngày 06/08/2021, tỉnh Kiên Giang ghi nhận 4 ca mắc mới Covid-19, gồm")
    assert "so với" not in text and "tăng" not in text


def test_submitting_writes_the_text_from_the_latest_figures_unless_edited(root, today, draft, people):
    actions.refresh(draft)
    entries = [fig.Entry(unit("912"), {"ca_cong_dong": "50"})]
    assert actions.save_figures(people[Role.HEALTH_DATA], root, today, entries).ok
    submitted = actions.submit(people[Role.FOCAL_POINT], Bulletin.objects.get(pk=draft.pk))
    assert f"ghi nhận {compose.n(submitted.facts['new_cases_today'])} ca mắc mới" in submitted.summary


def test_opening_an_old_copy_never_overwrites_an_edit(draft, people):
    stale = Bulletin.objects.get(pk=draft.pk)
    actions.edit(people[Role.FOCAL_POINT], draft, "Văn bản của đầu mối.", "Thông điệp")
    actions.refresh(stale)
    draft.refresh_from_db()
    assert draft.edited and draft.summary == "Văn bản của đầu mối."
    actions.recompose(people[Role.FOCAL_POINT], draft)
    draft.refresh_from_db()
    assert not draft.edited and draft.summary.startswith("Trong ngày")
    assert AuditEvent.objects.filter(action="bulletin.recompose").exists()


@pytest.mark.parametrize("raw", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_absurd_dates_are_refused_not_a_500(login, people, root, raw):
    client = login(people[Role.HEALTH_DATA])
    assert client.get(reverse("situation:entry") + f"?date={raw}").status_code == 200
    plan = fig.check(root, datetime.date.fromisoformat(raw), [fig.Entry(unit("912"), {"ca_cong_dong": "1"})])
    assert not plan.ok


def test_a_delivery_whose_files_are_gone_fails_instead_of_staying_sending(people, settings, monkeypatch):
    issued = Bulletin.objects.filter(state=B.ISSUED).first()
    delivery = issued.deliveries.first()
    Delivery.objects.filter(pk=delivery.pk).update(state="queued", attempts=0)

    def gone(self, mode="rb"):  # the stored file was lost (the files are shared by all tests: not deleted)
        raise FileNotFoundError(self.name)

    monkeypatch.setattr("django.db.models.fields.files.FieldFile.open", gone)
    settings.SITUATION_DELIVERY_TRIES = 1
    assert tasks.deliver.call(delivery.pk) == "failed"
    assert Delivery.objects.get(pk=delivery.pk).state == "failed"


def test_the_document_is_dated_and_numbered_when_it_is_issued(root, people, draft):
    from situation import documents

    actions.submit(people[Role.FOCAL_POINT], draft)
    next_year = timezone.make_aware(datetime.datetime(draft.date.year + 1, 1, 2, 9, 0))
    issued = actions.approve(people[Role.LEADER], Bulletin.objects.get(pk=draft.pk), at=next_year)
    assert issued.year == draft.date.year + 1 and issued.number == 1
    doc = documents.document(issued)
    assert doc.date == next_year.date() and doc.subtitle == f"(Số liệu ngày {draft.date:%d/%m/%Y})"
    assert documents.document(Bulletin.objects.get(pk=draft.pk)).date is not None
    assert documents.document(Bulletin(org_unit=root, date=draft.date)).date is None  # a draft: blank


def test_only_a_count_for_the_day_counts_new_cases(people):
    indicator = Indicator.objects.get(code="khoi_benh")
    indicator.new_cases = True
    with pytest.raises(ValidationError):
        actions.save_indicator(people[Role.ADMIN], indicator)
    indicator = Indicator.objects.get(code="khoi_benh")
    indicator.kind = "level"
    with pytest.raises(ValidationError):
        actions.save_indicator(people[Role.ADMIN], indicator)


def test_a_new_draft_takes_the_approved_key_messages_of_the_day(root, people):
    from outreach.models import KeyMessage

    text = compose.default_messages(root, timezone.localdate())
    five_k = KeyMessage.objects.get(title="Thông điệp 5K")
    assert five_k.web_text in text
    assert "Cảnh giác lừa đảo" not in text and "Lịch đi chợ" not in text  # not approved
    KeyMessage.objects.filter(state="approved").update(state="retired")
    last = Bulletin.objects.filter(org_unit=root).exclude(messages="").order_by("-date").first()
    assert compose.default_messages(root, timezone.localdate() + datetime.timedelta(days=1)) == last.messages
