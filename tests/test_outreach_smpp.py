"""outreach.gateways.smpp against the test SMSC (outreach.smsc) over real loopback TCP.

No database is needed (the conftest still wraps each test in one, which costs nothing here). The
SMSC's small delays keep the tests short; nothing here asserts a duration."""

import socket
import threading
import time
import unicodedata

import pytest
from smpplib import smpp

from outreach.gateways import (
    ACCEPTED,
    PERMANENT,
    TEMPORARY,
    BindRefused,
    GatewayDown,
    OutgoingPart,
    classify_smpp_status,
    concat_reference,
    split_message,
)
from outreach.gateways.smpp import (
    DATA_CODING,
    PduStream,
    SmppGateway,
    decode_text,
    encode_text,
    parse_pdu,
    parse_receipt,
    response,
)
from outreach.smsc import Smsc
from vntext.sms import GSM7, UCS2, encode_info

HOTLINE = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168"
SENDER = "SoTTTT KG"


@pytest.fixture
def smsc():
    server = Smsc().start()
    yield server
    server.stop()


@pytest.fixture
def connect(smsc):
    """Open gateways to the test SMSC (closed at the end of the test)."""
    opened = []

    def connect(server=None, **options):
        server = server or smsc
        options = {"window": 10, "parts_per_second": None, "send_part_refs": True, **options}
        gateway = SmppGateway("127.0.0.1", server.port, server.system_id, server.password, **options)
        gateway.open()
        opened.append(gateway)
        return gateway

    yield connect
    for gateway in opened:
        gateway.close()


def many_parts(count: int, prefix: str = "c1") -> list[OutgoingPart]:
    return [part for i in range(count) for part in split_message(f"{prefix}-{i}", f"8491{i:07d}", SENDER, "Xin chao")]


def send_all(gateway, parts):
    results = []
    gateway.send(parts, results.append)
    return results


# Bind -------------------------------------------------------------------------------------------


def test_it_refuses_a_wrong_password_clearly(smsc):
    gateway = SmppGateway("127.0.0.1", smsc.port, smsc.system_id, "wrong")
    with pytest.raises(BindRefused, match=r"ESME_RINVPASWD \(0x0E\): invalid password") as refused:
        gateway.open()
    assert refused.value.status == 0x0E
    assert not gateway.is_open


def test_it_reports_an_unreachable_smsc_as_down(smsc):
    port = smsc.port
    smsc.stop()
    with pytest.raises(GatewayDown, match="cannot connect"):
        SmppGateway("127.0.0.1", port, "tincay", "secret").open()


def test_send_on_a_closed_gateway_lists_every_ref(smsc):
    gateway = SmppGateway("127.0.0.1", smsc.port, "tincay", "secret")
    parts = many_parts(3)
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, print)
    assert down.value.refs == [part.ref for part in parts]


# Encoding and parts -----------------------------------------------------------------------------


def test_it_sends_a_gsm7_message_as_one_unpacked_part(smsc, connect):
    text = "Hotline 0927.681.168 @ 5€ [QC]"
    parts = split_message("g1", "84912345678", SENDER, text)
    assert len(parts) == 1 and parts[0].encoding == GSM7 and parts[0].concat is None

    results = send_all(connect(), parts)

    assert [(r.ref, r.outcome) for r in results] == [("g1.1", ACCEPTED)]
    (accepted,) = smsc.ledger.parts
    assert (accepted.data_coding, accepted.esm_class, accepted.key) == (0x00, 0x00, "g1.1")
    # One octet per septet: "@" is 0x00, "€" the escape 0x1B then 0x65, "[" 0x1B 0x3C.
    assert accepted.short_message.startswith(b"Hotline 0927.681.168 \x00 5\x1b\x65 \x1b\x3cQC\x1b\x3e")
    assert accepted.text == text
    assert (accepted.source, accepted.destination) == (SENDER, "84912345678")
    assert results[0].message_id == accepted.message_id


def test_it_sends_vietnamese_in_three_ucs2_parts_with_a_udh(smsc, connect):
    text = unicodedata.normalize("NFD", HOTLINE + " " + HOTLINE)  # decomposed input: sent as NFC
    parts = split_message("v1", "84912345678", SENDER, text)
    assert [p.ref for p in parts] == ["v1.1", "v1.2", "v1.3"]
    assert encode_info(text).segments == 3

    results = send_all(connect(), parts)

    assert {r.outcome for r in results} == {ACCEPTED}
    reference = concat_reference("v1")
    accepted = smsc.ledger.parts
    assert [p.short_message[:6] for p in accepted] == [bytes([5, 0, 3, reference, 3, seq]) for seq in (1, 2, 3)]
    assert {(p.data_coding, p.esm_class) for p in accepted} == {(0x08, 0x40)}
    assert all(len(p.short_message) <= 6 + 134 for p in accepted)  # 67 UCS-2 units after the header
    assert smsc.ledger.messages() == [("84912345678", unicodedata.normalize("NFC", text))]


def test_an_escape_at_a_part_boundary_stays_whole(smsc, connect):
    text = "a" * 152 + "€" + "b" * 152  # the € cannot end part 1: 3 parts
    parts = split_message("e1", "84912345678", SENDER, text)
    assert len(parts) == 3
    send_all(connect(), parts)
    assert smsc.ledger.messages() == [("84912345678", text)]
    assert all(not p.short_message.endswith(b"\x1b") for p in smsc.ledger.parts)


def test_split_message_is_stable_for_resends():
    first = split_message("campaign-7/recipient-12", "84912345678", SENDER, HOTLINE * 2)
    again = split_message("campaign-7/recipient-12", "84912345678", SENDER, HOTLINE * 2)
    assert first == again
    assert {p.concat[0] for p in first} == {concat_reference("campaign-7/recipient-12")}
    assert [p.concat[1:] for p in first] == [(len(first), seq) for seq in range(1, len(first) + 1)]


def test_data_coding_and_text_codecs_agree_with_vntext():
    assert DATA_CODING[GSM7] == encode_info("abc").data_coding == 0x00
    assert DATA_CODING[UCS2] == encode_info("ư").data_coding == 0x08
    for text, encoding in [("@£$¥èé\n§¿ÄÖÑÜà{}[]~|^€\\\f", GSM7), (HOTLINE + " 😷", UCS2)]:
        data = encode_text(text, encoding)
        assert decode_text(data, DATA_CODING[encoding]) == text
    with pytest.raises(ValueError, match="not in the GSM"):
        encode_text("`", GSM7)  # ASCII, yet not GSM


# Windowing, throttling, errors ------------------------------------------------------------------


def test_a_thousand_parts_with_a_window_of_ten_are_each_accepted_once(smsc, connect):
    parts = many_parts(1000)
    results = send_all(connect(window=10), parts)

    assert sorted(r.ref for r in results) == sorted(p.ref for p in parts)
    assert {r.outcome for r in results} == {ACCEPTED}
    assert len({r.message_id for r in results}) == 1000
    assert len(smsc.ledger) == 1000
    assert smsc.ledger.duplicated() == {}
    assert smsc.ledger.missing(p.ref for p in parts) == []


def test_throttling_is_temporary_and_a_retry_succeeds(connect):
    throttling = Smsc(throttle=(20, 0.1)).start()
    try:
        gateway = connect(throttling, window=10)
        pending = {p.ref: p for p in many_parts(100)}
        outcomes = []
        for _attempt in range(200):
            results = send_all(gateway, list(pending.values()))
            outcomes += results
            for result in results:
                if result.outcome == ACCEPTED:
                    del pending[result.ref]
            if not pending:
                break
            time.sleep(0.02)
        assert not pending
        throttled = [r for r in outcomes if r.outcome == TEMPORARY]
        assert throttled, "the SMSC should have throttled some of 100 parts at 20 per 0.1 s"
        assert {r.error for r in throttled} == {"ESME_RTHROTTLED (0x58): throttled: too many submits"}
        assert all(r.message_id is None for r in throttled)
        assert len(throttling.ledger) == 100 and throttling.ledger.duplicated() == {}
    finally:
        throttling.stop()


def test_an_invalid_destination_is_permanent(smsc, connect):
    parts = split_message("x1", "84-91", SENDER, "Xin chao")
    (result,) = send_all(connect(), parts)
    assert (result.outcome, result.message_id) == (PERMANENT, None)
    assert result.error.startswith("ESME_RINVDSTADR (0x0B)")
    assert len(smsc.ledger) == 0


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (0x00, ACCEPTED),
        (0x58, TEMPORARY),
        (0x14, TEMPORARY),
        (0x08, TEMPORARY),
        (0x45, TEMPORARY),
        (0x0444, TEMPORARY),  # a vendor code: temporary, the campaign bounds the attempts
        (0x0B, PERMANENT),
        (0x0A, PERMANENT),
        (0x01, PERMANENT),
    ],
)
def test_command_status_is_classified(status, outcome):
    assert classify_smpp_status(status)[0] == outcome


# Receipts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["text", "tlv", "both"])
def test_receipts_arrive_and_map_to_message_ids(connect, style):
    server = Smsc(receipt_delay=0.01, receipt_style=style, undeliverable="^84900").start()
    try:
        gateway = connect(server)
        parts = many_parts(3) + split_message("u1", "84900000001", SENDER, "Xin chao")
        results = send_all(gateway, parts)
        ids = {r.message_id: r.ref for r in results}
        receipts = []
        for _wait in range(50):
            gateway.receipts(receipts.append, 0.05)
            if len(receipts) >= len(parts):
                break
        assert sorted(r.message_id for r in receipts) == sorted(ids)
        states = {ids[r.message_id]: r.state for r in receipts}
        assert states == {"c1-0.1": "delivered", "c1-1.1": "delivered", "c1-2.1": "delivered", "u1.1": "undeliverable"}
        failed = next(r for r in receipts if r.state == "undeliverable")
        assert failed.error.startswith("UNDELIV")
        if style != "tlv":
            assert failed.error == "UNDELIV err:001"
            assert all(r.done_at is not None and r.done_at.tzinfo is not None for r in receipts)
    finally:
        server.stop()


def test_an_unacknowledged_receipt_comes_again_after_a_reconnect(smsc, connect):
    gateway = connect()
    (result,) = send_all(gateway, many_parts(1))
    time.sleep(0.05)  # the receipt is sent at once; it waits unacknowledged in the gateway
    gateway.close()  # not acknowledged: the SMSC keeps it
    again = connect()
    receipts = []
    for _wait in range(50):
        again.receipts(receipts.append, 0.05)
        if receipts:
            break
    assert [r.message_id for r in receipts] == [result.message_id]


def test_parse_receipt_reads_the_appendix_b_text():
    pdu = smpp.make_pdu(
        "deliver_sm",
        client=None,
        sequence=1,
        esm_class=0x04,
        short_message=b"id:1A2B sub:001 dlvrd:000 submit date:2107191000 done date:2107191005 "
        b"stat:EXPIRED err:027 text:x",
    )
    receipt = parse_receipt(parse_pdu(pdu.generate()))
    assert (receipt.message_id, receipt.state, receipt.error) == ("1A2B", "expired", "EXPIRED err:027")
    assert receipt.done_at.isoformat() == "2021-07-19T10:05:00+00:00"
    not_a_receipt = smpp.make_pdu("deliver_sm", client=None, sequence=2, esm_class=0, short_message=b"id:1")
    assert parse_receipt(parse_pdu(not_a_receipt.generate())) is None


# Keeping the link alive, losing it --------------------------------------------------------------


def test_it_sends_enquire_link_when_idle(smsc, connect):
    gateway = connect(enquire_link_seconds=0.05)
    for _wait in range(100):
        gateway.receipts(print, 0.02)
        if smsc.enquire_links >= 2:
            break
    assert smsc.enquire_links >= 2
    assert gateway.is_open


@pytest.mark.parametrize("delay", [0.0, 0.001], ids=["answers-at-once", "answers-later"])
def test_a_drop_after_137_submits_lists_exactly_the_unanswered_refs_and_a_resend_loses_nothing(smsc, connect, delay):
    smsc.response_delay = delay  # later: several submits wait in the window when the connection drops
    parts = many_parts(1000 if not delay else 300)
    refs = [p.ref for p in parts]
    gateway = connect(window=10)
    smsc.drop_after(137)
    results = []
    with pytest.raises(GatewayDown) as down:
        gateway.send(parts, results.append)

    assert [r.ref for r in results if r.outcome == ACCEPTED] == refs[:137]
    assert down.value.refs == refs[137:]
    assert len(smsc.ledger) == 137

    smsc.stop()  # and restarted on the same port, with its ledger
    smsc.start()
    gateway.open()
    resend = {p.ref: p for p in parts}
    send_all(gateway, [resend[ref] for ref in down.value.refs])

    assert smsc.ledger.missing(refs) == []  # lost: 0
    assert smsc.ledger.duplicated() == {}  # sent twice: 0
    assert len(smsc.ledger) == len(parts)


def test_a_silent_smsc_is_given_up_after_the_response_timeout():
    """A peer that binds, then never answers a submit: the gateway closes the connection and
    lists the part, rather than wait for ever."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def silent_peer():
        conn, _ = listener.accept()
        stream = PduStream()
        with conn:
            while chunk := conn.recv(4096):
                for data in stream.feed(chunk):
                    pdu = parse_pdu(data)
                    if pdu.command == "bind_transceiver":
                        conn.sendall(response("bind_transceiver_resp", pdu.sequence, system_id="silent"))

    thread = threading.Thread(target=silent_peer, daemon=True)
    thread.start()
    gateway = SmppGateway("127.0.0.1", port, "tincay", "secret", response_timeout=0.2, parts_per_second=None)
    gateway.open()
    parts = many_parts(2)
    with pytest.raises(GatewayDown, match="no answer to submit_sm") as down:
        gateway.send(parts, print)
    assert down.value.refs == [p.ref for p in parts]
    gateway.close()
    thread.join(2)
    listener.close()


def test_the_gateway_respects_parts_per_second_without_losing_parts(smsc, connect):
    """The token bucket delays, it does not drop (speed itself is measured in the benchmark)."""
    parts = many_parts(30)
    results = send_all(connect(parts_per_second=1000), parts)
    assert [r.ref for r in results] == [p.ref for p in parts]
