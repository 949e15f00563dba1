"""SMPP 3.4 gateway (ESME side) on smpplib's PDU classes, with our own socket loop.

smpplib's `Client` reads and writes in one thread and waits for each answer, which allows one
submit in flight. Carriers allow a *window* of several (typically 10 to 50) outstanding submits,
and throughput over any real distance depends on it, so this module keeps smpplib for what it does
well (building and parsing PDUs: `smpplib.smpp.make_pdu`, `parse_pdu`, `command.SubmitSM`) and
runs the connection itself:

- One TCP connection, bound as a transceiver (`bind_transceiver`): submits go out and delivery
  receipts come back on it.
- A reader thread owns the receiving side: it cuts the byte stream into PDUs, answers
  `enquire_link` and `unbind`, puts each `submit_sm_resp` / `generic_nack` on the events queue
  and each receipt on the receipts queue, and sends `enquire_link` when nothing has arrived for
  `enquire_link_seconds` (no answer within `response_timeout`: the connection is dead). When the
  connection ends, for whatever reason, it puts a "down" marker at the end of both queues.
- `send` runs in the caller's thread and owns the window: a dict of the submits in flight by
  `sequence_number`. It writes submits while fewer than `window` are in flight and the token
  bucket (`parts_per_second`, counted in parts) has a token, several PDUs per write when it can,
  and matches each answer to its part by `sequence_number` (answers may come in any order). A part
  is registered as in flight *before* its bytes are written, so an answer can never be missed.
  `on_result` is called here, so the caller stores results in its own thread.
- When the connection is lost, `send` takes the answers that arrived before the loss (they come
  before the "down" marker in the queue), then raises `GatewayDown` with the parts in flight and
  those not yet sent. If a submit has no answer after `response_timeout`, the connection is closed
  on purpose and treated the same way: a late answer cannot be trusted to arrive, and resending on
  the same connection would risk a duplicate without ever knowing it.
- Receipts are acknowledged (`deliver_sm_resp`) only after `on_receipt` has returned in
  `receipts()`, so a receipt that was not stored comes again after a reconnect.

Encoding (`vntext.sms`): the parts are cut by `vntext.sms.split` (`split_message`); here each part
becomes bytes. data_coding 0x00 is the SMSC's default alphabet, GSM 03.38 on carriers' SMSCs; over
SMPP it travels *unpacked*, one septet per octet, an extension character as the escape 0x1B and its
code (the SMSC packs 7 bits for the air interface), so a concatenated part is 6 + 153 octets in
`short_message`. smpplib's `gsm.gsm_encode` has a wrong table (it has "`" where GSM has "§", and no
form feed), so the table is built here from `vntext.sms.GSM7_BASIC`. data_coding 0x08 is UCS-2,
sent as UTF-16-BE (a character outside the BMP as its surrogate pair, never split by `split`).
Concatenated parts carry a 6-octet UDH (IEI 0x00, 8-bit reference, total, seq) with esm_class
UDHI (0x40); smpplib's `gsm.make_parts` is not used since it can cut an escape pair in two.

Receipts: a `deliver_sm` whose esm_class says "SMSC delivery receipt" (0x04) is read from the
`receipted_message_id` and `message_state` TLVs when present, else from the text of SMPP 3.4
Appendix B ("id:… sub:… dlvrd:… submit date:… done date:YYMMDDhhmm stat:DELIVRD err:000 text:…").
Some SMSCs write the id in decimal in the receipt and in hex in `submit_sm_resp`; that is a
per-carrier setting for later, not handled here.

Part refs on the wire (`send_part_refs`): for the test SMSC's ledger, each submit can carry our
part ref in a vendor-specific TLV (tag 0x1400, SMPP 3.4 §5.3 reserves 0x1400-0x3FFF for SMSC
vendors). An SMSC must ignore a TLV it does not know, but a carrier may have given that tag a
meaning, so it is off by default.
"""

import contextlib
import logging
import queue
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

from smpplib import command, smpp
from smpplib.command import Param

from vntext.sms import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2

from . import (
    ACCEPTED,
    BindRefused,
    Gateway,
    GatewayDown,
    OutgoingPart,
    Receipt,
    SubmitResult,
    classify_smpp_status,
    describe_smpp_status,
)

log = logging.getLogger(__name__)

# SMPP 3.4 data_coding; the same values as vntext.sms.SmsInfo.data_coding (a test checks).
DATA_CODING = {GSM7: 0x00, UCS2: 0x08}
ESM_CLASS_UDHI = 0x40
ESM_CLASS_RECEIPT = 0x04  # message type bits (2-5) of a deliver_sm: SMSC delivery receipt
ESME_ROK = 0x00
ESME_RINVCMDID = 0x03

# GSM 03.38 (TS 23.038 §6.2.1) codes. vntext.sms.GSM7_BASIC lists 0x00-0x7F without the escape.
GSM7_ESCAPE = 0x1B
GSM7_CODES = {ch: index if index < GSM7_ESCAPE else index + 1 for index, ch in enumerate(GSM7_BASIC)}
GSM7_EXTENSION_CODES = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E}
GSM7_EXTENSION_CODES |= {"|": 0x40, "€": 0x65}
assert len(GSM7_CODES) == 127 and set(GSM7_EXTENSION_CODES) == set(GSM7_EXTENSION)
# str.translate to one latin-1 character per octet, then .encode("latin-1").
_GSM7_TRANSLATE = {ord(ch): chr(code) for ch, code in GSM7_CODES.items()}
_GSM7_TRANSLATE |= {ord(ch): chr(GSM7_ESCAPE) + chr(code) for ch, code in GSM7_EXTENSION_CODES.items()}
_GSM7_DECODE = {code: ch for ch, code in GSM7_CODES.items()}
_GSM7_EXTENSION_DECODE = {code: ch for ch, code in GSM7_EXTENSION_CODES.items()}

PART_REF_TAG = 0x1400
PART_REF_FIELD = "tincay_part_ref"

# Receipts: SMPP 3.4 Appendix B "stat" words and §5.2.28 message_state values → Receipt.state.
# ENROUTE and ACCEPTD are intermediate: "unknown" (not final).
RECEIPT_STATS = {
    "DELIVRD": "delivered",
    "EXPIRED": "expired",
    "DELETED": "undeliverable",
    "UNDELIV": "undeliverable",
    "ACCEPTD": "unknown",
    "UNKNOWN": "unknown",
    "REJECTD": "rejected",
    "ENROUTE": "unknown",
}
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN"}
MESSAGE_STATES |= {8: "REJECTD"}

MAX_PDU_LENGTH = 64 * 1024  # far above any SMPP 3.4 PDU: a longer length means a broken stream


def encode_text(text: str, encoding: str) -> bytes:
    """The octets of a part's text for short_message: GSM 03.38 unpacked (0x00) or UTF-16-BE (0x08)."""
    if encoding == UCS2:
        return text.encode("utf-16-be")
    if encoding != GSM7:
        raise ValueError(f"unknown encoding {encoding!r}")
    outside = set(text) - GSM7_CODES.keys() - GSM7_EXTENSION_CODES.keys()
    if outside:
        raise ValueError(f"not in the GSM 7-bit alphabet: {''.join(sorted(outside))!r}")
    return text.translate(_GSM7_TRANSLATE).encode("latin-1")


def decode_text(data: bytes, data_coding: int) -> str:
    """The inverse of `encode_text` (used by the test SMSC to check what it received)."""
    if data_coding == DATA_CODING[UCS2]:
        return data.decode("utf-16-be")
    chars, escaped = [], False
    for octet in data:
        if escaped:
            chars.append(_GSM7_EXTENSION_DECODE.get(octet, " "))
            escaped = False
        elif octet == GSM7_ESCAPE:
            escaped = True
        else:
            chars.append(_GSM7_DECODE[octet])
    return "".join(chars)


def concat_header(reference: int, total: int, seq: int) -> bytes:
    """TS 23.040 §9.2.3.24.1 user data header: length 5, IEI 0x00 (8-bit reference), IE length 3."""
    return bytes((0x05, 0x00, 0x03, reference, total, seq))


class SubmitSMWithRef(command.SubmitSM):
    """smpplib's submit_sm with one more optional parameter: our part ref in the vendor TLV
    `PART_REF_TAG` (a C string). smpplib looks TLV tags up in a module-level table; rather than
    change that table for everyone, this class writes and reads its own tag itself."""

    params = {**command.SubmitSM.params, PART_REF_FIELD: Param(type=str, max=65)}
    params_order = (*command.SubmitSM.params_order, PART_REF_FIELD)

    def field_is_optional(self, field):
        return field == PART_REF_FIELD or super().field_is_optional(field)

    def _generate_string_tlv(self, field):
        if field != PART_REF_FIELD:
            return super()._generate_string_tlv(field)
        value = getattr(self, field)
        if not value:
            return None
        raw = value.encode() + b"\0"
        return struct.pack(">HH", PART_REF_TAG, len(raw)) + raw

    def parse_optional_params(self, data):
        others, pos = bytearray(), 0
        while pos + 4 <= len(data):
            tag, length = struct.unpack_from(">HH", data, pos)
            if tag == PART_REF_TAG:
                setattr(self, PART_REF_FIELD, bytes(data[pos + 4 : pos + 4 + length]).rstrip(b"\0").decode())
            else:
                others += data[pos : pos + 4 + length]
            pos += 4 + length
        super().parse_optional_params(bytes(others))


class Sequencer:
    """sequence_number source for smpplib's PDU classes (they ask their `client`): 1 to 0x7FFFFFFF,
    then round again (SMPP 3.4 §3.2). Thread-safe: the reader thread numbers enquire_links."""

    def __init__(self):
        self._lock = threading.Lock()
        self.sequence = 0

    def next_sequence(self) -> int:
        with self._lock:
            self.sequence = self.sequence % 0x7FFFFFFF + 1
            return self.sequence


class _ParseOnly:
    """The `client` smpplib gives a PDU it parses: its sequence comes from the header."""

    sequence = 0

    def next_sequence(self) -> int:
        return 0


PARSE_CLIENT = _ParseOnly()


def parse_pdu(data: bytes):
    """smpplib PDU from bytes; submit_sm as `SubmitSMWithRef`; unknown TLVs skipped."""
    if struct.unpack_from(">L", data, 4)[0] == 0x00000004:  # submit_sm
        pdu = SubmitSMWithRef("submit_sm", client=PARSE_CLIENT, allow_unknown_opt_params=True)
        pdu.parse(data)
        return pdu
    return smpp.parse_pdu(data, client=PARSE_CLIENT, allow_unknown_opt_params=True)


def response(command_name: str, sequence: int, status: int = ESME_ROK, **fields) -> bytes:
    """A response PDU (or generic_nack) to the request `sequence`, as bytes."""
    pdu = smpp.make_pdu(command_name, client=PARSE_CLIENT, status=status, **fields)
    pdu.sequence = sequence
    return pdu.generate()


class PduStream:
    """Cuts a TCP byte stream into PDUs (each: 4-octet length, then the rest)."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        pdus = []
        while len(self._buffer) >= 4:
            length = int.from_bytes(self._buffer[:4], "big")
            if not 16 <= length <= MAX_PDU_LENGTH:
                raise ValueError(f"broken PDU stream (command_length {length})")
            if len(self._buffer) < length:
                break
            pdus.append(bytes(self._buffer[:length]))
            del self._buffer[:length]
        return pdus


def _c_string(value) -> str:
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


_RECEIPT_FIELDS = re.compile(r"(id|stat|err|done date):(\S+)", re.IGNORECASE)


def parse_receipt(pdu, timezone: tzinfo = UTC) -> Receipt | None:
    """The `Receipt` in a deliver_sm, or None when it is not a delivery receipt or names no id."""
    if (pdu.esm_class or 0) & 0x3C != ESM_CLASS_RECEIPT:
        return None
    text = (pdu.short_message or b"").decode("latin-1")
    fields = {name.lower(): value for name, value in _RECEIPT_FIELDS.findall(text.split(" text:", 1)[0])}
    message_id = _c_string(pdu.receipted_message_id) or fields.get("id", "")
    if not message_id:
        return None
    stat = MESSAGE_STATES.get(pdu.message_state) if pdu.message_state is not None else None
    stat = stat or fields.get("stat", "UNKNOWN").upper()
    state = RECEIPT_STATS.get(stat, "unknown")
    error = ""
    if state != "delivered":
        err = fields.get("err")
        if err is None and pdu.network_error_code:
            err = pdu.network_error_code.hex()
        error = f"{stat} err:{err}" if err else stat
    return Receipt(message_id, state, error, _receipt_time(fields.get("done date"), timezone))


def _receipt_time(value: str | None, timezone: tzinfo) -> datetime | None:
    """'YYMMDDhhmm' or 'YYMMDDhhmmss' in the SMSC's time zone, as an aware datetime."""
    if not value or not value.isdigit() or len(value) not in (10, 12):
        return None
    try:
        moment = datetime.strptime(value, "%y%m%d%H%M%S" if len(value) == 12 else "%y%m%d%H%M")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone)


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take()` is 0 when a token was taken,
    else the seconds to wait for one. rate None: no limit."""

    def __init__(self, rate: float | None, burst: float | None = None):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, (rate or 0) / 10)
        self._tokens = self.burst
        self._last = time.monotonic()

    def take(self) -> float:
        if not self.rate:
            return 0.0
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate


class _Down:
    """The marker the reader thread puts last on both queues when the connection ends."""

    def __init__(self, reason: str):
        self.reason = reason


class _Connection:
    """One bound TCP connection: the socket, the write lock, the reader thread and its queues."""

    def __init__(self, sock: socket.socket, gateway: "SmppGateway", stream: PduStream, early: list[bytes]):
        self.sock = sock
        self.gateway = gateway
        self.stream = stream  # the bind's stream: what followed the bind_resp is not lost
        self.early = early  # PDUs that came with the bind_resp (receipts kept for us, say)
        self.write_lock = threading.Lock()
        self.events: queue.SimpleQueue = queue.SimpleQueue()  # (sequence, status, message_id) | _Down
        self.receipts: queue.SimpleQueue = queue.SimpleQueue()  # (Receipt, sequence) | _Down
        self.down = threading.Event()
        self.reason = ""
        self.unbinding = False
        self.reader = threading.Thread(target=self._read_loop, name="smpp-reader", daemon=True)

    def write(self, data: bytes) -> None:
        with self.write_lock:
            self.sock.sendall(data)

    def try_write(self, data: bytes) -> bool:
        try:
            self.write(data)
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """End the connection now (the reader wakes up, sees the end and puts the markers)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _read_loop(self) -> None:
        gateway = self.gateway
        stream = self.stream
        idle = gateway.enquire_link_seconds
        tick = min(1.0, idle / 2)
        last_heard = time.monotonic()
        enquired_at = None
        reason = "connection closed by the SMSC"
        try:
            for data in self.early:
                if not self._dispatch(data):
                    reason = "the SMSC unbound"
                    return
            while True:
                readable, _, _ = select.select([self.sock], [], [], tick)
                now = time.monotonic()
                if not readable:
                    if enquired_at is not None and now - enquired_at > gateway.response_timeout:
                        reason = f"no answer to enquire_link within {gateway.response_timeout:g} s"
                        break
                    if enquired_at is None and now - last_heard >= idle:
                        pdu = smpp.make_pdu("enquire_link", client=gateway.sequencer)
                        self.write(pdu.generate())
                        enquired_at = now
                    continue
                chunk = self.sock.recv(65536)
                if not chunk:
                    reason = "unbound" if self.unbinding else "connection closed by the SMSC"
                    break
                last_heard, enquired_at = now, None
                for data in stream.feed(chunk):
                    if not self._dispatch(data):
                        reason = "unbound" if self.unbinding else "the SMSC unbound"
                        return
        except (OSError, ValueError) as error:
            reason = f"connection lost: {error}"
        finally:
            self.reason = self.reason or reason
            self.down.set()
            self.events.put(_Down(self.reason))
            self.receipts.put(_Down(self.reason))

    def _dispatch(self, data: bytes) -> bool:
        """Act on one PDU; False when the session is over (unbind)."""
        command_id, status, sequence = struct.unpack_from(">LLL", data, 4)
        if command_id == 0x80000004:  # submit_sm_resp: the hot path
            message_id = data[16:].split(b"\0", 1)[0].decode("latin-1") if len(data) > 16 else ""
            self.events.put((sequence, status, message_id or None))
            return True
        if command_id == 0x80000000:  # generic_nack: answers the request with this sequence
            self.events.put((sequence, status or 0xFF, None))
            return True
        try:
            pdu = parse_pdu(data)
        except Exception:  # a PDU smpplib cannot read: refuse it, keep the session
            log.warning("SMPP: cannot parse PDU %s", data[:32].hex(), exc_info=True)
            if not command_id & 0x80000000:
                self.write(response("generic_nack", sequence, ESME_RINVCMDID))
            return True
        if pdu.command == "deliver_sm":
            receipt = parse_receipt(pdu, self.gateway.smsc_timezone)
            if receipt is None:  # a message from a subscriber, or a receipt without an id
                log.info("SMPP: deliver_sm that is not a receipt, acknowledged and ignored")
                self.write(response("deliver_sm_resp", sequence))
            else:
                self.receipts.put((receipt, sequence))  # acknowledged once handled, in receipts()
        elif pdu.command == "enquire_link":
            self.write(response("enquire_link_resp", sequence))
        elif pdu.command == "unbind":
            self.write(response("unbind_resp", sequence))
            return False
        elif pdu.command == "unbind_resp":
            return False
        elif pdu.command != "enquire_link_resp" and not pdu.is_response():
            self.write(response("generic_nack", sequence, ESME_RINVCMDID))
        return True


class SmppGateway(Gateway):
    """An SMSC over SMPP 3.4, bound as a transceiver. See the module's docstring for the design.

    window: submits in flight at once. parts_per_second: throughput limit in parts (None: none).
    enquire_link_seconds: idle time before an enquire_link. response_timeout: the longest wait for
    any answer (bind, submit, enquire_link) before the connection is given up. source_ton/npi:
    None chooses alphanumeric (5/0) for a brandname, international ISDN (1/1) for a number.
    send_part_refs: carry each part's ref in the vendor TLV 0x1400 (test SMSC only).
    smsc_timezone: the zone of the dates in receipts."""

    name = "smpp"

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        system_type: str = "",
        *,
        source_ton: int | None = None,
        source_npi: int | None = None,
        window: int = 10,
        parts_per_second: float | None = 50,
        enquire_link_seconds: float = 30.0,
        response_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        send_part_refs: bool = False,
        smsc_timezone: tzinfo = UTC,
    ):
        if window < 1:
            raise ValueError("window must be at least 1")
        self.host, self.port = host, int(port)
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.source_ton, self.source_npi = source_ton, source_npi
        self.window = window
        self.parts_per_second = parts_per_second
        self.enquire_link_seconds = enquire_link_seconds
        self.response_timeout = response_timeout
        self.connect_timeout = connect_timeout
        self.send_part_refs = send_part_refs
        self.smsc_timezone = smsc_timezone
        self.sequencer = Sequencer()
        self._bucket = TokenBucket(parts_per_second)
        self._connection: _Connection | None = None

    def __repr__(self) -> str:
        return f"<SmppGateway {self.system_id}@{self.host}:{self.port}>"

    # Connection ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._connection is not None and not self._connection.down.is_set()

    def open(self) -> None:
        if self.is_open:
            return
        self._drop_connection()
        where = f"{self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as error:
            raise GatewayDown(f"cannot connect to the SMSC at {where}: {error}") from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self.response_timeout)  # bounds a write to a peer that stopped reading
            stream, early = self._bind(sock, where)
        except BaseException:
            sock.close()
            raise
        self._connection = _Connection(sock, self, stream, early)
        self._connection.reader.start()

    def _bind(self, sock: socket.socket, where: str) -> tuple[PduStream, list[bytes]]:
        """Bind as a transceiver; the stream and the PDUs that came after the answer."""
        pdu = smpp.make_pdu(
            "bind_transceiver",
            client=self.sequencer,
            system_id=self.system_id,
            password=self.password,
            system_type=self.system_type,
            addr_ton=0,
            addr_npi=0,
            address_range="",
        )
        stream = PduStream()
        try:
            sock.sendall(pdu.generate())
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    raise GatewayDown(f"the SMSC at {where} closed the connection during bind")
                answers = stream.feed(chunk)
                if answers:
                    break
        except (OSError, ValueError) as error:
            raise GatewayDown(f"bind to the SMSC at {where} failed: {error}") from error
        answer = parse_pdu(answers[0])
        if answer.status != ESME_ROK:
            raise BindRefused(
                f"the SMSC at {where} refused bind_transceiver as {self.system_id!r}: "
                f"{describe_smpp_status(answer.status)}",
                answer.status,
            )
        if answer.command not in ("bind_transceiver_resp", "generic_nack"):
            raise GatewayDown(f"the SMSC at {where} answered bind_transceiver with {answer.command}")
        if answer.command == "generic_nack":
            raise BindRefused(f"the SMSC at {where} does not accept bind_transceiver", answer.status)
        return stream, answers[1:]

    def close(self) -> None:
        connection = self._connection
        if connection is None:
            return
        if not connection.down.is_set():
            connection.unbinding = True
            if connection.try_write(smpp.make_pdu("unbind", client=self.sequencer).generate()):
                connection.reader.join(min(self.response_timeout, 2.0))
        self._drop_connection()

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.kill()
        connection.reader.join(5)
        connection.sock.close()

    def _live_connection(self, refs: Sequence[str] = ()) -> _Connection:
        if not self.is_open:
            reason = self._connection.reason if self._connection else "not connected"
            raise GatewayDown(f"SMPP gateway {self.host}:{self.port} is down: {reason}", refs)
        return self._connection

    # Sending ------------------------------------------------------------------------------------

    def submit_pdu(self, part: OutgoingPart) -> SubmitSMWithRef:
        """The submit_sm of one part (numbered from this gateway's sequence)."""
        short_message = encode_text(part.text, part.encoding)
        esm_class = 0
        if part.concat is not None:
            short_message = concat_header(*part.concat) + short_message
            esm_class = ESM_CLASS_UDHI
        digits = part.sender.removeprefix("+")
        alphanumeric = not digits.isdigit()
        sender = part.sender if alphanumeric else digits
        return SubmitSMWithRef(
            "submit_sm",
            client=self.sequencer,
            service_type="",
            source_addr_ton=self.source_ton if self.source_ton is not None else (5 if alphanumeric else 1),
            source_addr_npi=self.source_npi if self.source_npi is not None else (0 if alphanumeric else 1),
            source_addr=sender,
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr=part.to,
            esm_class=esm_class,
            registered_delivery=1,  # a receipt for success and failure
            data_coding=DATA_CODING[part.encoding],
            short_message=short_message,
            **{PART_REF_FIELD: part.ref if self.send_part_refs else None},
        )

    def send(self, parts: Sequence[OutgoingPart], on_result: Callable[[SubmitResult], None]) -> None:
        connection = self._live_connection([part.ref for part in parts])
        in_flight: dict[int, tuple[OutgoingPart, float]] = {}  # sequence → (part, when written)
        following = 0  # index of the next part to write
        broken = False  # a write failed or an answer is overdue: write nothing more, wait for the end
        while following < len(parts) or in_flight:
            wait = None
            batch = []
            while not broken and following < len(parts) and len(in_flight) + len(batch) < self.window:
                wait = self._bucket.take()
                if wait:
                    break
                part = parts[following]
                pdu = self.submit_pdu(part)
                batch.append((pdu.sequence, part, pdu.generate()))
                following += 1
            if batch:
                now = time.monotonic()
                for sequence, part, _data in batch:  # registered before written: no answer can be missed
                    in_flight[sequence] = (part, now)
                if not connection.try_write(b"".join(data for _seq, _part, data in batch)):
                    broken = True
                    connection.kill()  # the reader hands over the answers that came, then the marker
            if not in_flight:
                if broken:  # nothing in flight and nothing more will be written: wait for the marker
                    event = connection.events.get()
                    while not isinstance(event, _Down):
                        event = connection.events.get()
                    refs = [part.ref for part in parts[following:]]
                    raise GatewayDown(f"SMPP connection to {self.host}:{self.port} lost: {event.reason}", refs)
                time.sleep(wait or 0)
                continue
            oldest = next(iter(in_flight.values()))[1]
            timeout = self.response_timeout - (time.monotonic() - oldest)
            if wait:
                timeout = min(timeout, wait)
            try:
                event = connection.events.get(timeout=max(timeout, 0.0))
            except queue.Empty:
                if time.monotonic() - oldest >= self.response_timeout:
                    connection.reason = f"no answer to submit_sm within {self.response_timeout:g} s"
                    broken = True
                    connection.kill()
                continue
            if isinstance(event, _Down):
                refs = [part.ref for part, _when in in_flight.values()] + [part.ref for part in parts[following:]]
                raise GatewayDown(f"SMPP connection to {self.host}:{self.port} lost: {event.reason}", refs)
            sequence, status, message_id = event
            if sequence not in in_flight:
                log.warning("SMPP: answer to an unknown submit (sequence %s), ignored", sequence)
                continue
            part, _when = in_flight.pop(sequence)
            outcome, error = classify_smpp_status(status)
            on_result(SubmitResult(part.ref, message_id if outcome == ACCEPTED else None, outcome, error))

    # Receipts -----------------------------------------------------------------------------------

    def receipts(self, on_receipt: Callable[[Receipt], None], seconds: float) -> None:
        connection = self._live_connection()
        deadline = time.monotonic() + seconds
        while True:
            try:
                item = connection.receipts.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return
            if isinstance(item, _Down):
                raise GatewayDown(f"SMPP connection to {self.host}:{self.port} lost: {item.reason}")
            receipt, sequence = item
            on_receipt(receipt)
            connection.try_write(response("deliver_sm_resp", sequence))
