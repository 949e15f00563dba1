"""Key messages (issue 7, item 1): one text per channel, validity dates, a leader's approval;
a change after approval needs a new one; the SMS composer's counter. The demo has four approved
messages, one awaiting approval ("Cảnh giác lừa đảo…") and one draft."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, OrgUnit
from core.roles import Role
from outreach import actions
from outreach.models import KeyMessage

S = KeyMessage.State


@pytest.fixture
def root():
    return OrgUnit.objects.get(code="91")


@pytest.fixture
def waiting():
    return KeyMessage.objects.get(state=S.SUBMITTED)


def new_message(person, root, **fields):
    values = {"title": "Đeo khẩu trang nơi công cộng", "sms_text": "Hãy đeo khẩu trang nơi công cộng.", **fields}
    return actions.save(person, KeyMessage(org_unit=root, **values))


def test_the_library_shows_what_may_go_out_today(login, people):
    page = login(people[Role.DISTRICT_BROADCAST]).get(reverse("outreach:messages")).content.decode()
    assert "Thông điệp 5K" in page and "Giãn cách xã hội" in page
    assert "Cảnh giác lừa đảo" not in page and "Lịch đi chợ" not in page  # not approved
    page = login(people[Role.FOCAL_POINT]).get(reverse("outreach:messages") + "?show=all&q=lua dao").content.decode()
    assert "Cảnh giác lừa đảo" in page and "Thông điệp 5K" not in page


def test_a_message_is_written_submitted_and_approved_by_another_person(people, root):
    focal, leader = people[Role.FOCAL_POINT], people[Role.LEADER]
    message = new_message(focal, root)
    assert message.state == S.DRAFT and message.created_by == focal
    message = actions.submit(focal, message)
    with pytest.raises(PermissionDenied):
        actions.approve(focal, message)  # the focal point cannot approve
    message = actions.approve(leader, message)
    assert message.state == S.APPROVED and message.approved_by == leader and message.is_usable
    assert [e.to_state for e in message.events.all()] == ["draft", "submitted", "approved"]
    assert AuditEvent.objects.filter(action="keymessage.approve", object_id=str(message.pk)).exists()


def test_changing_an_approved_message_takes_it_back_to_draft(people, root):
    message = KeyMessage.objects.get(title="Thông điệp 5K")
    message.sms_text = message.sms_text.replace("1900 9095", "1900 3228")
    message = actions.save(people[Role.FOCAL_POINT], message)
    assert message.state == S.DRAFT and message.approved_by is None and not message.is_usable
    last = message.events.last()
    assert last.from_state == "approved" and "1900 9095" in last.texts["sms_text"]


def test_a_message_past_its_validity_is_not_usable(people, root):
    message = KeyMessage.objects.get(title="Tiêm vắc xin phòng Covid-19")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    KeyMessage.objects.filter(pk=message.pk).update(valid_until=yesterday)
    message.refresh_from_db()
    assert message.state == S.APPROVED and not message.is_usable


def test_a_leader_returns_with_a_reason(people, waiting, login):
    client = login(people[Role.LEADER])
    client.post(reverse("outreach:message_act", args=[waiting.pk, "return"]), {"reason": ""})
    assert KeyMessage.objects.get(pk=waiting.pk).state == S.SUBMITTED
    client.post(reverse("outreach:message_act", args=[waiting.pk, "return"]), {"reason": "Ghi rõ nguồn"})
    waiting.refresh_from_db()
    assert waiting.state == S.DRAFT and waiting.events.last().note == "Ghi rõ nguồn"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "x\x00y"},
        {"sms_text": "", "loudspeaker_text": "", "web_text": ""},
        {"sms_text": "Gọi ngay\x07"},
        {"sms_text": "Thông điệp dài " * 60},  # more parts than a carrier takes
        {"loudspeaker_text": "a" * 5001},
        {"valid_from": datetime.date(2021, 8, 5), "valid_until": datetime.date(2021, 8, 1)},
    ],
)
def test_bad_messages_are_refused_and_nothing_is_saved(people, root, fields):
    before = KeyMessage.objects.count()
    with pytest.raises(ValidationError):
        new_message(people[Role.FOCAL_POINT], root, **fields)
    assert KeyMessage.objects.count() == before


def test_the_form_answers_bad_input_with_the_field_named(login, people):
    client = login(people[Role.TELECOM_IT])
    response = client.post(
        reverse("outreach:message_new"),
        {"title": "Thử", "topic": "other", "sms_text": "Gọi\x07", "valid_from": "2021-08-05"},
    )
    assert response.status_code == 422 and "id_sms_text_error" in response.content.decode()


def test_a_district_reads_but_does_not_write(login, people, waiting):
    client = login(people[Role.DISTRICT_BROADCAST])
    assert client.get(reverse("outreach:message", args=[waiting.pk])).status_code == 200
    assert client.get(reverse("outreach:message_new")).status_code == 403
    assert client.post(reverse("outreach:message_act", args=[waiting.pk, "approve"])).status_code == 403


def test_the_counter_shows_parts_and_the_unaccented_saving(login, people):
    client = login(people[Role.TELECOM_IT])
    text = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168"
    page = client.post(reverse("outreach:sms_count"), {"sms_text": text, "recipients": 100000}).content.decode()
    assert "UCS-2" in page and "GSM-7" in page
    assert "Nguoi dan phat hien thong tin sai su that" in page
    # 2 parts with accents, 1 without: 100,000 parts less at 250 ₫.
    assert "25.000.000" in page
    hostile = client.post(reverse("outreach:sms_count"), {"sms_text": "<script>x</script>", "recipients": "-5"})
    assert hostile.status_code == 200 and "<script>" not in hostile.content.decode()


def test_retired_messages_are_reopened_before_a_change(people, root):
    message = KeyMessage.objects.get(title="Lịch đi chợ theo phiếu")
    message = actions.retire(people[Role.FOCAL_POINT], message)
    message.title = "Khác"
    with pytest.raises(ValidationError):
        actions.save(people[Role.FOCAL_POINT], message)
    message = actions.reopen(people[Role.FOCAL_POINT], KeyMessage.objects.get(pk=message.pk))
    assert message.state == S.DRAFT


def test_one_click_gives_the_unaccented_version_without_saving(login, people):
    client = login(people[Role.TELECOM_IT])
    before = KeyMessage.objects.count()
    response = client.post(
        reverse("outreach:message_new"),
        {"title": "Đường dây nóng", "topic": "hotlines", "sms_text": "Gọi đường dây nóng 0927.681.168",
         "valid_from": "2021-08-05", "use_unaccented": "1"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and KeyMessage.objects.count() == before
    assert "Goi duong day nong 0927.681.168</textarea>" in page and "GSM-7" in page
