"""The weekly quick report: schedule, frozen expectations, the section workflow, validation,
consolidation rates, reminders, import, API and pages."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.models import Organisation, OrgUnit, Person
from core.roles import Role
from reporting import actions, consolidation, importer, reminders, schedule
from reporting.models import Reminder, ReportCycle, ReportForm, Submission, ValueChange
from tests import taskqueue

S = Submission.State
LOCAL = schedule.LOCAL
RG, PQ = "899", "911"


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LOCAL)


@pytest.fixture
def form():
    return ReportForm.objects.get(code="bao-cao-nhanh-tuyen-truyen")


@pytest.fixture
def current(form):
    return ReportCycle.objects.filter(form=form, kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()


def section(cycle, unit_code, section_code):
    return Submission.objects.select_related("cycle", "section", "org_unit").get(
        cycle=cycle, org_unit__code=unit_code, section__code=section_code
    )


def good_culture(**over):
    values = {
        "portal_items": "12",
        "content": "Tuyên truyền thông điệp 5K và tiêm chủng vắc xin.",
        "communes": [],
        "scope_note": "",
        "unusual": "",
    }
    values.update(over)
    return values


def good_broadcast(**over):
    values = {
        "loudspeaker_items": "40",
        "loudspeaker_minutes": "480",
        "content": "Phát thông báo của BCĐ huyện.",
        "communes": [],
        "scope_note": "",
        "unusual": "",
    }
    values.update(over)
    return values


def fresh_cycle(form, due=None, root=None) -> ReportCycle:
    """A weekly cycle of its own (far in the future), so tests do not depend on the demo's."""
    due = due or at(2030, 1, 4, 10)  # a Friday
    now = due - datetime.timedelta(days=2)
    # The demo's weeks would be this unit's history: keep them out of the outlier check.
    Submission.objects.filter(cycle__due_at__lt=at(2029, 1, 1)).update(nothing_to_report=True)
    ReportCycle.objects.filter(form=form, due_at=due).delete()
    opened = [c for c in actions.ensure_weekly_cycles(now) if c.due_at == due]
    return opened[0]


# --- Schedule -----------------------------------------------------------------------------


def test_weekly_deadline_is_friday_ten_in_vietnam(form):
    assert schedule.next_due_date(form, at(2021, 8, 4, 15)) == datetime.date(2021, 8, 6)
    assert schedule.next_due_date(form, at(2021, 8, 6, 9, 59)) == datetime.date(2021, 8, 6)
    assert schedule.next_due_date(form, at(2021, 8, 6, 10, 0)) == datetime.date(2021, 8, 13)
    # 02:30 UTC on Friday is 09:30 in Vietnam: still before the deadline.
    utc = datetime.datetime(2021, 8, 6, 2, 30, tzinfo=datetime.UTC)
    assert schedule.next_due_date(form, utc) == datetime.date(2021, 8, 6)
    assert schedule.period_for(form, datetime.date(2021, 8, 6)) == (
        datetime.date(2021, 7, 30),
        datetime.date(2021, 8, 5),
    )


def test_weekday_hour_and_window_are_configurable(form):
    form.due_weekday, form.due_time, form.window_days = 0, datetime.time(8, 0), 14
    assert schedule.next_due_date(form, at(2021, 8, 4)) == datetime.date(2021, 8, 9)
    assert schedule.period_for(form, datetime.date(2021, 8, 9)) == (
        datetime.date(2021, 7, 26),
        datetime.date(2021, 8, 8),
    )


def test_on_the_due_morning_both_cycles_are_open(form):
    assert schedule.due_dates_open_at(form, at(2021, 8, 6, 8)) == [
        datetime.date(2021, 8, 6),
        datetime.date(2021, 8, 13),
    ]
    assert schedule.due_dates_open_at(form, at(2021, 8, 4, 8)) == [datetime.date(2021, 8, 6)]


def test_opening_cycles_twice_makes_one_and_freezes_the_expected_units(form):
    due = at(2030, 1, 4, 10)
    cycle = fresh_cycle(form, due)
    assert actions.ensure_weekly_cycles(due - datetime.timedelta(days=1)) == []
    assert ReportCycle.objects.filter(form=form, due_at=due).count() == 1
    districts = OrgUnit.objects.filter(level="district").count()
    assert cycle.submissions.count() == 2 * districts == 30
    assert cycle.window_minutes == 7 * 24 * 60
    # A unit created later is not added to the cycle: past rates never change.
    district = OrgUnit.objects.get(code=RG)
    Organisation.objects.create(name="Phòng VH-TT mới", kind="culture_office", org_unit=OrgUnit.objects.get(code="913"))
    actions.ensure_weekly_cycles(due - datetime.timedelta(hours=1))
    assert cycle.submissions.count() == 30
    assert cycle.submissions.filter(org_unit=district).count() == 2


# --- Workflow -----------------------------------------------------------------------------


def test_draft_submit_return_resubmit_accept(form, people):
    cycle = fresh_cycle(form)
    culture, focal = people[Role.DISTRICT_CULTURE], people[Role.FOCAL_POINT]
    sub = section(cycle, RG, "vhtt")
    out = actions.save_draft(culture, sub, {"portal_items": "7"})
    assert out.submission.state == S.DRAFT and out.submission.values["portal_items"] == 7
    sub = actions.submit(culture, sub, good_culture()).submission
    assert sub.state == S.SUBMITTED and sub.total == 12 and sub.on_time
    assert sub.submitted_by == culture
    actions.return_submission(focal, sub, "Thiếu nội dung phạm vi")
    sub.refresh_from_db()
    assert sub.state == S.RETURNED and not sub.is_reported
    with pytest.raises(actions.Rejected) as e:
        actions.submit(culture, sub, good_culture(portal_items="13"))
    assert "lý do" in e.value.errors["reason"]
    sub = actions.submit(culture, sub, good_culture(portal_items="13"), reason="Bổ sung 1 tin").submission
    change = ValueChange.objects.get(submission=sub)
    assert (change.field_code, change.old, change.new, change.reason) == ("portal_items", 12, 13, "Bổ sung 1 tin")
    actions.accept(focal, sub)
    sub.refresh_from_db()
    assert sub.state == S.ACCEPTED
    with pytest.raises(actions.Rejected):
        actions.submit(culture, sub, good_culture(), reason="x")
    states = list(sub.events.values_list("to_state", flat=True))
    assert states == [S.DRAFT, S.SUBMITTED, S.RETURNED, S.SUBMITTED, S.ACCEPTED]


def test_edit_after_submission_needs_a_reason_and_is_kept(form, people):
    cycle = fresh_cycle(form)
    broadcast = people[Role.DISTRICT_BROADCAST]
    sub = actions.submit(broadcast, section(cycle, RG, "truyenthanh"), good_broadcast()).submission
    with pytest.raises(actions.Rejected):
        actions.submit(broadcast, sub, good_broadcast(loudspeaker_minutes="500"))
    sub = actions.submit(
        broadcast, sub, good_broadcast(loudspeaker_minutes="500"), reason="Nhật ký phát thanh"
    ).submission
    assert sub.values["loudspeaker_minutes"] == 500
    assert sub.changes.get().old == 480
    # An autosave cannot overwrite a submitted section.
    with pytest.raises(actions.Rejected):
        actions.save_draft(broadcast, sub, good_broadcast())


def test_submitted_after_the_deadline_is_late(form, people):
    cycle = fresh_cycle(form)
    ReportCycle.objects.filter(pk=cycle.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    sub = actions.submit(people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture()).submission
    assert not sub.on_time
    c = consolidation.consolidate(ReportCycle.objects.get(pk=cycle.pk))
    assert c.status_counts["late"] == 1 and c.status_counts["missing"] == 29


def test_nothing_to_report_is_explicit(form, people):
    cycle = fresh_cycle(form)
    sub = actions.nothing_to_report(people[Role.DISTRICT_BROADCAST], section(cycle, RG, "truyenthanh")).submission
    assert sub.state == S.SUBMITTED and sub.nothing_to_report and sub.total == 0
    assert sub.values["loudspeaker_minutes"] == 0


def test_only_the_unit_itself_fills_its_section(form, people):
    cycle = fresh_cycle(form)
    culture_rg = section(cycle, RG, "vhtt")
    for role in (Role.DISTRICT_BROADCAST, Role.FOCAL_POINT, Role.LEADER, Role.ADMIN, Role.DISTRICT_STEERING):
        with pytest.raises(PermissionDenied):
            actions.submit(people[role], culture_rg, good_culture())
    pq_culture = Person.objects.get(username="vhtt.phuquoc")
    with pytest.raises(PermissionDenied):
        actions.save_draft(pq_culture, culture_rg, good_culture())
    with pytest.raises(PermissionDenied):
        actions.return_submission(people[Role.DISTRICT_CULTURE], culture_rg, "x")
    culture_rg.refresh_from_db()
    assert culture_rg.state == S.PENDING


# --- Validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, field, words",
    [
        (good_culture(portal_items="-3"), "portal_items", "0 trở lên"),
        (good_culture(portal_items="mười"), "portal_items", "số nguyên"),
        (good_culture(portal_items="2.5"), "portal_items", "số nguyên"),
        (good_culture(portal_items="99999999"), "portal_items", "tối đa"),
        (good_culture(portal_items=""), "portal_items", "bắt buộc"),
        (good_culture(content=""), "content", "bắt buộc"),
        (good_culture(content="a\x00b"), "content", "ký tự điều khiển"),
        (good_culture(content="x" * 4001), "content", "4000"),
        (good_culture(communes=["30280"]), "communes", "không phải xã"),  # a commune of Phú Quốc
        (good_culture(communes="not-a-code!"), "communes", "không phải xã"),
        ({**good_culture(), "hacked": "1"}, "hacked", "không phải trường"),
    ],
)
def test_bad_values_are_refused_with_the_field_named_and_nothing_saved(form, people, values, field, words):
    cycle = fresh_cycle(form)
    sub = section(cycle, RG, "vhtt")
    with pytest.raises(actions.Rejected) as e:
        actions.submit(people[Role.DISTRICT_CULTURE], sub, values)
    assert field in e.value.errors and words in e.value.errors[field], e.value.errors
    sub.refresh_from_db()
    assert sub.state == S.PENDING and sub.values == {}


def test_minutes_cannot_exceed_the_period(form, people):
    cycle = fresh_cycle(form)
    sub = section(cycle, RG, "truyenthanh")
    with pytest.raises(actions.Rejected) as e:
        actions.submit(people[Role.DISTRICT_BROADCAST], sub, good_broadcast(loudspeaker_minutes="10081"))
    assert "10.080" in e.value.errors["loudspeaker_minutes"]
    actions.submit(people[Role.DISTRICT_BROADCAST], sub, good_broadcast(loudspeaker_minutes="10080"))


def test_communes_of_the_district_are_accepted(form, people):
    cycle = fresh_cycle(form)
    communes = list(OrgUnit.objects.filter(parent__code=RG).values_list("code", flat=True)[:3])
    sub = actions.submit(
        people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture(communes=communes)
    ).submission
    assert sub.values["communes"] == communes


def test_a_value_far_from_the_units_history_needs_a_comment(form, people):
    culture = people[Role.DISTRICT_CULTURE]
    for week in range(5):
        c = fresh_cycle(form, at(2030, 1, 4, 10) + datetime.timedelta(days=7 * week))
        actions.submit(culture, section(c, RG, "vhtt"), good_culture(portal_items=str(10 + week % 2)))
    cycle = fresh_cycle(form, at(2030, 2, 8, 10))
    sub = section(cycle, RG, "vhtt")
    with pytest.raises(actions.Rejected) as e:
        actions.submit(culture, sub, good_culture(portal_items="250"))
    assert "trung vị" in e.value.flags["portal_items"]
    sub.refresh_from_db()
    assert sub.state == S.PENDING
    sub = actions.submit(
        culture,
        sub,
        good_culture(portal_items="250"),
        {"portal_items": "Tuần cao điểm, đăng lại toàn bộ văn bản chỉ đạo."},
    ).submission
    assert sub.state == S.SUBMITTED and "cao điểm" in sub.comments["portal_items"]
    # A usual value passes without comment.
    other = section(cycle, RG, "vhtt")
    assert other.values["portal_items"] == 250


# --- Consolidation ------------------------------------------------------------------------


def test_rates_follow_dhis2_definitions(form, people):
    cycle = fresh_cycle(form)
    actions.submit(people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture())
    actions.submit(people[Role.DISTRICT_BROADCAST], section(cycle, RG, "truyenthanh"), good_broadcast())
    pq = Person.objects.get(username="vhtt.phuquoc")
    late = actions.submit(pq, section(cycle, PQ, "vhtt"), good_culture(portal_items="5")).submission
    Submission.objects.filter(pk=late.pk).update(submitted_at=cycle.due_at + datetime.timedelta(hours=3))
    returned = actions.submit(
        Person.objects.get(username="truyenthanh.phuquoc"), section(cycle, PQ, "truyenthanh"), good_broadcast()
    ).submission
    actions.return_submission(people[Role.FOCAL_POINT], returned, "Sai số liệu")
    c = consolidation.consolidate(cycle)
    assert (c.expected, c.reported, c.on_time) == (30, 3, 2)
    assert c.reporting_rate == pytest.approx(10.0) and c.on_time_rate == pytest.approx(100 * 2 / 30)
    assert c.totals["portal_items"] == 17 and c.totals["loudspeaker_items"] == 40
    assert c.grand_total == 57
    rg = next(r for r in c.rows if r.org_unit.code == RG)
    assert rg.complete and rg.total == 52
    trend = consolidation.trend(cycle)
    assert trend[-1]["cycle"] == cycle and trend[-1]["reported"] == 3 and trend[-1]["fields"]["portal_items"] == 17
    assert len(trend) <= consolidation.TREND_CYCLES


def test_demo_has_past_cycles_with_late_and_missing_units(form):
    past = ReportCycle.objects.filter(form=form, due_at__lt=timezone.now())
    assert past.count() >= 12
    counts = {}
    for cycle in past:
        c = consolidation.consolidate(cycle)
        assert 50 < c.reporting_rate <= 100
        for status, n in c.status_counts.items():
            counts[status] = counts.get(status, 0) + n
    assert counts["late"] and counts["missing"] and counts["accepted"] and counts["returned"]


# --- Reminders ----------------------------------------------------------------------------


def test_reminders_go_once_to_units_that_have_not_submitted(
    form, people, mailoutbox, django_capture_on_commit_callbacks
):
    cycle = fresh_cycle(form)
    actions.submit(people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture())
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders.send_reminders(cycle.due_at - datetime.timedelta(hours=23))
        again = reminders.send_reminders(cycle.due_at - datetime.timedelta(hours=22))
    kinds = Reminder.objects.filter(cycle=cycle, kind="due_24h")
    assert again == 0
    # Only organisations with people who have an email are reminded: in the demo, Rạch Giá's
    # broadcasting centre and Phú Quốc's two units.
    assert first == kinds.count() == 3
    assert not kinds.filter(organisation__kind="culture_office", organisation__org_unit__code=RG).exists()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(cycle.due_at - datetime.timedelta(hours=1))
        reminders.send_reminders(cycle.due_at + datetime.timedelta(hours=1))
        reminders.send_reminders(cycle.due_at + datetime.timedelta(hours=5))
    assert Reminder.objects.filter(cycle=cycle, kind="due_2h").count() == 3
    late = Reminder.objects.get(cycle=cycle, kind="late_list")
    assert late.recipients == [people[Role.FOCAL_POINT].email]


# --- Import -------------------------------------------------------------------------------


def _csv(rows):
    head = (
        "org_unit,section,portal_items,loudspeaker_items,loudspeaker_minutes,content,submitted_at,nothing_to_report\n"
    )
    return (head + "\n".join(rows) + "\n").encode()


def test_import_dry_run_changes_nothing_then_applies(form, people):
    cycle = fresh_cycle(form, at(2026, 1, 2, 10))  # a past week: received times can be given
    data = _csv([f"{RG},vhtt,9,,,Tuyên truyền 5K,,", f"{PQ},truyenthanh,,30,300,Phát loa,01/01/2026 08:00,"])
    result = importer.import_cycle(people[Role.FOCAL_POINT], cycle, data, "zalo.csv", dry_run=True)
    assert result.ok and len(result.rows) == 2
    assert cycle.submissions.filter(state=S.SUBMITTED).count() == 0
    result = importer.import_cycle(people[Role.FOCAL_POINT], cycle, data, "zalo.csv", dry_run=False)
    assert result.applied == 2
    pq = section(cycle, PQ, "truyenthanh")
    assert pq.state == S.SUBMITTED and pq.values["loudspeaker_minutes"] == 300
    assert timezone.localtime(pq.submitted_at).strftime("%d/%m/%Y %H:%M") == "01/01/2026 08:00"


def test_import_names_every_bad_line_and_column_and_changes_nothing(form, people):
    cycle = fresh_cycle(form)
    data = _csv(
        [
            f"{RG},vhtt,9,,,Tuyên truyền 5K,,",
            f"{RG},vhtt,9,,,Trùng dòng,,",
            f"{PQ},truyenthanh,,-1,300,Phát loa,,",
            "99999,vhtt,1,,,x,,",
            f"{PQ},vhtt,2,,,x,32/13/2030 25:00,",
        ]
    )
    result = importer.import_cycle(people[Role.FOCAL_POINT], cycle, data, "bad.csv", dry_run=False)
    text = "\n".join(result.problems)
    assert not result.ok and result.applied == 0
    assert (
        "Dòng 3" in text
        and "Dòng 4, cột loudspeaker_items" in text
        and "Dòng 5" in text
        and "Dòng 6, cột submitted_at" in text
    )
    assert cycle.submissions.exclude(state=S.PENDING).count() == 0


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"PK\x03\x04broken zip", "XLSX"),
        (b"", "trống"),
        (b"org_unit,section,evil\n899,vhtt,1\n", "evil"),
    ],
)
def test_import_refuses_unreadable_files(form, people, data, words):
    cycle = fresh_cycle(form)
    result = importer.import_cycle(people[Role.FOCAL_POINT], cycle, data, "x.csv", dry_run=False)
    assert not result.ok and words in " ".join(result.problems)


def test_import_reads_xlsx(form, people):
    from openpyxl import Workbook

    cycle = fresh_cycle(form)
    book = Workbook()
    sheet = book.active
    sheet.append(["org_unit", "section", "loudspeaker_items", "loudspeaker_minutes", "content"])
    sheet.append([RG, "truyenthanh", 25, 360, "Phát thông điệp 5K"])
    buf = io.BytesIO()
    book.save(buf)
    result = importer.import_cycle(people[Role.FOCAL_POINT], cycle, buf.getvalue(), "tong-hop.xlsx", dry_run=False)
    assert result.ok, result.problems
    assert section(cycle, RG, "truyenthanh").values["loudspeaker_items"] == 25


# --- Pages --------------------------------------------------------------------------------


def test_district_fills_and_submits_through_the_page(client, people, form):
    cycle = fresh_cycle(form)
    client.force_login(people[Role.DISTRICT_CULTURE])
    sub = section(cycle, RG, "vhtt")
    page = client.get(reverse("reporting:district_report", args=[cycle.pk, RG]))
    assert page.status_code == 200 and "Số lượng tin/bài tuyên truyền trên Cổng TTĐT thành phần" in page.text
    saved = client.post(
        reverse("reporting:submission_save", args=[sub.pk]),
        {"portal_items": "4", "version": "0"},
        headers={"HX-Request": "true"},
    )
    assert "Đã lưu nháp" in saved.text
    bad = client.post(reverse("reporting:submission_submit", args=[sub.pk]), {"portal_items": "-1", "content": ""})
    assert bad.status_code == 400 and "0 trở lên" in bad.text and "bắt buộc" in bad.text
    sub.refresh_from_db()
    assert sub.state == S.DRAFT and sub.values["portal_items"] == 4
    ok = client.post(reverse("reporting:submission_submit", args=[sub.pk]), {"portal_items": "6", "content": "5K"})
    assert ok.status_code == 302
    sub.refresh_from_db()
    assert sub.state == S.SUBMITTED and sub.values["portal_items"] == 6


def test_district_cannot_open_a_sibling_district_or_the_consolidation(client, people, current):
    client.force_login(people[Role.DISTRICT_CULTURE])
    assert client.get(reverse("reporting:district_report", args=[current.pk, PQ])).status_code == 404
    response = client.get(reverse("reporting:cycle_detail", args=[current.pk]))
    assert response.status_code == 302 and f"/district/{RG}/" in response["Location"]
    assert client.get(reverse("reporting:cycle_export", args=[current.pk, "docx"])).status_code == 403
    pq_section = section(current, PQ, "vhtt")
    assert client.post(reverse("reporting:submission_submit", args=[pq_section.pk]), good_culture()).status_code == 404


def test_consolidation_page_shows_every_district_rates_and_free_text(client, people, form):
    cycle = ReportCycle.objects.filter(form=form, due_at__lt=timezone.now()).first()
    client.force_login(people[Role.FOCAL_POINT])
    page = client.get(reverse("reporting:cycle_detail", args=[cycle.pk]))
    assert page.status_code == 200
    for unit in OrgUnit.objects.filter(level="district"):
        assert unit.name in page.text
    assert "Tỷ lệ báo cáo" in page.text or "tỷ lệ báo cáo" in page.text
    assert "data:image/svg+xml;base64," in page.text
    assert "Đã tiếp nhận" in page.text and ("Trễ hạn" in page.text or "Chưa báo cáo" in page.text)
    # The free text of every district comes with the page when scrolled to (htmx), or with ?texts=1.
    texts = client.get(reverse("reporting:cycle_detail", args=[cycle.pk]) + "?texts=1", headers={"HX-Request": "true"})
    assert "<html" not in texts.text and "Tuyên truyền" in texts.text and "Nội dung tuyên truyền" in texts.text
    assert "Tuyên truyền" in client.get(reverse("reporting:cycle_detail", args=[cycle.pk]) + "?texts=1").text


def _docx_text(data: bytes) -> tuple[str, list]:
    import docx

    document = docx.Document(io.BytesIO(data))
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    return "\n".join(p.text for p in document.paragraphs), rows


def test_consolidated_report_has_every_district_in_docx_pdf_and_xlsx(client, people, form):
    import subprocess

    from openpyxl import load_workbook

    cycle = ReportCycle.objects.filter(form=form, due_at__lt=timezone.now()).first()
    client.force_login(people[Role.FOCAL_POINT])
    c = consolidation.consolidate(cycle)
    response = client.get(reverse("reporting:cycle_export", args=[cycle.pk, "docx"]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.docx"')
    _text, rows = _docx_text(response.content)
    for row in c.rows:
        line = next(r for r in rows if row.org_unit.name in r)
        assert line[5] == str(row.total), (row.org_unit.name, line)
    total = next(r for r in rows if "Tổng cộng" in r)
    assert total[5] == f"{c.grand_total:,}".replace(",", ".")
    pdf = client.get(reverse("reporting:cycle_export", args=[cycle.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Giang Thành" in text and "Kiên Hải" in text
    xlsx = client.get(reverse("reporting:cycle_export", args=[cycle.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    rach_gia = next(r for r in values if "Thành phố Rạch Giá" in r)
    assert rach_gia[5] == next(r for r in c.rows if r.org_unit.code == RG).total


def test_district_docx_follows_the_plans_form(client, people, form):
    cycle = fresh_cycle(form)
    communes = list(OrgUnit.objects.filter(parent__code=RG).values_list("code", flat=True)[:2])
    actions.submit(people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture(communes=communes))
    actions.submit(
        people[Role.DISTRICT_BROADCAST],
        section(cycle, RG, "truyenthanh"),
        good_broadcast(communes=communes, unusual="Tin đồn phong tỏa trên Zalo."),
    )
    client.force_login(people[Role.DISTRICT_BROADCAST])
    response = client.get(reverse("reporting:district_export", args=[cycle.pk, RG]))
    text, _rows = _docx_text(response.content)
    assert "Tổng số lượng tin, bài tuyên truyền: 52." in text
    assert "2. Nội dung tuyên truyền" in text and "3. Phạm vi tuyên truyền" in text
    assert "4. Các thông tin bất thường xảy ra trên địa bàn" in text and "Tin đồn phong tỏa" in text
    names = OrgUnit.objects.filter(code__in=communes).values_list("name", flat=True)
    assert text.count(names[0]) == 1  # the communes of both units, once each


def test_adhoc_request_opens_a_cycle_for_the_chosen_area(client, people, form, django_capture_on_commit_callbacks):
    tasks_before = taskqueue.count()
    client.force_login(people[Role.FOCAL_POINT])
    due = timezone.localdate() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:cycle_create"),
            {
                "form": form.pk,
                "title": "Báo cáo đột xuất ổ dịch Phú Quốc",
                "note": "Gửi ngay",
                "root": OrgUnit.objects.get(code=PQ).pk,
                "period_start": "2021-08-01",
                "period_end": "2021-08-03",
                "due_date": due.isoformat(),
                "due_time": "17:00",
            },
        )
    assert response.status_code == 302
    cycle = ReportCycle.objects.get(kind="adhoc", title="Báo cáo đột xuất ổ dịch Phú Quốc")
    assert set(cycle.submissions.values_list("org_unit__code", flat=True)) == {PQ}
    assert timezone.localtime(cycle.due_at).hour == 17
    # The two units of Phú Quốc are told at once, one email each person.
    assert (
        taskqueue.count() - tasks_before
        == Person.objects.filter(
            organisation__org_unit__code=PQ, organisation__kind__in=["culture_office", "broadcast_centre"]
        )
        .exclude(email="")
        .count()
        == 2
    )
    bad = client.post(reverse("reporting:cycle_create"), {"form": form.pk, "title": "", "root": 1})
    assert bad.status_code == 400


# --- API ----------------------------------------------------------------------------------


def test_district_submits_through_the_api(client, people, form):
    from core.models import ApiToken

    cycle = fresh_cycle(form)
    _token, key = ApiToken.issue(people[Role.DISTRICT_BROADCAST], "phần mềm đài")
    headers = {"Authorization": f"Bearer {key}"}
    listed = client.get(f"/api/v1/reports/cycles/{cycle.pk}/sections", headers=headers).json()
    own = next(s for s in listed["items"] if s["section"] == "truyenthanh")
    assert {s["org_unit_code"] for s in listed["items"]} == {RG}
    bad = client.put(
        f"/api/v1/reports/sections/{own['id']}",
        {"values": good_broadcast(loudspeaker_items="-4")},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 422 and "0 trở lên" in bad.json()["errors"]["loudspeaker_items"]
    ok = client.put(
        f"/api/v1/reports/sections/{own['id']}",
        {"values": {**good_broadcast(), "loudspeaker_items": 41}},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["state"] == "submitted" and ok.json()["total"] == 41
    culture = next(s for s in listed["items"] if s["section"] == "vhtt")
    other = client.put(
        f"/api/v1/reports/sections/{culture['id']}",
        {"values": good_culture()},
        content_type="application/json",
        headers=headers,
    )
    assert other.status_code == 403
    garbage = client.put(
        f"/api/v1/reports/sections/{own['id']}", "not json", content_type="application/json", headers=headers
    )
    assert garbage.status_code in {400, 422}


def test_import_template_lists_every_expected_section_and_imports_back(client, people, form):
    cycle = fresh_cycle(form)
    client.force_login(people[Role.FOCAL_POINT])
    response = client.get(reverse("reporting:cycle_import", args=[cycle.pk]) + "?template=1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("org_unit,section,portal_items") and len(lines) == 31
    # Filled in for one unit and imported: the rest left empty is an error that names the lines.
    filled = [lines[0], lines[1].replace(",,", ",5,", 1)]
    result = importer.plan(cycle, "\n".join(lines).encode(), "mau.csv")
    assert not result.ok and "Dòng 2" in " ".join(result.problems)
    problems = " ".join(importer.plan(cycle, "\n".join(filled).encode(), "mau.csv").problems)
    assert "Dòng 2, cột content" in problems and "bắt buộc" in problems


def test_a_new_field_added_in_admin_appears_in_the_form_without_code(client, people, form):
    from core.models import AuditEvent

    section_rg = form.sections.get(code="vhtt")
    client.force_login(people[Role.ADMIN])
    url = reverse("admin:reporting_formsection_change", args=[section_rg.pk])
    page = client.get(url)
    assert page.status_code == 200
    fields = list(section_rg.fields.all())
    data = {
        "form": form.pk,
        "code": "vhtt",
        "title": section_rg.title,
        "short_title": section_rg.short_title,
        "owner_kind": section_rg.owner_kind,
        "order": section_rg.order,
        "fields-TOTAL_FORMS": len(fields) + 1,
        "fields-INITIAL_FORMS": len(fields),
        "fields-MIN_NUM_FORMS": 0,
        "fields-MAX_NUM_FORMS": 1000,
    }
    for i, f in enumerate([*fields, None]):
        new = {
            "id": "",
            "code": "zalo_posts",
            "label": "Số tin, bài trên trang Zalo OA",
            "short_label": "Zalo",
            "part": "",
            "kind": "count",
            "order": 9,
        }
        values = new if f is None else {k: getattr(f, "pk" if k == "id" else k) for k in new}
        values = {**values, "section": section_rg.pk, "help_text": ""}
        if f is None or f.required:
            values["required"] = "" if f is None else "on"
        if f is None or f.in_total:
            values["in_total"] = "on"
        data.update({f"fields-{i}-{k}": v for k, v in values.items() if v != ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="formfield.create").exists()
    cycle = fresh_cycle(form)
    sub = actions.submit(
        people[Role.DISTRICT_CULTURE], section(cycle, RG, "vhtt"), good_culture(zalo_posts="4")
    ).submission
    assert sub.values["zalo_posts"] == 4 and sub.total == 16  # counted in the total
    client.force_login(people[Role.DISTRICT_CULTURE])
    assert (
        "Số tin, bài trên trang Zalo OA" in client.get(reverse("reporting:district_report", args=[cycle.pk, RG])).text
    )


# --- Hostile input (found in review) -------------------------------------------------------


def _xlsx_bytes(mutate=None) -> bytes:
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["org_unit", "section", "portal_items", "content"])
    book.active.append([RG, "vhtt", 3, "5K"])
    buf = io.BytesIO()
    book.save(buf)
    if mutate is None:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, mutate(item.filename, src.read(item.filename)))
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"org_unit,section,content\n899,vhtt," + b"x" * 140_000 + b"\n", "long.csv", "Dòng"),
        (_xlsx_bytes(lambda n, b: b[: len(b) // 2] if n.endswith("sheet1.xml") else b), "cut.xlsx", "XLSX"),
        (_xlsx_bytes(lambda n, b: b"<not xml" if n == "xl/workbook.xml" else b), "bad.xlsx", "XLSX"),
        (
            _xlsx_bytes(lambda n, b: b.replace(b"<sheets>", b"<sheets/><x>") if n == "xl/workbook.xml" else b),
            "nosheet.xlsx",
            "XLSX",
        ),
        (_xlsx_bytes(lambda n, b: b + b" " * (21 * 2**20) if n.endswith("sheet1.xml") else b), "bomb.xlsx", "MB"),
    ],
)
def test_import_of_hostile_files_is_a_message_not_a_500(client, people, form, data, name, words):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cycle = fresh_cycle(form)
    client.force_login(people[Role.FOCAL_POINT])
    upload = SimpleUploadedFile(name, data)
    response = client.post(reverse("reporting:cycle_import", args=[cycle.pk]), {"file": upload, "dry_run": ""})
    assert response.status_code == 400 and words in response.text
    assert cycle.submissions.exclude(state=S.PENDING).count() == 0


def test_import_refuses_backdated_times_and_bad_comments(form, people):
    cycle = fresh_cycle(form)
    head = "org_unit,section,portal_items,content,comment_portal_items,submitted_at\n"
    data = (head + f"{RG},vhtt,3,5K,,01/01/2000 00:00\n{PQ},vhtt,3,5K,a\x07b,\n").encode()
    result = importer.plan(cycle, data, "x.csv")
    text = " ".join(result.problems)
    assert "Dòng 2, cột submitted_at" in text and "Dòng 3, cột comment_portal_items" in text and not result.rows


def test_hostile_text_and_codes_are_refused_before_the_database(form, people):
    cycle = fresh_cycle(form)
    sub = section(cycle, RG, "vhtt")
    for values, field in (
        (good_culture(communes=["a\x00b"]), "communes"),
        (good_culture(content="ab\ud800"), "content"),
    ):
        with pytest.raises(actions.Rejected) as e:
            actions.submit(people[Role.DISTRICT_CULTURE], sub, values)
        assert field in e.value.errors
    with pytest.raises(actions.Rejected) as e:
        actions.submit(people[Role.DISTRICT_CULTURE], sub, good_culture(), {"portal_items": "x\ud800"})
    assert "portal_items" in e.value.errors


def test_api_answers_unparseable_json_in_vietnamese(client, people, form):
    from core.models import ApiToken

    cycle = fresh_cycle(form)
    _token, key = ApiToken.issue(people[Role.DISTRICT_CULTURE], "x")
    sub = section(cycle, RG, "vhtt")
    body = '{"values": {"portal_items": ' + "9" * 5000 + "}}"
    response = client.put(
        f"/api/v1/reports/sections/{sub.pk}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400 and "JSON" in response.json()["detail"] and "không" in response.json()["detail"]


def test_workflow_refuses_double_return_and_stale_tabs(form, people):
    cycle = fresh_cycle(form)
    culture, focal = people[Role.DISTRICT_CULTURE], people[Role.FOCAL_POINT]
    sub = actions.save_draft(culture, section(cycle, RG, "vhtt"), {"portal_items": "2"}).submission
    stale = sub.version - 1
    with pytest.raises(actions.Rejected):
        actions.submit(culture, sub, good_culture(), version=stale)
    sub = actions.submit(culture, sub, good_culture(), version=sub.version).submission
    actions.return_submission(focal, sub, "lần 1")
    with pytest.raises(actions.Rejected):
        actions.return_submission(focal, sub, "lần 2")
    sub = actions.submit(culture, sub, good_culture(portal_items="13"), reason="Sửa theo yêu cầu").submission
    assert sub.events.last().reason == "Sửa theo yêu cầu"


def test_adhoc_deadline_cannot_precede_the_period(form, people):
    with pytest.raises(actions.Rejected) as e:
        actions.open_adhoc_cycle(
            people[Role.FOCAL_POINT],
            form=form,
            title="x",
            note="",
            root=OrgUnit.objects.get(code=PQ),
            period_start=datetime.date(2030, 1, 1),
            period_end=datetime.date(2030, 1, 7),
            due_at=at(2030, 1, 2, 10),
        )
    assert "due_at" in e.value.errors


def test_number_field_codes_are_unique_in_a_form(form):
    from django.core.exceptions import ValidationError

    from reporting.models import FormField

    clash = FormField(section=form.sections.get(code="truyenthanh"), code="portal_items", label="x", kind="count")
    with pytest.raises(ValidationError):
        clash.full_clean()


def test_import_writes_an_audit_event_per_section(form, people):
    from core.models import AuditEvent

    cycle = fresh_cycle(form)
    data = f"org_unit,section,portal_items,content\n{RG},vhtt,9,5K\n{PQ},vhtt,4,5K\n".encode()
    importer.import_cycle(people[Role.FOCAL_POINT], cycle, data, "x.csv", dry_run=False)
    events = AuditEvent.objects.filter(
        action="report.submit",
        object_type="reporting.submission",
        object_id__in=[str(s.pk) for s in cycle.submissions.all()],
    )
    assert events.count() == 2 and all(e.actor == people[Role.FOCAL_POINT] for e in events)


def test_the_scheduler_opens_the_week_and_runs_the_reminders_once(form, mailoutbox, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from core import scheduler

    now = at(2031, 3, 6, 11)  # a Thursday, 23 h before the cycle due Friday 07/03 10:00
    with django_capture_on_commit_callbacks(execute=True):
        first = scheduler.run_once(now)
        same_minute = scheduler.run_once(now)  # a second scheduler: the minute is claimed
        again = scheduler.run_once(now + datetime.timedelta(minutes=1))  # the jobs run, find nothing new
    assert set(same_minute.values()) == {scheduler.SKIPPED}
    assert first["reporting.open_cycles"] == 1 and again["reporting.open_cycles"] == 0
    cycle = ReportCycle.objects.get(form=form, due_at=at(2031, 3, 7, 10))
    assert first["reporting.reminders"] >= 1 and again["reporting.reminders"] == 0
    assert Reminder.objects.filter(cycle=cycle, kind="due_24h").count() == first["reporting.reminders"]
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "reporting.open_cycles" in out.getvalue()


def test_home_page_says_where_this_weeks_report_stands(client, people):
    client.force_login(people[Role.DISTRICT_CULTURE])
    assert "Phần của đơn vị: chưa gửi (hạn" in client.get("/").text
    client.force_login(people[Role.FOCAL_POINT])
    assert "phần báo cáo (hạn" in client.get("/").text
    client.force_login(people[Role.INSPECTOR])
    assert "phần báo cáo (hạn" not in client.get("/").text


def test_english_pages_show_the_english_wording_documents_stay_vietnamese(client, people, current):
    client.force_login(people[Role.DISTRICT_CULTURE])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("reporting:district_report", args=[current.pk, RG]))
    assert "News items and articles on the district&#x27;s web portal" in page.text
    assert "Culture and Information Office" in page.text
    text, _rows = _docx_text(client.get(reverse("reporting:district_export", args=[current.pk, RG])).content)
    assert "Tổng số lượng tin, bài tuyên truyền" in text and "2. Nội dung tuyên truyền" in text


def test_a_workbook_declaring_a_huge_sheet_is_read_as_it_is(tmp_path):
    """A small workbook whose dimension says A1:XFD1048576: read row by row as wide as its cells
    (openpyxl would pad every row to 16,384 cells), so the import is as quick as any other."""
    import io
    import zipfile

    from openpyxl import Workbook

    from reporting import importer

    book = Workbook()
    sheet = book.active
    sheet.append(["org_unit", "section"])
    for i in range(200):
        sheet.append(["899", f"s{i}"])
    out = io.BytesIO()
    book.save(out)
    crafted = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B201"/>', b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in data
            target.writestr(item, data)
    table = importer._read_xlsx(crafted.getvalue())
    assert len(table) == 201 and max(len(row) for row in table) == 2
