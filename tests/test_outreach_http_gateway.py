"""outreach.gateways.http against the test HTTP SMS gateway (outreach.httpsms) over real loopback
HTTP, and SMS campaigns sent through it: results and receipts mapped, the status codes' meaning,
every part once when the gateway drops a request or crashes mid-campaign (the Idempotency-Key
gets the stored results back), unreadable answers taken for a lost connection. Nothing here asserts
a duration."""

import datetime
import http.client
import json
import re
import socket
import threading
import time
import unicodedata

import pytest
from django.utils import timezone

from core.models import OrgUnit
from core.roles import Role
from outreach import campaigns
from outreach.gateways import (
    ACCEPTED,
    PERMANENT,
    TEMPORARY,
    BindRefused,
    GatewayDown,
    concat_reference,
    split_message,
)
from outreach.gateways.http import HttpGateway, idempotency_key, message_json, parse_receipt
from outreach.gateways.smpp import SmppGateway
from outreach.httpsms import HttpSmsServer
from outreach.models import Campaign, ContactGroup, KeyMessage, Part, Recipient, Subscriber

TOKEN = "s3cret-token"
SENDER = "STTTT KG"
HOTLINE = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168"


def daytime():
    """Yesterday at noon: outside quiet hours, and in the past, since the worker compares the
    parts' next_try_at with the real clock (a `now` later today would leave them not yet due)."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(12, 0)))


@pytest.fixture
def server():
    gateway = HttpSmsServer(token=TOKEN).start()
    yield gateway
    gateway.stop()


@pytest.fixture
def connect(server):
    """Open HTTP gateways to a test server (closed at the end of the test)."""
    opened = []

    def connect(to=None, **options):
        to = to or server
        gateway = HttpGateway(to.url, to.token, **{"parts_per_second": None, **options})
        gateway.open()
        opened.append(gateway)
        return gateway

    yield connect
    for gateway in opened:
        gateway.close()


def many_parts(count: int, prefix: str = "c1"):
    return [part for i in range(count) for part in split_message(f"{prefix}-{i}", f"8491{i:07d}", SENDER, "Xin chao")]


def send_all(gateway, parts):
    results = []
    gateway.send(parts, results.append)
    return results


def all_receipts(gateway, expected: int):
    receipts = []
    for _poll in range(40):
        gateway.receipts(receipts.append, 0.02)
        if len(receipts) >= expected:
            break
    return receipts


# Sending and receipts ---------------------------------------------------------------------------


def test_accepted_parts_get_the_gateways_ids_and_receipts_map_to_them(connect):
    server = HttpSmsServer(token=TOKEN, receipt_delay=0.01, undeliverable="^84900").start()
    try:
        gateway = connect(server)
        parts = many_parts(3) + split_message("u1", "84900000001", SENDER, "Xin chao")

        results = send_all(gateway, parts)

        assert [(r.ref, r.outcome, r.error) for r in results] == [(p.ref, ACCEPTED, "") for p in parts]
        stored = {p.key: p.message_id for p in server.ledger.parts}
        assert {r.ref: r.message_id for r in results} == stored
        receipts = all_receipts(gateway, len(parts))
        by_ref = {r.message_id: r.ref for r in results}
        states = {by_ref[r.message_id]: (r.state, r.error) for r in receipts}
        assert states == {
            "c1-0.1": ("delivered", ""),
            "c1-1.1": ("delivered", ""),
            "c1-2.1": ("delivered", ""),
            "u1.1": ("undeliverable", "absent subscriber (err 001)"),
        }
        assert all(r.done_at is not None and r.done_at.tzinfo is not None for r in receipts)
    finally:
        server.stop()


def test_a_long_vietnamese_message_goes_as_ucs2_parts_with_their_udh(server, connect):
    text = unicodedata.normalize("NFD", HOTLINE + " " + HOTLINE)  # decomposed input: sent as NFC
    parts = split_message("v1", "84912345678", SENDER, text)
    assert len(parts) == 3

    results = send_all(connect(), parts)

    assert {r.outcome for r in results} == {ACCEPTED}
    reference = concat_reference("v1")
    assert [(p.encoding, p.concat) for p in server.ledger.parts] == [("ucs2", (reference, 3, seq)) for seq in (1, 2, 3)]
    assert server.ledger.messages() == [("84912345678", unicodedata.normalize("NFC", text))]
    assert message_json(split_message("g1", "84912345678", SENDER, "Xin chao")[0]) == {
        "ref": "g1.1",
        "to": "84912345678",
        "from": SENDER,
        "text": "Xin chao",
        "encoding": "gsm7",
        "udh": None,
    }


def test_a_wrong_token_is_refused_at_open_and_while_sending(server, connect):
    with pytest.raises(BindRefused, match="HTTP 401") as refused:
        HttpGateway(server.url, "wrong", parts_per_second=None).open()
    assert refused.value.status == 401

    gateway = connect()
    server.token = "revoked-and-replaced"
    with pytest.raises(BindRefused):
        gateway.send(many_parts(2), print)
    assert not gateway.is_open and len(server.ledger) == 0


def test_throttling_answers_temporary_and_a_later_retry_is_accepted(connect):
    server = HttpSmsServer(token=TOKEN, throttle=(4, 0.1)).start()
    try:
        gateway = connect(server, batch=3)
        pending = {p.ref: p for p in many_parts(20)}
        outcomes = []
        for _attempt in range(100):
            for result in send_all(gateway, list(pending.values())):
                outcomes.append(result)
                if result.outcome == ACCEPTED:
                    del pending[result.ref]
            if not pending:
                break
            time.sleep(0.03)
        assert not pending
        throttled = [r for r in outcomes if r.outcome == TEMPORARY]
        assert throttled, "4 parts per 0.1 s in batches of 3: the gateway throttles some"
        assert all(r.message_id is None for r in throttled)
        # A batch that does not fit whole gets "temporary" for the rest; an empty window, a 429.
        assert {r.error for r in throttled} <= {"throttled", "HTTP 429 Too Many Requests (Retry-After: 1): throttled"}
        assert any(r.error.startswith("HTTP 429") for r in throttled)
        assert server.ledger.duplicated() == {} and len(server.ledger) == 20
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(429, TEMPORARY), (503, TEMPORARY), (500, TEMPORARY), (502, TEMPORARY), (408, TEMPORARY),
     (400, PERMANENT), (404, PERMANENT), (422, PERMANENT)],
)  # fmt: skip
def test_a_status_code_decides_every_part_of_the_request(server, connect, status, outcome):
    gateway = connect(batch=2)
    server.fail_next(1, status, {"error": "sender STTTT KG not registered"} if status == 422 else None)
    parts = many_parts(3)

    results = send_all(gateway, parts)

    assert [(r.ref, r.outcome) for r in results] == [(parts[0].ref, outcome), (parts[1].ref, outcome),
                                                     (parts[2].ref, ACCEPTED)]  # fmt: skip
    assert results[0].error.startswith(f"HTTP {status} ") and results[0].message_id is None
    if status == 422:
        assert results[0].error == "HTTP 422 Unprocessable Entity: sender STTTT KG not registered"
    assert [p.key for p in server.ledger.parts] == [parts[2].ref]
    assert gateway.is_open


def test_a_batch_larger_than_the_gateway_takes_is_a_configuration_error(connect):
    server = HttpSmsServer(token=TOKEN, max_batch=2).start()
    try:
        with pytest.raises(BindRefused, match=r"refuses 3 parts a request .*HTTP 413") as refused:
            connect(server, batch=3).send(many_parts(3), print)
        assert refused.value.status == 413 and len(server.ledger) == 0
    finally:
        server.stop()


def test_an_invalid_destination_is_permanent(server, connect):
    parts = split_message("x1", "84-91", SENDER, "Xin chao") + many_parts(1)
    results = send_all(connect(), parts)
    assert [(r.outcome, r.error) for r in results] == [(PERMANENT, "invalid destination"), (ACCEPTED, "")]


# Losing the connection --------------------------------------------------------------------------


def test_a_gateway_that_is_not_listening_is_down_with_every_ref(server):
    gateway = HttpGateway(server.url, TOKEN, parts_per_second=None)
    gateway.open()
    server.stop()
    parts = many_parts(5)
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, print)
    assert down.value.refs == [p.ref for p in parts]
    assert not gateway.is_open
    with pytest.raises(GatewayDown, match="connection refused"):
        gateway.open()
    gateway.close()
    gateway.close()  # closing twice is fine


@pytest.mark.parametrize("cut", [False, True], ids=["no-answer", "answer-cut-off"])
def test_a_request_stored_without_an_answer_is_resent_with_its_key_and_counted_once(server, connect, cut):
    parts = many_parts(90)
    refs = [p.ref for p in parts]
    gateway = connect(batch=25)
    server.drop_after(37, cut=cut)  # the second request holds the 37th part
    results = []
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, results.append)

    assert [r.ref for r in results] == refs[:25]
    assert down.value.refs == refs[25:]
    assert len(server.ledger) == 50 and server.unanswered == set(refs[25:50])  # stored, not answered

    gateway.open()
    resend = {p.ref: p for p in parts}
    again = send_all(gateway, [resend[ref] for ref in down.value.refs])

    assert server.replays == 1 and server.unanswered == set()
    assert server.ledger.missing(refs) == []  # lost: 0
    assert server.ledger.duplicated() == {}  # twice: 0
    # The replayed answer carries the ids the gateway gave the first time.
    first_ids = {p.key: p.message_id for p in server.ledger.parts}
    assert all(r.message_id == first_ids[r.ref] for r in again)


def test_without_the_key_the_ledger_shows_the_resend_as_a_duplicate(server, connect):
    """The other side of the test above: the ledger counts what the phones would get."""
    parts = many_parts(30)
    gateway = connect(batch=10, idempotency_keys=False)
    server.drop_after(5)
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, print)
    gateway.open()
    resend = {p.ref: p for p in parts}
    send_all(gateway, [resend[ref] for ref in down.value.refs])
    assert server.ledger.missing(p.ref for p in parts) == []
    assert server.ledger.duplicated() == {p.ref: 2 for p in parts[:10]}


def test_a_batch_retried_after_a_temporary_answer_is_handled_anew_under_the_same_key(connect):
    server = HttpSmsServer(token=TOKEN, throttle=(2, 60)).start()
    try:
        gateway = connect(server, batch=3)
        parts = many_parts(3)
        first = send_all(gateway, parts)
        assert [r.outcome for r in first] == [ACCEPTED, ACCEPTED, TEMPORARY]

        server.throttle = None  # the window is over
        again = send_all(gateway, parts)  # the same batch: the same key

        assert [r.outcome for r in again] == [ACCEPTED] * 3
        assert [r.message_id for r in again[:2]] == [r.message_id for r in first[:2]]
        assert server.replays == 1 and len(server.ledger) == 3 and server.ledger.duplicated() == {}
    finally:
        server.stop()


def test_the_same_batch_has_the_same_key():
    parts = many_parts(3)
    assert idempotency_key(parts) == idempotency_key(list(parts))
    assert idempotency_key(parts) != idempotency_key(parts[:2])
    assert idempotency_key(parts) != idempotency_key(parts[::-1])


@pytest.mark.parametrize(
    "body",
    [b'{"results": [{"ref": "c1-0.1", "status": "acc', b"<html>502 Bad Gateway</html>", b'{"answers": []}',
     b'{"results": []}' + b" " * (1024 * 1024)],
    ids=["cut-json", "html", "no-results", "oversize"],
)  # fmt: skip
def test_an_answer_that_cannot_be_read_is_a_lost_connection(server, connect, body):
    gateway = connect(batch=2)
    server.fail_next(1, 200, body)
    parts = many_parts(5)
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, print)
    assert down.value.refs == [p.ref for p in parts]
    assert not gateway.is_open

    gateway.open()  # the next request is fine
    assert {r.outcome for r in send_all(gateway, parts)} == {ACCEPTED}


def test_a_part_left_out_of_the_answer_gets_no_result(server, connect):
    parts = many_parts(4)
    answer = {"results": [{"ref": parts[1].ref, "status": "accepted", "id": "X1"},
                          {"ref": parts[0].ref, "status": "permanent", "error": "blocked"}]}  # fmt: skip
    server.fail_next(1, 200, answer)
    results = []
    with pytest.raises(GatewayDown, match="left out 1 of 3 parts") as down:
        connect(batch=3).send(parts, results.append)
    assert [(r.ref, r.outcome, r.message_id) for r in results] == [(parts[0].ref, PERMANENT, None),
                                                                   (parts[1].ref, ACCEPTED, "X1")]  # fmt: skip
    assert down.value.refs == [parts[2].ref, parts[3].ref]


def test_a_silent_gateway_is_given_up_after_the_timeout():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = []

    def silent_peer():
        conn, _ = listener.accept()
        accepted.append(conn)  # reads nothing, answers nothing; closed at the end

    thread = threading.Thread(target=silent_peer, daemon=True)
    thread.start()
    gateway = HttpGateway(f"http://127.0.0.1:{port}", TOKEN, timeout=0.2)
    with pytest.raises(GatewayDown, match=r"no answer within 0\.2 s"):
        gateway.open()
    thread.join(2)
    for conn in accepted:
        conn.close()
    listener.close()


# Receipts ---------------------------------------------------------------------------------------


def test_a_receipt_that_was_not_stored_is_fetched_again(server, connect):
    gateway = connect()
    results = send_all(gateway, many_parts(3))
    deadline = time.monotonic() + 30  # the server makes them just after its answer is written
    while server.receipts_made() < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    seen, stored = [], []

    def store_but_fail_on_the_second(receipt):
        seen.append(receipt.message_id)
        if len(seen) == 2:
            raise RuntimeError("database went away")
        stored.append(receipt.message_id)

    with pytest.raises(RuntimeError):
        gateway.receipts(store_but_fail_on_the_second, 0)
    assert gateway.receipt_cursor is None  # not advanced: the page is fetched again

    def store(receipt):
        stored.append(receipt.message_id)

    gateway.receipts(store, 0)
    ids = [r.message_id for r in results]
    assert stored == [ids[0], *ids]  # at least once: the first one came again, none is missing
    assert gateway.receipt_cursor == "3"
    gateway.receipts(store, 0)
    assert len(stored) == 4  # nothing new after the cursor


def test_receipt_fields_are_read_leniently():
    receipt = parse_receipt({"id": 42, "state": "expired", "error": "EXPIRED", "done_at": "2021-07-19T10:05:00"})
    assert (receipt.message_id, receipt.state, receipt.error) == ("42", "expired", "EXPIRED")
    assert receipt.done_at.isoformat() == "2021-07-19T10:05:00+00:00"
    assert parse_receipt({"id": "A1", "state": "en route", "done_at": "yesterday"}).state == "unknown"
    assert parse_receipt({"state": "delivered"}) is None
    assert parse_receipt({"id": "x" * 65, "state": "delivered"}) is None


# Configuration ----------------------------------------------------------------------------------


def test_gateway_for_builds_the_gateway_from_its_url(settings):
    settings.OUTREACH_GATEWAYS = {
        "vnpt": {"url": "https://brandname:t%40ken@api.example.vn:8443/sms/v1/", "batch": 50},
        "viettel": {"url": "http://sms.example.vn/api", "token": "from-the-config", "parts_per_second": 20},
        "smsc": {"url": "smpp://tincay:secret@127.0.0.1:2775"},
        "mail": {"url": "mailto:sms@example.vn"},
    }
    vnpt = campaigns.gateway_for("vnpt")
    assert isinstance(vnpt, HttpGateway)
    assert (vnpt.base_url, vnpt.port, vnpt.token, vnpt.batch) == (
        "https://api.example.vn:8443/sms/v1",
        8443,
        "t@ken",
        50,
    )
    assert "t@ken" not in repr(vnpt)
    assert isinstance(vnpt.connect(), http.client.HTTPSConnection)  # verified TLS by default
    viettel = campaigns.gateway_for("viettel")
    assert (viettel.base_url, viettel.token) == ("http://sms.example.vn/api", "from-the-config")
    assert viettel.request_size == 20  # one second's worth of parts a request
    assert isinstance(campaigns.gateway_for("smsc"), SmppGateway)
    with pytest.raises(ValueError, match="smpp://, http:// or https://"):
        campaigns.gateway_for("mail")
    with pytest.raises(ValueError, match="http:// or https://"):
        HttpGateway("ftp://files.example.vn/sms", TOKEN)
    with pytest.raises(ValueError, match="token"):
        HttpGateway("https://api.example.vn", "")


# Campaigns through the HTTP gateway -------------------------------------------------------------


@pytest.fixture
def group():
    district = OrgUnit.objects.get(code="899")
    communes = list(OrgUnit.objects.filter(parent=district))
    press = [
        Subscriber(name=f"Phóng viên {i}", msisdn=f"8491{i:07d}", kind="press", org_unit=communes[i % len(communes)])
        for i in range(20)
    ]
    Subscriber.objects.bulk_create(press)  # the demo has no press numbers: the group is exactly these 20
    return ContactGroup.objects.create(name="Phóng viên Rạch Giá", org_unit=district, subscriber_kinds=["press"])


@pytest.fixture
def message():
    return KeyMessage.objects.get(title="Thông điệp 5K")  # approved, Vietnamese: 3 UCS-2 parts


@pytest.fixture
def configured(server, settings):
    """The default gateway is the test server, by URL, as in production."""
    settings.OUTREACH_GATEWAYS = {
        "default": {"url": f"http://:{TOKEN}@127.0.0.1:{server.port}", "batch": 25, "parts_per_second": None}
    }
    return server


def test_a_campaign_through_the_http_gateway_ends_delivered(people, group, message, configured):
    configured.undeliverable = re.compile(r"^8491000000[01]$")
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=daytime())

    result = campaigns.send(campaign.pk, now=daytime(), receipt_seconds=0.3)  # gateway_for: from the URL

    assert result["accepted"] == 60 and result["failed"] == 0 and result["reconnects"] == 0
    refs = list(Part.objects.filter(recipient__campaign=campaign).values_list("ref", flat=True))
    assert configured.ledger.missing(refs) == [] and configured.ledger.duplicated() == {}
    assert all(text == message.sms_text for _to, text in configured.ledger.messages())
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE
    states = dict(campaign.recipients.values_list("msisdn", "state"))
    assert {n for n, s in states.items() if s == Recipient.State.FAILED} == {"84910000000", "84910000001"}
    assert list(states.values()).count(Recipient.State.DELIVERED) == 18


def test_a_crash_mid_campaign_and_a_restart_lose_nothing_and_send_nothing_twice(people, group, message, configured):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=daytime())
    configured.drop_after(37, crash=True)  # stores the second request of 25, then stops

    first = campaigns.send(campaign.pk, now=daytime(), receipt_seconds=0.1)

    campaign.refresh_from_db()
    assert first["accepted"] == 25 and first["reconnects"] == 3  # dropped, then refused twice
    assert campaign.state == Campaign.State.PAUSED and "connection refused" in campaign.last_error
    assert Part.objects.filter(recipient__campaign=campaign, state=Part.State.QUEUED).count() == 35

    configured.start()  # same port, same ledger, same answers by key
    second = campaigns.send(campaign.pk, now=daytime(), receipt_seconds=0.3)

    assert second["accepted"] == 35 and configured.replays == 1
    refs = list(Part.objects.filter(recipient__campaign=campaign).values_list("ref", flat=True))
    assert configured.ledger.missing(refs) == []  # lost: 0
    assert configured.ledger.duplicated() == {}  # twice: 0
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE
    assert set(campaign.recipients.values_list("state", flat=True)) == {Recipient.State.DELIVERED}


def test_a_permanent_refusal_is_not_retried_and_a_temporary_one_is(people, group, message, configured):
    campaign = campaigns.start(people[Role.FOCAL_POINT], message, group, now=daytime())
    configured.fail_next(1, 400, {"error": "sender not registered"})  # the first request of 25
    configured.fail_next(1, 500)  # the second

    first = campaigns.send(campaign.pk, now=daytime(), receipt_seconds=0)

    assert (first["failed"], first["retry"], first["accepted"]) == (25, 25, 10)
    parts = Part.objects.filter(recipient__campaign=campaign)
    failed = parts.filter(state=Part.State.FAILED)
    assert failed.count() == 25 and {p.error for p in failed} == {"HTTP 400 Bad Request: sender not registered"}
    assert set(parts.filter(state=Part.State.QUEUED).values_list("error", flat=True)) == {
        "HTTP 500 Internal Server Error: Internal Server Error"
    }
    parts.filter(state=Part.State.QUEUED).update(next_try_at=daytime())  # their backoff is over

    second = campaigns.send(campaign.pk, now=daytime(), receipt_seconds=0)

    assert (second["failed"], second["accepted"]) == (0, 25)
    assert configured.ledger.missing(p.ref for p in failed) == [p.ref for p in failed]  # never sent again
    assert configured.ledger.duplicated() == {} and len(configured.ledger) == 35
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE


def test_the_request_on_the_wire(server, connect):
    """What a provider's engineer would check: the headers and the JSON."""
    seen = {}
    handler = server._messages

    def spy(body, key):
        seen.update(body=json.loads(body), key=key)
        return handler(body, key)

    server._messages = spy
    parts = split_message("w1", "84912345678", SENDER, HOTLINE + " " + HOTLINE)
    send_all(connect(), parts)
    assert seen["key"] == idempotency_key(parts)
    assert [m["udh"] for m in seen["body"]["messages"]] == [
        {"ref": concat_reference("w1"), "total": 3, "seq": seq} for seq in (1, 2, 3)
    ]
    assert {m["encoding"] for m in seen["body"]["messages"]} == {"ucs2"}
