"""Requests to the carriers to text every subscriber in an area: written by a sender, signed by a
leader (a numbered letter per carrier, Decree 30 layout, emailed with its PDF and DOCX), the reach
each carrier reports on the page or through the API, the totals."""

import datetime
import io
import json
import subprocess
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import ApiToken, AuditEvent, Organisation, OrgUnit
from core.roles import Role
from outreach import carriers, tasks
from outreach.models import CarrierLine, CarrierRequest, KeyMessage
from tests import taskqueue


@pytest.fixture(autouse=True)
def _no_demo_requests():
    CarrierRequest.objects.all().delete()


@pytest.fixture
def message():
    return KeyMessage.objects.get(title="Thông điệp 5K")


def window(hours=1, length=5):
    now = timezone.now()
    return now + datetime.timedelta(hours=hours), now + datetime.timedelta(hours=hours + length)


def draft(people, message, code="91"):
    start, end = window()
    return carriers.create(people[Role.FOCAL_POINT], message, OrgUnit.objects.get(code=code), start, end,
                           carriers.carriers())  # fmt: skip


def test_a_leader_signs_and_each_carrier_gets_a_numbered_letter(people, message, django_capture_on_commit_callbacks):
    Organisation.objects.filter(short_name="Viettel").update(email="vtkg@viettel.example")
    request = draft(people, message)
    assert [line.number for line in request.lines.all()] == ["", "", ""]
    before = taskqueue.count()
    with django_capture_on_commit_callbacks(execute=True):
        carriers.sign(people[Role.LEADER], request)
    assert taskqueue.count() == before + 1  # one letter to email: Viettel's
    assert tasks.email_carrier_letter.call(request.lines.get(carrier__short_name="Viettel").pk) == 1
    request.refresh_from_db()
    assert request.state == "sent" and request.signed_on == timezone.localdate()
    lines = list(request.lines.order_by("serial"))
    year_start = CarrierLine.objects.exclude(request=request).filter(request__signed_on__year=timezone.localdate().year)
    first = (max(year_start.values_list("serial", flat=True), default=0) or 0) + 1
    assert [line.serial for line in lines] == [first, first + 1, first + 2]
    assert all(line.number.endswith("/STTTT-BCVT") for line in lines)
    # Only Viettel has an address: one email with the letter as PDF and DOCX.
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["vtkg@viettel.example"] and "nhắn tin" in sent.subject
    names = [a[0] for a in sent.attachments]
    assert names[0].endswith(".pdf") and names[1].endswith(".docx") and "viettel" in names[0]
    assert sent.attachments[0][1][:5] == b"%PDF-"
    viettel = request.lines.get(carrier__short_name="Viettel")
    assert viettel.emailed_at is not None
    assert tasks.email_carrier_letter.call(viettel.pk) == 0  # claimed: not sent twice
    assert AuditEvent.objects.filter(action="carrier_request.sign", object_id=str(request.pk)).exists()
    with pytest.raises(ValidationError):
        carriers.sign(people[Role.LEADER], request)


def test_the_letter_follows_decree_30_and_names_the_carrier_area_text_and_window(people, message, tmp_path):
    request = carriers.sign(people[Role.LEADER], draft(people, message, code="911"))
    line = request.lines.get(carrier__short_name="Viettel")
    data = carriers.letter_file(line, "docx")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f"Số: {line.number}", "V/v nhắn tin tuyên truyền",
                 "Kính gửi: Viettel Kiên Giang", "Thành phố Phú Quốc", "Kế hoạch số 52/KH-STTTT", "Nơi nhận"):
        assert text in xml, text  # fmt: skip
    pdf = carriers.letter_file(line, "pdf")
    (tmp_path / "l.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Kính gửi: Viettel Kiên Giang" in text and "Phú Quốc" in text and line.number in text
    assert timezone.localtime(request.window_start).strftime("%d/%m/%Y") in text


def test_only_senders_write_only_leaders_sign_and_bad_requests_are_refused(people, message):
    start, end = window()
    province = OrgUnit.objects.get(code="91")
    with pytest.raises(PermissionDenied):
        carriers.create(people[Role.LEADER], message, province, start, end, carriers.carriers())
    request = draft(people, message)
    with pytest.raises(PermissionDenied):
        carriers.sign(people[Role.FOCAL_POINT], request)
    for kwargs, field in [
        ({"window_start": timezone.now() - datetime.timedelta(hours=1)}, "window_start"),
        ({"window_end": start}, "window_end"),
        ({"window_end": start + datetime.timedelta(days=8)}, "window_end"),
        ({"chosen": []}, "carriers"),
        ({"chosen": Organisation.objects.filter(kind="press")}, "carriers"),
        ({"message": KeyMessage.objects.get(title="Lịch đi chợ theo phiếu")}, "key_message"),
    ]:
        args = {"message": message, "area": province, "window_start": start, "window_end": end,
                "chosen": carriers.carriers()} | kwargs  # fmt: skip
        with pytest.raises(ValidationError) as error:
            carriers.create(people[Role.FOCAL_POINT], **args)
        assert field in error.value.message_dict, field
    assert CarrierRequest.objects.count() == 1


def test_a_carrier_reports_its_reach_and_the_totals_add_up(people, message, login):
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    vnpt = request.lines.get(carrier__short_name="VNPT")
    viettel = request.lines.get(carrier__short_name="Viettel")
    carrier_staff = people[Role.CARRIER]  # VNPT
    with pytest.raises(PermissionDenied):
        carriers.report(carrier_staff, viettel, reached=10, sent_at=timezone.now())
    carriers.report(carrier_staff, vnpt, reached=402_113, sent_at=timezone.now())
    carriers.report(people[Role.TELECOM_IT], viettel, reached=600_000, sent_at=timezone.now(), note="Qua điện thoại")
    mobifone = request.lines.get(carrier__short_name="MobiFone")
    with pytest.raises(ValidationError) as error:
        carriers.report(people[Role.FOCAL_POINT], mobifone, declined=True)
    assert "note" in error.value.message_dict
    carriers.report(people[Role.FOCAL_POINT], mobifone, declined=True, note="Hết hạn mức tin nhắn miễn phí")
    assert carriers.totals(request) == {"carriers": 3, "reported": 2, "declined": 1, "reached": 1_002_113}
    page = login(people[Role.FOCAL_POINT]).get(reverse("outreach:carrier_request", args=[request.pk])).content.decode()
    assert "1.002.113" in page and "Hết hạn mức" in page
    # The carrier's staff see their own letter only.
    mine = login(carrier_staff).get(reverse("outreach:carrier_request", args=[request.pk])).content.decode()
    assert "VNPT Kiên Giang" in mine and "Viettel Kiên Giang" not in mine and "1.002.113" not in mine


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reached": -1}, "reached"),
        ({"reached": 10**9}, "reached"),
        ({"reached": True}, "reached"),
        ({"reached": None}, "reached"),
        ({"sent_at": None}, "sent_at"),
        ({"sent_at": "hôm qua"}, "sent_at"),
        ({"note": "a\x00"}, "note"),
    ],
)
def test_a_bad_report_is_refused_by_field(people, message, kwargs, field):
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    line = request.lines.first()
    with pytest.raises(ValidationError) as error:
        carriers.report(people[Role.FOCAL_POINT], line, **({"reached": 5, "sent_at": timezone.now()} | kwargs))
    assert field in error.value.message_dict
    line.refresh_from_db()
    assert line.state == "waiting" and line.reached is None


def test_a_report_in_the_future_or_before_signing_is_refused(people, message):
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    line = request.lines.first()
    for when in (timezone.now() + datetime.timedelta(days=1), timezone.now() - datetime.timedelta(days=3)):
        with pytest.raises(ValidationError):
            carriers.report(people[Role.FOCAL_POINT], line, reached=5, sent_at=when)
    with pytest.raises(ValidationError):  # a draft is not reported on
        carriers.report(people[Role.FOCAL_POINT], draft(people, message).lines.first(), reached=5,
                        sent_at=timezone.now())  # fmt: skip


def test_a_carriers_system_reads_its_letters_and_pushes_its_reach(client, people, message):
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    _token, key = ApiToken.issue(people[Role.CARRIER], "test")
    headers = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/v1/outreach/carrier-lines", headers=headers).json()
    assert listed["count"] == 1 and listed["items"][0]["carrier"] == "VNPT Kiên Giang"
    line_id = listed["items"][0]["id"]
    other = request.lines.exclude(pk=line_id).first()

    def put(pk, body):
        return client.put(f"/api/v1/outreach/carrier-lines/{pk}", json.dumps(body), content_type="application/json",
                          headers=headers)  # fmt: skip

    assert put(other.pk, {"reached": 5, "sent_at": timezone.now().isoformat()}).status_code == 404
    bad = put(line_id, {"reached": -3, "sent_at": "2999-01-01T00:00:00+07:00"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"reached", "sent_at"}
    assert put(line_id, {"reached": "nhiều"}).status_code == 422
    ok = put(line_id, {"reached": 402113, "sent_at": timezone.now().isoformat(), "note": "Đã gửi"})
    assert ok.status_code == 200 and ok.json()["state"] == "reported" and ok.json()["reached"] == 402113


def test_the_request_is_written_signed_and_reported_from_the_pages(people, message, login):
    client = login(people[Role.FOCAL_POINT])
    start, end = window()
    data = {"key_message": message.pk, "org_unit": OrgUnit.objects.get(code="899").pk,
            "window_start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "window_end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
            "carriers": list(carriers.carriers().values_list("pk", flat=True))}  # fmt: skip
    bad = client.post(reverse("outreach:carrier_request_new"), data | {"window_end": data["window_start"]})
    assert bad.status_code == 422 and CarrierRequest.objects.count() == 0
    response = client.post(reverse("outreach:carrier_request_new"), data)
    assert response.status_code == 302
    request = CarrierRequest.objects.get()
    line = request.lines.get(carrier__short_name="VNPT")
    draft_letter = client.get(reverse("outreach:carrier_letter", args=[line.pk, "docx"]))
    assert draft_letter.status_code == 200 and draft_letter.content[:2] == b"PK"
    assert login(people[Role.CARRIER]).get(reverse("outreach:carrier_request", args=[request.pk])).status_code == 404
    leader = login(people[Role.LEADER])
    assert leader.post(reverse("outreach:carrier_request_sign", args=[request.pk])).status_code == 302
    carrier = login(people[Role.CARRIER])
    prefix = f"l{line.pk}-"
    response = carrier.post(reverse("outreach:carrier_report", args=[line.pk]),
                            {prefix + "reached": "abc", prefix + "sent_at": ""})  # fmt: skip
    assert response.status_code == 422
    response = carrier.post(
        reverse("outreach:carrier_report", args=[line.pk]),
        {prefix + "reached": "88000", prefix + "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.state, line.reached, line.reported_by) == ("reported", 88000, people[Role.CARRIER])
    other = request.lines.exclude(pk=line.pk).first()
    assert carrier.post(reverse("outreach:carrier_report", args=[other.pk]), {}).status_code == 404
    assert carrier.get(reverse("outreach:carrier_letter", args=[other.pk, "pdf"])).status_code == 404


def test_a_carrier_sees_only_its_own_reach_in_the_list(people, message, login):
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    carriers.report(people[Role.TELECOM_IT], request.lines.get(carrier__short_name="Viettel"), reached=654_321,
                    sent_at=timezone.now())  # fmt: skip
    mine = login(people[Role.CARRIER]).get(reverse("outreach:carrier_requests")).content.decode()
    assert "654.321" not in mine and "0/1" in mine
    staff = login(people[Role.FOCAL_POINT]).get(reverse("outreach:carrier_requests")).content.decode()
    assert "654.321" in staff and "1/3" in staff


def test_a_retired_message_or_a_window_already_begun_is_not_signed(people, message):
    from outreach import actions

    request = draft(people, message)
    actions.retire(people[Role.FOCAL_POINT], message)
    with pytest.raises(ValidationError):
        carriers.sign(people[Role.LEADER], request)
    request.refresh_from_db()
    assert request.state == "draft" and all(not line.number for line in request.lines.all())
    fresh = KeyMessage.objects.get(title="Báo tin sai sự thật về dịch bệnh")
    late = draft(people, fresh)
    with pytest.raises(ValidationError):
        carriers.sign(people[Role.LEADER], late, now=late.window_start + datetime.timedelta(minutes=30))


def test_a_letter_that_fails_to_render_is_sent_later(people, message, monkeypatch, django_capture_on_commit_callbacks):
    Organisation.objects.filter(short_name="VNPT").update(email="vnptkg@vnpt.example")
    request = carriers.sign(people[Role.LEADER], draft(people, message))
    line = request.lines.get(carrier__short_name="VNPT")

    def broken(*args):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(carriers, "letter_file", broken)
    with pytest.raises(RuntimeError):
        tasks.email_carrier_letter.call(line.pk)
    line.refresh_from_db()
    assert line.emailed_at is None and mail.outbox == []  # the claim is freed
    monkeypatch.undo()
    assert tasks.email_carrier_letter.call(line.pk) == 1
    with django_capture_on_commit_callbacks(execute=True):
        carriers.email_again(people[Role.FOCAL_POINT], line)
    line.refresh_from_db()
    assert line.emailed_at is None  # queued again
    with pytest.raises(PermissionDenied):
        carriers.email_again(people[Role.CARRIER], line)
