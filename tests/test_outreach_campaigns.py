"""SMS campaigns against a real SMPP peer (the test SMSC on 127.0.0.1): an approved message to a
contact group, every part once even when the SMSC drops the connection mid-campaign, delivery
receipts, quiet hours and the daily limit of Decree 91/2020 with a leader's emergency override."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent, OrgUnit
from core.roles import Role
from outreach import campaigns
from outreach.gateways.smpp import SmppGateway
from outreach.models import Campaign, ContactGroup, KeyMessage, Part, Recipient, Subscriber
from outreach.smsc import Smsc

NOON = datetime.time(12, 0)


def at(hour_minute: datetime.time):
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), hour_minute))


@pytest.fixture
def smsc():
    server = Smsc(port=0, system_id="tincay", password="secret").start()
    yield server
    server.stop()


@pytest.fixture
def gateway(smsc, settings):
    settings.OUTREACH_GATEWAYS = {"default": {"url": f"smpp://tincay:secret@127.0.0.1:{smsc.port}", "window": 10}}
    # Part refs on the wire (a vendor TLV the test SMSC keys its ledger by), to count per part.
    return lambda: SmppGateway(
        "127.0.0.1", smsc.port, "tincay", "secret", window=10, parts_per_second=5000, send_part_refs=True
    )


@pytest.fixture
def group():
    district = OrgUnit.objects.get(code="899")
    communes = list(OrgUnit.objects.filter(parent=district))
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                name=f"Phóng viên {i}", msisdn=f"8491{i:07d}", kind="press", org_unit=communes[i % len(communes)]
            )
            for i in range(40)
        ]
    )  # fmt: skip
    # Press numbers: the demo has none, so the group is exactly these 40.
    return ContactGroup.objects.create(name="Phóng viên Rạch Giá", org_unit=district, subscriber_kinds=["press"])


@pytest.fixture
def message():
    return KeyMessage.objects.get(title="Thông điệp 5K")  # approved, Vietnamese: 3 UCS-2 parts


def test_a_vietnamese_phone_number_is_normalised():
    assert campaigns.msisdn("0912 345 678") == "84912345678"
    assert campaigns.msisdn("+84 912.345.678") == "84912345678"
    assert campaigns.msisdn("0297 3862 789") is None  # a landline
    assert campaigns.msisdn("12345") is None


def test_a_campaign_writes_every_part_before_sending(people, group, message, gateway):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    assert campaign.recipients.count() == 40
    assert Part.objects.filter(recipient__campaign=campaign).count() == 40 * 3
    assert AuditEvent.objects.filter(action="campaign.start", object_id=str(campaign.pk)).exists()


def test_it_sends_every_part_once_and_receipts_arrive(people, group, message, gateway, smsc):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    result = campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON), receipt_seconds=1.5)
    assert result["accepted"] == 120 and result["failed"] == 0
    refs = list(Part.objects.filter(recipient__campaign=campaign).values_list("ref", flat=True))
    assert smsc.ledger.missing(refs) == [] and smsc.ledger.duplicated() == {}
    # The SMSC reassembles each number's 3 parts into the message sent.
    assert all(text == message.sms_text for _to, text in smsc.ledger.messages())
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE
    assert Part.objects.filter(recipient__campaign=campaign, state="delivered").count() == result["receipts"] > 0


def test_a_dropped_connection_loses_nothing_and_sends_nothing_twice(people, group, message, gateway, smsc):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    smsc.drop_after(37)
    result = campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON), receipt_seconds=0.2)
    assert result["reconnects"] == 1 and result["accepted"] == 120
    refs = list(Part.objects.filter(recipient__campaign=campaign).values_list("ref", flat=True))
    assert smsc.ledger.missing(refs) == [] and smsc.ledger.duplicated() == {}


def test_a_second_sender_finds_the_campaign_held(people, group, message, gateway):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    Campaign.objects.filter(pk=campaign.pk).update(lease_until=timezone.now() + datetime.timedelta(minutes=1))
    assert campaigns.send(campaign.pk, gateway=gateway(), now=timezone.now()) == {"held": False}
    assert not Part.objects.filter(recipient__campaign=campaign).exclude(state="queued").exists()


def test_quiet_hours_pause_the_campaign_until_seven(people, group, message, gateway, smsc):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    late = at(datetime.time(22, 30))
    result = campaigns.send(campaign.pk, gateway=gateway(), now=late)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and len(smsc.ledger) == 0
    assert timezone.localtime(result["paused_until"]).time() == datetime.time(7, 0)


def test_a_leader_sends_in_an_emergency_at_night_with_a_reason(people, group, message, gateway, smsc):
    with pytest.raises(PermissionDenied):
        campaigns.start(people[Role.FOCAL_POINT], message, group, emergency_reason="Ổ dịch mới")
    campaign = campaigns.start(
        people[Role.LEADER], message, group, emergency_reason="Phong tỏa khẩn cấp phường Vĩnh Thanh"
    )
    result = campaigns.send(campaign.pk, gateway=gateway(), now=at(datetime.time(23, 15)), receipt_seconds=0.2)
    assert result["accepted"] == 120
    event = AuditEvent.objects.get(action="campaign.start", object_id=str(campaign.pk))
    assert event.note == "Phong tỏa khẩn cấp phường Vĩnh Thanh" and event.after["emergency"] is True


def test_no_number_gets_more_than_three_messages_a_day(people, group, message, gateway):
    for _ in range(3):
        campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    fourth = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    assert set(fourth.recipients.values_list("state", flat=True)) == {Recipient.State.SKIPPED}
    assert not Part.objects.filter(recipient__campaign=fourth).exists()
    urgent = campaigns.start(people[Role.LEADER], message, group, emergency_reason="Cảnh báo bão kèm dịch")
    assert urgent.recipients.filter(state=Recipient.State.QUEUED).count() == 40


def test_only_approved_messages_valid_today_go_out(people, group, gateway):
    draft = KeyMessage.objects.get(state="draft")
    with pytest.raises(ValidationError):
        campaigns.start(people[Role.FOCAL_POINT], draft, group)
    with pytest.raises(PermissionDenied):
        campaigns.start(people[Role.DISTRICT_BROADCAST], KeyMessage.objects.get(title="Thông điệp 5K"), group)


def test_undeliverable_numbers_are_marked_failed(people, group, message, gateway, smsc):
    smsc.undeliverable = __import__("re").compile(r"^849100000")
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON), receipt_seconds=1.5)
    failed = Recipient.objects.filter(campaign=campaign, state=Recipient.State.FAILED)
    assert failed.exists() and all(r.msisdn.startswith("849100000") for r in failed)


# --- Pages ---------------------------------------------------------------------------------------
def test_the_focal_point_checks_then_sends_a_campaign_from_the_page(login, people, group, message, gateway):
    from django.urls import reverse

    client = login(people[Role.FOCAL_POINT])
    page = client.get(reverse("outreach:campaign_new")).content.decode()
    assert "Thông điệp 5K" in page and "Lịch đi chợ" not in page  # approved with an SMS text only
    assert 'name="emergency_reason"' not in page  # leaders only
    data = {"key_message": message.pk, "group": group.pk, "check": "1"}
    checked = client.post(reverse("outreach:campaign_new"), data).content.decode()
    assert "40" in checked and "120" in checked and not Campaign.objects.exists()
    response = client.post(reverse("outreach:campaign_new"), {**data, "send": "1"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("outreach:campaign", args=[campaign.pk])
    bar = client.get(reverse("outreach:campaign_progress", args=[campaign.pk])).content.decode()
    assert "<progress" in bar and 'value="0"' in bar and "hx-trigger" in bar
    campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON), receipt_seconds=0.5)
    bar = client.get(reverse("outreach:campaign_progress", args=[campaign.pk])).content.decode()
    assert 'value="120"' in bar and "hx-trigger" not in bar  # done: the bar stops polling
    watched = client.get(reverse("outreach:campaign_progress", args=[campaign.pk]), headers={"HX-Request": "true"})
    assert watched["HX-Refresh"] == "true"  # a page that was watching reloads once


def test_a_campaign_can_be_cancelled_and_sends_nothing_more(login, people, group, message, gateway, smsc):
    from django.urls import reverse

    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    client = login(people[Role.LEADER])
    assert client.post(reverse("outreach:campaign_cancel", args=[campaign.pk])).status_code == 302
    assert campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON)) == {"held": False}
    assert len(smsc.ledger) == 0


def test_bad_campaign_input_is_answered_not_a_500(login, people, group):
    from django.urls import reverse

    client = login(people[Role.LEADER])
    draft = KeyMessage.objects.get(state="draft")
    for data in (
        {"key_message": draft.pk, "group": group.pk, "check": "1"},
        {"key_message": "x", "group": "", "send": "1"},
        {"key_message": KeyMessage.objects.get(title="Thông điệp 5K").pk, "group": group.pk,
         "emergency_reason": "a\x00b", "send": "1"},
    ):  # fmt: skip
        assert client.post(reverse("outreach:campaign_new"), data).status_code == 422
    assert not Campaign.objects.exists()


def test_late_receipts_are_collected_by_the_standing_listener(people, group, message, smsc, settings):
    """The SMSC sends its receipts late: the campaign's run ends without them, the parts stay
    accepted; the scheduler's listener collects them later and the numbers show delivered."""
    smsc.receipt_delay = 1.5
    settings.OUTREACH_GATEWAYS = {"default": {"url": f"smpp://tincay:secret@127.0.0.1:{smsc.port}", "window": 10}}
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    result = campaigns.send(campaign.pk, now=at(NOON), receipt_seconds=0)
    assert result["accepted"] == 120 and result["receipts"] == 0
    assert Part.objects.filter(recipient__campaign=campaign, state="accepted").count() == 120
    collected = campaigns.collect_receipts(seconds=3.0)  # listens longer than the SMSC's delay
    assert collected == {"default": 120}
    assert Recipient.objects.filter(campaign=campaign, state="delivered").count() == 40
    assert campaigns.collect_receipts(seconds=0.2) == {}  # nothing is waited for any more


def test_an_intermediate_receipt_changes_nothing_and_ids_are_per_gateway(people, group, message, gateway, smsc):
    from outreach.gateways import Receipt

    smsc.receipt_delay = 30  # no receipt during the test: the part stays accepted
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=at(NOON))
    campaigns.send(campaign.pk, gateway=gateway(), now=at(NOON), receipt_seconds=0)
    part = Part.objects.filter(recipient__campaign=campaign, state="accepted").first()
    result = {"receipts": 0}
    campaigns._receipt(Receipt(part.message_id, "unknown", "ENROUTE"), result, "default")
    campaigns._receipt(Receipt(part.message_id, "delivered"), result, "another-gateway")
    part.refresh_from_db()
    assert part.state == "accepted" and result["receipts"] == 0
    campaigns._receipt(Receipt(part.message_id, "delivered"), result, "default")
    part.refresh_from_db()
    assert part.state == "delivered" and result["receipts"] == 1


def test_a_run_given_a_later_time_sends_what_was_queued_for_it(people, group, message, gateway, smsc):
    """The parts queued "at" a moment ahead of the real clock are due for a run at that moment."""
    later = timezone.now() + datetime.timedelta(hours=3)
    later = later if 7 <= timezone.localtime(later).hour < 22 else at(datetime.time(21, 0)) + datetime.timedelta(days=1)
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=later)
    result = campaigns.send(campaign.pk, gateway=gateway(), now=later, receipt_seconds=0)
    assert result["accepted"] == 120
