"""A small SMSC (the carrier's side of SMPP 3.4) for the tests, the benchmark and the demo.

A real TCP server on 127.0.0.1, one thread per connection, PDUs built and parsed with smpplib's
classes (through `outreach.gateways.smpp`). It:

- accepts `bind_transceiver` with the configured system_id and password (anything else gets
  ESME_RINVSYSID / ESME_RINVPASWD and the connection is closed);
- answers `submit_sm` with `submit_sm_resp` and a new message id, or ESME_RTHROTTLED beyond
  `throttle = (submits, seconds)`, or ESME_RINVDSTADR for a destination that is not digits;
- sends a delivery receipt (`deliver_sm`, esm_class 0x04) for each accepted part whose submit asked
  for one, `receipt_delay` seconds later: DELIVRD, or UNDELIV for destinations matching the
  `undeliverable` pattern; in the text of SMPP 3.4 Appendix B, as TLVs (`receipted_message_id`,
  `message_state`) or both (`receipt_style`). A receipt not acknowledged when a connection ends is
  kept and sent again on the next bind, as carriers do;
- answers `enquire_link` and `unbind`; with `response_delay`, answers each submit that much later
  while reading on (the latency of a distant SMSC, which a window of submits hides);
- can drop the connection in the middle of a campaign (`drop_after(n)`: after answering the n-th
  accepted submit from now it stops answering and closes, without unbind), and can be stopped and
  started again on the same port (`stop()`, `start()`), keeping its ledger and pending receipts.

The ledger: what the SMSC *accepted*
------------------------------------
A part counts as received when its `submit_sm_resp` has been written to the socket; a submit that
arrived but was not answered before the connection went is forgotten (not in the ledger, no
receipt), as an SMSC that stores a message only when it acknowledges it would do. The ledger is
keyed by the client's part ref, carried in the vendor TLV 0x1400 when the gateway sets
`send_part_refs` (else by destination and content), and counts duplicates.

Why counting at the response makes "nothing lost, nothing sent twice" achievable. The client
(`SmppGateway.send`) marks a part "accepted" only when it reads the `submit_sm_resp`, and after a
lost connection resends exactly the parts that got no response (`GatewayDown.refs`). So:
- a part the SMSC accepted was answered; if the answer reached the client, the client never sends
  it again: nothing twice;
- a part the SMSC did not answer was forgotten by it; the client got no answer either, so it sends
  it again: nothing lost.
The two views agree as long as every response the SMSC wrote reaches the client. This SMSC makes
sure of it when it drops a connection: it half-closes (FIN after the last response, not a reset),
then reads and ignores whatever still arrives until the client closes. The tests and the benchmark
then find every ref exactly once.

The residual risk in the real world: a carrier's SMSC stores the message, writes the response, and
the connection breaks (a reset, a crash, a cut link) before the response reaches us. The part was
accepted but we never learn it, we resend it, and the subscriber gets it twice. SMPP 3.4 has no
idempotency key to let the SMSC recognise the resend. The exposure is bounded by the window: at
most `window` parts (those in flight at the instant of the cut) per interruption, never a whole
campaign; the opposite mistake (treating an unanswered part as sent) would instead lose messages
silently, which for public-health messages is the worse error. Receipts can reveal such duplicates
afterwards (two message ids for one part ref), and the campaign can record them.

Run it for the demo:  python -m outreach.smsc --port 2775 [--receipt-delay 2] [--undeliverable '^84900']
"""

import argparse
import contextlib
import heapq
import itertools
import logging
import queue
import re
import select
import signal
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from smpplib import smpp

from outreach.gateways import describe_smpp_status
from outreach.gateways.smpp import (
    ESM_CLASS_RECEIPT,
    ESM_CLASS_UDHI,
    ESME_RINVCMDID,
    ESME_ROK,
    PART_REF_FIELD,
    PduStream,
    Sequencer,
    decode_text,
    parse_pdu,
    response,
)

log = logging.getLogger(__name__)

ESME_RINVBNDSTS = 0x04
ESME_RINVDSTADR = 0x0B
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RTHROTTLED = 0x58

DRAIN_SECONDS = 2.0  # after a drop, how long to read and ignore what the client still sends

# Receipt outcomes: (stat word, err code, message_state TLV).
DELIVERED = ("DELIVRD", "000", 2)
UNDELIVERABLE = ("UNDELIV", "001", 5)


@dataclass(frozen=True, slots=True)
class AcceptedPart:
    """One part the SMSC accepted (answered with ESME_ROK)."""

    key: str  # the client's part ref, or "<destination>:<content hex>" without one
    message_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    short_message: bytes
    registered_delivery: int

    @property
    def concat(self) -> tuple[int, int, int] | None:
        """(reference, total, seq) from the UDH (IEI 0x00), or None."""
        data = self.short_message
        if self.esm_class & ESM_CLASS_UDHI and len(data) >= 6 and data[:3] == b"\x05\x00\x03":
            return data[3], data[4], data[5]
        return None

    @property
    def text(self) -> str:
        """The text of this part (without its UDH)."""
        data = self.short_message
        if self.esm_class & ESM_CLASS_UDHI and data:
            data = data[1 + data[0] :]
        return decode_text(data, self.data_coding)


class Ledger:
    """What the SMSC accepted, in order, with a count per key. Thread-safe; survives restarts."""

    def __init__(self):
        self._lock = threading.Lock()
        self._parts: list[AcceptedPart] = []
        self._counts: Counter[str] = Counter()

    def record(self, part: AcceptedPart) -> None:
        with self._lock:
            self._parts.append(part)
            self._counts[part.key] += 1

    def forget(self, part: AcceptedPart) -> None:
        """Undo `record` (its response could not be written)."""
        with self._lock:
            self._parts.remove(part)
            self._counts[part.key] -= 1

    def __len__(self) -> int:
        return len(self._parts)

    @property
    def parts(self) -> list[AcceptedPart]:
        with self._lock:
            return list(self._parts)

    def count(self, key: str) -> int:
        return self._counts[key]

    def duplicated(self) -> dict[str, int]:
        """Keys accepted more than once, with their count."""
        with self._lock:
            return {key: count for key, count in self._counts.items() if count > 1}

    def missing(self, keys) -> list[str]:
        """The keys (part refs) never accepted."""
        with self._lock:
            return [key for key in keys if not self._counts[key]]

    def messages(self) -> list[tuple[str, str]]:
        """(destination, text) of every complete message, its parts put together by the UDH
        reference, in the order of their first accepted part (what the phones would show)."""
        groups: dict[tuple, tuple[str, int, dict[int, str]]] = {}  # → (destination, total, texts by seq)
        for part in self.parts:
            concat = part.concat
            if concat is None:
                groups[(part.key,)] = (part.destination, 1, {1: part.text})
            else:
                reference, total, seq = concat
                group = groups.setdefault(
                    (part.source, part.destination, reference, total), (part.destination, total, {})
                )
                group[2][seq] = part.text
        return [
            (destination, "".join(texts[seq] for seq in sorted(texts)))
            for destination, total, texts in groups.values()
            if len(texts) == total
        ]


@dataclass(frozen=True, slots=True)
class _PendingReceipt:
    message_id: str
    subscriber: str  # the part's destination: the receipt comes "from" it
    sender: str
    submitted_at: datetime
    outcome: tuple[str, str, int]
    excerpt: str


class Smsc:
    """The test SMSC. `Smsc(port=0).start()` picks a free port (`.port`), kept for restarts."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        system_id: str = "tincay",
        password: str = "secret",  # noqa: S107 - the test SMSC's default, not a real secret
        receipts: bool = True,
        receipt_delay: float = 0.0,
        receipt_style: str = "both",
        undeliverable: str | None = None,
        throttle: tuple[int, float] | None = None,
        response_delay: float = 0.0,
        ledger: Ledger | None = None,
    ):
        if receipt_style not in ("text", "tlv", "both"):
            raise ValueError("receipt_style is 'text', 'tlv' or 'both'")
        self.host, self.port = host, port
        self.system_id, self.password = system_id, password
        self.receipts, self.receipt_delay, self.receipt_style = receipts, receipt_delay, receipt_style
        self.undeliverable = re.compile(undeliverable) if undeliverable else None
        self.throttle = throttle
        self.response_delay = response_delay
        self.ledger = ledger if ledger is not None else Ledger()
        self.sequencer = Sequencer()
        self.enquire_links = 0
        self.throttled = 0
        self.binds = 0
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._sessions: list[_Session] = []
        self._receipt_heap: list[tuple[float, int, _PendingReceipt]] = []
        self._receipt_order = itertools.count()
        self._drop_countdown: int | None = None
        self._throttle_window = (0.0, 0)  # (start, submits accepted in it)
        self._running = False
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # Life cycle -----------------------------------------------------------------------------------

    def start(self) -> "Smsc":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._running = True
        self._threads = [
            threading.Thread(target=self._accept_loop, name="smsc-accept", daemon=True),
            threading.Thread(target=self._receipt_loop, name="smsc-receipts", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info("test SMSC listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop listening and cut every connection (no unbind): a crash, as the client sees it.
        The ledger and the receipts not yet acknowledged stay for `start()`."""
        with self._cond:
            self._running = False
            sessions = list(self._sessions)
            self._cond.notify_all()
        for session in sessions:
            session.cut()
        for thread in self._threads:
            thread.join(5)
        for session in sessions:
            session.thread.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> "Smsc":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def drop_after(self, submits: int) -> None:
        """Answer `submits` more accepted submits, then drop the connection (once)."""
        with self._lock:
            self._drop_countdown = submits

    def _accept_loop(self) -> None:
        listener = self._listener
        while self._running:
            readable, _, _ = select.select([listener], [], [], 0.05)
            if not readable or not self._running:
                continue
            try:
                sock, peer = listener.accept()
            except OSError:
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = _Session(self, sock, peer)
            with self._lock:
                self._sessions.append(session)
            session.thread.start()

    # What sessions ask of the SMSC ----------------------------------------------------------------

    def _check_bind(self, system_id: str, password: str) -> int:
        if system_id != self.system_id:
            return ESME_RINVSYSID
        if password != self.password:
            return ESME_RINVPASWD
        return ESME_ROK

    def _admit(self) -> bool:
        """Whether a submit may be accepted now (False: throttled)."""
        if self.throttle is None:
            return True
        limit, seconds = self.throttle
        with self._lock:
            start, count = self._throttle_window
            now = time.monotonic()
            if now - start >= seconds:
                start, count = now, 0
            if count >= limit:
                self.throttled += 1
                return False
            self._throttle_window = (start, count + 1)
            return True

    def _new_message_id(self) -> str:
        with self._lock:
            return f"{next(self._message_ids):08X}"

    def _accepted(self, part: AcceptedPart) -> bool:
        """After its response was written: the receipt; True when the connection must now drop."""
        if self.receipts and part.registered_delivery & 0x01:
            outcome = DELIVERED
            if self.undeliverable is not None and self.undeliverable.search(part.destination):
                outcome = UNDELIVERABLE
            excerpt = part.text[:20].encode("ascii", "replace").decode()
            receipt = _PendingReceipt(
                part.message_id, part.destination, part.source, datetime.now(UTC), outcome, excerpt
            )
            self._schedule(receipt, time.monotonic() + self.receipt_delay)
        with self._lock:
            if self._drop_countdown is None:
                return False
            self._drop_countdown -= 1
            if self._drop_countdown > 0:
                return False
            self._drop_countdown = None
            return True

    def _schedule(self, receipt: _PendingReceipt, due: float) -> None:
        with self._cond:
            heapq.heappush(self._receipt_heap, (due, next(self._receipt_order), receipt))
            self._cond.notify_all()

    def _session_bound(self) -> None:
        with self._cond:
            self.binds += 1
            self._cond.notify_all()

    def _session_ended(self, session: "_Session") -> None:
        with self._cond:
            if session in self._sessions:
                self._sessions.remove(session)
            now = time.monotonic()
            for receipt in session.unacknowledged():
                heapq.heappush(self._receipt_heap, (now, next(self._receipt_order), receipt))
            self._cond.notify_all()

    def _receipt_loop(self) -> None:
        """Send each receipt when due, on the most recent bound connection; wait while none."""
        while True:
            with self._cond:
                while True:
                    if not self._running:
                        return
                    session = next((s for s in reversed(self._sessions) if s.bound and not s.dropped), None)
                    now = time.monotonic()
                    if session is not None and self._receipt_heap and self._receipt_heap[0][0] <= now:
                        _due, _order, receipt = heapq.heappop(self._receipt_heap)
                        break
                    timeout = None
                    if session is not None and self._receipt_heap:
                        timeout = self._receipt_heap[0][0] - now
                    self._cond.wait(timeout if timeout is not None else 0.5)
            if not session.send_receipt(receipt):
                self._schedule(receipt, time.monotonic())

    def deliver_sm(self, receipt: _PendingReceipt):
        """The delivery receipt PDU of an accepted part."""
        stat, err, state = receipt.outcome
        done = datetime.now(UTC)
        fields = {}
        if self.receipt_style in ("text", "both"):
            delivered = "001" if stat == "DELIVRD" else "000"
            text = (
                f"id:{receipt.message_id} sub:001 dlvrd:{delivered} "
                f"submit date:{receipt.submitted_at:%y%m%d%H%M} done date:{done:%y%m%d%H%M%S} "
                f"stat:{stat} err:{err} text:{receipt.excerpt}"
            )
            fields["short_message"] = text.encode("ascii")
        if self.receipt_style in ("tlv", "both"):
            fields["receipted_message_id"] = receipt.message_id
            fields["message_state"] = state
        return smpp.make_pdu(
            "deliver_sm",
            client=self.sequencer,
            service_type="",
            source_addr_ton=1,
            source_addr_npi=1,
            source_addr=receipt.subscriber,
            dest_addr_ton=5 if not receipt.sender.isdigit() else 1,
            dest_addr_npi=0 if not receipt.sender.isdigit() else 1,
            destination_addr=receipt.sender,
            esm_class=ESM_CLASS_RECEIPT,
            data_coding=0,
            **fields,
        )


class _Session:
    """One client connection, served by its own thread."""

    def __init__(self, smsc: Smsc, sock: socket.socket, peer):
        self.smsc = smsc
        self.sock = sock
        self.peer = peer
        self.bound = False
        self.dropped = False
        self.write_lock = threading.Lock()
        self._pending: dict[int, _PendingReceipt] = {}  # receipts sent, not acknowledged
        self._pending_lock = threading.Lock()
        self._delayed: queue.SimpleQueue = queue.SimpleQueue()  # (due, sequence, part) | None
        self.thread = threading.Thread(target=self._serve, name="smsc-session", daemon=True)

    def _write(self, data: bytes) -> None:
        with self.write_lock:
            self.sock.sendall(data)

    def cut(self) -> None:
        """Close at once (SMSC stopped)."""
        self.dropped = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def hang_up(self) -> None:
        """Drop the connection without unbind, but let what was written reach the client: FIN
        after the last response; the rest of the input is read and ignored (see the docstring)."""
        with self.write_lock:
            self.dropped = True
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
        self.sock.settimeout(DRAIN_SECONDS)

    def unacknowledged(self) -> list[_PendingReceipt]:
        with self._pending_lock:
            pending, self._pending = list(self._pending.values()), {}
        return pending

    def send_receipt(self, receipt: _PendingReceipt) -> bool:
        pdu = self.smsc.deliver_sm(receipt)
        with self._pending_lock:
            self._pending[pdu.sequence] = receipt
        try:
            with self.write_lock:
                if self.dropped:
                    raise OSError("dropped")
                self.sock.sendall(pdu.generate())
        except OSError:
            with self._pending_lock:
                self._pending.pop(pdu.sequence, None)
            return False
        return True

    def _serve(self) -> None:
        stream = PduStream()
        if self.smsc.response_delay > 0:
            threading.Thread(target=self._answer_later, name="smsc-responder", daemon=True).start()
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                for data in stream.feed(chunk):
                    if not self.dropped and not self._handle(data):
                        return
        except (OSError, ValueError):
            pass
        finally:
            self.dropped = True
            self._delayed.put(None)
            self.sock.close()
            self.smsc._session_ended(self)

    def _handle(self, data: bytes) -> bool:
        """Answer one PDU; False when the session is over."""
        command_id, _status, sequence = struct.unpack_from(">LLL", data, 4)
        try:
            pdu = parse_pdu(data)
        except Exception:
            log.warning("test SMSC: cannot parse PDU %s", data[:32].hex(), exc_info=True)
            if not command_id & 0x80000000:
                self._write(response("generic_nack", sequence, ESME_RINVCMDID))
            return True
        name = pdu.command
        if name == "submit_sm":
            return self._submit(pdu)
        if name == "deliver_sm_resp":
            with self._pending_lock:
                self._pending.pop(pdu.sequence, None)
        elif name == "enquire_link":
            self.smsc.enquire_links += 1
            self._write(response("enquire_link_resp", sequence))
        elif name == "bind_transceiver":
            status = self.smsc._check_bind(_text(pdu.system_id), _text(pdu.password))
            self._write(response("bind_transceiver_resp", sequence, status, system_id="TinCaySMSC"))
            if status != ESME_ROK:
                log.info("test SMSC: bind refused (%s)", describe_smpp_status(status))
                self.hang_up()
                return True
            self.bound = True
            self.smsc._session_bound()
        elif name in ("bind_transmitter", "bind_receiver"):
            self._write(response(f"{name}_resp", sequence, ESME_RBINDFAIL))
        elif name == "unbind":
            self._write(response("unbind_resp", sequence))
            self.bound = False
            return False
        elif not pdu.is_response():
            self._write(response("generic_nack", sequence, ESME_RINVCMDID))
        return True

    def _submit(self, pdu) -> bool:
        sequence = pdu.sequence
        destination = _text(pdu.destination_addr)
        if not self.bound:
            self._write(response("submit_sm_resp", sequence, ESME_RINVBNDSTS))
            return True
        if not destination.isdigit():
            self._write(response("submit_sm_resp", sequence, ESME_RINVDSTADR))
            return True
        if not self.smsc._admit():
            self._write(response("submit_sm_resp", sequence, ESME_RTHROTTLED))
            return True
        short_message = pdu.short_message or b""
        message_id = self.smsc._new_message_id()
        part = AcceptedPart(
            key=getattr(pdu, PART_REF_FIELD, None) or f"{destination}:{short_message.hex()}",
            message_id=message_id,
            source=_text(pdu.source_addr),
            destination=destination,
            data_coding=pdu.data_coding or 0,
            esm_class=pdu.esm_class or 0,
            short_message=short_message,
            registered_delivery=pdu.registered_delivery or 0,
        )
        if self.smsc.response_delay > 0:
            self._delayed.put((time.monotonic() + self.smsc.response_delay, sequence, part))
        else:
            self._answer(sequence, part)
        return True

    def _answer(self, sequence: int, part: AcceptedPart) -> None:
        if self.dropped:  # received, never answered: forgotten
            return
        # The part counts as received once its response is written. It goes in the ledger just
        # before, so that whoever reads the response finds it there; a failed write takes it out.
        self.smsc.ledger.record(part)
        try:
            self._write(response("submit_sm_resp", sequence, message_id=part.message_id))
        except OSError:
            self.smsc.ledger.forget(part)
            raise
        if self.smsc._accepted(part):
            log.info("test SMSC: dropping the connection after %s accepted parts", len(self.smsc.ledger))
            self.hang_up()

    def _answer_later(self) -> None:
        """With `response_delay`: answer each submit when due, while the session goes on reading
        (a distant SMSC: the delay is latency, not a queue, so a window of submits hides it)."""
        while (item := self._delayed.get()) is not None:
            due, sequence, part = item
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                self._answer(sequence, part)
            except OSError:
                self.cut()
                return


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="The test SMSC (SMPP 3.4) for the demo and the benchmark.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--system-id", default="tincay")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--receipt-delay", type=float, default=1.0, help="seconds before a receipt")
    parser.add_argument("--receipt-style", choices=("text", "tlv", "both"), default="both")
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument("--undeliverable", help="regular expression: destinations whose receipt says UNDELIV")
    parser.add_argument("--throttle", type=int, help="accept at most this many submits a second")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    smsc = Smsc(
        args.host,
        args.port,
        system_id=args.system_id,
        password=args.password,
        receipts=not args.no_receipts,
        receipt_delay=args.receipt_delay,
        receipt_style=args.receipt_style,
        undeliverable=args.undeliverable,
        throttle=(args.throttle, 1.0) if args.throttle else None,
    ).start()
    print(f"test SMSC on {smsc.host}:{smsc.port}, system_id {smsc.system_id!r}; Ctrl-C to stop", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stopping.wait()
    finally:
        smsc.stop()
        print(f"accepted {len(smsc.ledger)} parts, {len(smsc.ledger.duplicated())} refs more than once")


if __name__ == "__main__":
    main()
