"""A small HTTP SMS gateway for the tests, the benchmark and the demo: the contract of
`outreach.gateways.http`, served for real over HTTP/1.1 on 127.0.0.1.

A `ThreadingHTTPServer` with keep-alive, port 0 by default (a free one, kept for restarts). It:

- checks `Authorization: Bearer <token>` on every request (401 otherwise);
- answers `GET /status` with {"status": "ok"};
- takes `POST /messages`: a body that is not the contract's gets 400, more than `max_batch`
  messages 413. Each part is accepted with a new message id, or "permanent" when its destination
  is not digits or its text is not one SMS part in its encoding, or "temporary" beyond
  `throttle = (parts, seconds)`; when nothing is left of the throttle's window, the whole request
  gets 429 with Retry-After;
- honours `Idempotency-Key` as the contract says: a key seen before gets, for each part the
  first request accepted or refused for good, that same result again without storing the part
  twice (`replays` counts such requests), and its other parts (refused temporarily) are handled
  anew; the same key with another body gets 422. The results by key survive `stop()` and
  `start()`, as the ledger does;
- makes a receipt for each accepted part, fetched with `GET /receipts?after=<cursor>` once
  `receipt_delay` seconds have passed: "delivered", or "undeliverable" for destinations that
  match the `undeliverable` pattern. The cursor is a position in the gateway's list of receipts;
- fails on demand: `fail_next(n, status, body)` answers the next n POSTs /messages with that
  status and body without storing anything (a 500, a 429, a 400, malformed or oversized JSON, …);
  `drop_after(n)` stores the request that holds the n-th accepted part from now, then closes the
  connection without an answer (`cut=True`: after half the answer; `crash=True`: and stops, as a
  crash would: connections are refused until `start()`);
- can be stopped and started again on the same port (`stop()`, `start()`), keeping its ledger,
  its receipts and its answers by key.

The ledger: what the gateway took for delivery
----------------------------------------------
The ledger counts what a real gateway would hand to the carriers, so what the phones would get:
every stored part, by the client's ref, with duplicates. For a request answered normally, the
parts are recorded just before the answer is written and taken out again (their results kept
under the key with them) if writing it fails: a part counts as received once its answer was fully
written, as in `outreach.smsc`, and on that path the gateway's view and the client's agree.

`drop_after` plays the one case where they cannot agree: the gateway stored the request, then
the connection broke before the answer reached the client (a crash after the commit, a cut link,
a proxy's timeout). Those parts stay in the ledger (a phone would get them) and their refs stay
in `unanswered` until an answer for them has been written. Counting them only once answered would
be the wrong view: the client got no result for them and resends them, and if the resend were
stored again the ledger would show it as the first copy, hiding the very duplicate the phones
would see. What keeps the resend from being stored twice is the Idempotency-Key: the same batch
comes back with the same key, the gateway answers with the stored results and stores nothing. A client
without the key (or whose resend makes another batch) shows in the ledger as a duplicate, which is
the truth. So "nothing lost, nothing twice" (`ledger.missing(refs) == []`, `ledger.duplicated() ==
{}`) measures the guarantee from end to end, key included.

Run it for the demo:  python -m outreach.httpsms --port 2776 [--token secret] [--receipt-delay 2]
"""

import argparse
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import math
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from outreach.gateways.smpp import encode_text
from outreach.smsc import Ledger
from vntext.sms import GSM7, UCS2

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
RECEIPT_PAGE = 100
IDLE_SECONDS = 60  # an idle keep-alive connection is closed after this
ENCODINGS = {"gsm7": GSM7, "ucs2": UCS2}
# Characters (GSM septets or UTF-16 units) in one part: alone, and with a concatenation header.
PART_LIMITS = {"gsm7": (160, 153), "ucs2": (70, 67)}


@dataclass(frozen=True, slots=True)
class AcceptedPart:
    """One part the gateway stored. The names are those `outreach.smsc.Ledger` reads (`key`,
    `source`, `destination`, `concat`, `text`), so one Ledger class counts for both test gateways."""

    key: str  # the client's part ref
    message_id: str
    source: str
    destination: str
    text: str
    encoding: str  # "gsm7" or "ucs2", as on the wire
    concat: tuple[int, int, int] | None  # (reference, total, seq) from the udh


@dataclass(slots=True)
class _Reply:
    """An answer to a POST /messages, and what writing it (or not) means."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    parts: list[AcceptedPart] = field(default_factory=list)  # stored by this request (not replayed)
    refs: list[str] = field(default_factory=list)  # the refs this answer gives a result for
    key: str | None = None  # the Idempotency-Key its results are kept under
    drop: str | None = None  # None, "silent" (no answer at all) or "cut" (half of it)
    crash: bool = False


@dataclass(slots=True)
class _Kept:
    """What is kept under an Idempotency-Key: the final results (accepted or permanent) by ref."""

    fingerprint: str  # SHA-256 of the request's body
    results: dict[str, dict] = field(default_factory=dict)


class Invalid(Exception):
    """A request that is not the contract's: answered with `status`."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def read_batch(body: bytes, max_batch: int) -> list[dict]:
    """The messages of a POST /messages body, checked against the contract (`Invalid` if not)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise Invalid("the body is not JSON") from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages:
        raise Invalid("the body has no messages list")
    if len(messages) > max_batch:
        raise Invalid(f"at most {max_batch} messages a request", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise Invalid(f"messages[{index}] is not an object")
        for name in ("ref", "to", "from", "text"):
            if not isinstance(message.get(name), str) or (name != "text" and not message[name]):
                raise Invalid(f"messages[{index}].{name} is missing")
        if message.get("encoding") not in ENCODINGS:
            raise Invalid(f"messages[{index}].encoding is not gsm7 or ucs2")
        udh = message.get("udh")
        if udh is not None:
            values = [udh.get(name) for name in ("ref", "total", "seq")] if isinstance(udh, dict) else []
            if not (
                len(values) == 3
                and all(type(value) is int for value in values)
                and 0 <= values[0] <= 255
                and 1 <= values[2] <= values[1] <= 255
            ):
                raise Invalid(f"messages[{index}].udh is not {{ref 0-255, total, seq 1-total}}")
    return messages


def part_problem(message: dict) -> str:
    """Why one (well-formed) message is refused for good, or ""."""
    if not message["to"].isdigit():
        return "invalid destination"
    try:
        encoded = encode_text(message["text"], ENCODINGS[message["encoding"]])
    except ValueError:
        return "text not in the GSM 7-bit alphabet"
    length = len(encoded) if message["encoding"] == "gsm7" else len(encoded) // 2
    alone, with_header = PART_LIMITS[message["encoding"]]
    if length > (alone if message.get("udh") is None else with_header):
        return "text longer than one part"
    return ""


class HttpSmsServer:
    """The test HTTP SMS gateway. `HttpSmsServer().start()` picks a free port (`.port`, `.url`)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = "secret",  # noqa: S107 - the test gateway's default, not a real secret
        receipts: bool = True,
        receipt_delay: float = 0.0,
        undeliverable: str | None = None,
        throttle: tuple[int, float] | None = None,
        max_batch: int = 100,
        ledger: Ledger | None = None,
    ):
        self.host, self.port = host, port
        self.token = token
        self.receipts, self.receipt_delay = receipts, receipt_delay
        self.undeliverable = re.compile(undeliverable) if undeliverable else None
        self.throttle = throttle
        self.max_batch = max_batch
        self.ledger = ledger if ledger is not None else Ledger()
        self.requests = 0  # POST /messages received
        self.replays = 0  # requests answered (at least in part) from an Idempotency-Key's results
        self.throttled = 0  # parts refused by the throttle
        self.unanswered: set[str] = set()  # refs stored whose answer never reached the client
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._kept: dict[str, _Kept] = {}  # by Idempotency-Key
        self._receipts: list[tuple[float, dict]] = []  # (due, receipt), in the order made
        self._failures: list[tuple[int, bytes, dict[str, str]]] = []
        self._drop: tuple[int, str, bool] | None = None  # (accepted parts to go, how, crash)
        self._throttle_window = (0.0, 0)  # (start, parts accepted in it)
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # Life cycle -----------------------------------------------------------------------------------

    def start(self) -> "HttpSmsServer":
        with self._lock:
            if self._httpd is not None:
                return self
            httpd = _Server((self.host, self.port), self)
            self.port = httpd.server_address[1]
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="httpsms", daemon=True
            )
            self._thread.start()
        log.info("test HTTP SMS gateway listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop listening and cut every connection: a crash, as the client sees it. The ledger, the
        receipts and the answers by key stay for `start()`. Safe from a request's own thread."""
        with self._lock:
            httpd, self._httpd = self._httpd, None
            thread, self._thread = self._thread, None
        if httpd is None:
            return
        httpd.shutdown()  # serve_forever has returned: every accepted connection is registered
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(5)

    def __enter__(self) -> "HttpSmsServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # Failure injection ----------------------------------------------------------------------------

    def fail_next(self, requests: int = 1, status: int = 500, body: bytes | dict | None = None) -> None:
        """Answer the next `requests` POST /messages with `status` and `body` (bytes as they are, a
        dict as JSON; by default {"error": <the status's phrase>}), storing nothing."""
        if body is None:
            body = {"error": HTTPStatus(status).phrase}
        data = body if isinstance(body, bytes) else _json(body)
        headers = {"Retry-After": "1"} if status in (429, 503) else {}
        with self._lock:
            self._failures += [(status, data, headers)] * requests

    def drop_after(self, parts: int, *, cut: bool = False, crash: bool = False) -> None:
        """Store the request that holds the `parts`-th accepted part from now, then close its
        connection without an answer (`cut`: after half of it). `crash`: stop too. Once."""
        with self._lock:
            self._drop = (parts, "cut" if cut else "silent", crash)

    # What requests ask of the gateway -------------------------------------------------------------

    def _authorised(self, header: str) -> bool:
        scheme, _space, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())

    def _messages(self, body: bytes, key: str | None) -> _Reply:
        with self._lock:
            self.requests += 1
            if self._failures:
                status, data, headers = self._failures.pop(0)
                return _Reply(status, data, headers)
            try:
                messages = read_batch(body, self.max_batch)
            except Invalid as error:
                return _Reply(error.status, _json({"error": str(error)}))
            fingerprint = hashlib.sha256(body).hexdigest()
            kept = self._kept.get(key) if key else None
            if kept is not None and kept.fingerprint != fingerprint:
                return _Reply(422, _json({"error": "Idempotency-Key reused for another request"}))
            earlier = kept.results if kept is not None else {}
            fresh = [message for message in messages if message["ref"] not in earlier]
            budget = self._throttle_budget() if fresh else None
            if budget == 0:
                self.throttled += len(fresh)
                retry_after = str(max(1, math.ceil(self._throttle_left())))
                return _Reply(429, _json({"error": "throttled"}), {"Retry-After": retry_after})
            return self._store(messages, fresh, earlier, budget, fingerprint, key)

    def _store(self, messages, fresh, earlier, budget, fingerprint, key) -> _Reply:
        """Accept what can be of the `fresh` messages, the others' results come from `earlier`
        (under the lock): the answer, the ledger, the final results kept by key."""
        results, parts = {}, []
        for message in fresh:
            ref = message["ref"]
            problem = part_problem(message)
            if problem:
                results[ref] = {"ref": ref, "status": "permanent", "error": problem}
                continue
            if budget is not None and len(parts) >= budget:
                self.throttled += 1
                results[ref] = {"ref": ref, "status": "temporary", "error": "throttled"}
                continue
            udh = message.get("udh")
            part = AcceptedPart(
                key=ref,
                message_id=f"H{next(self._message_ids):08X}",
                source=message["from"],
                destination=message["to"],
                text=message["text"],
                encoding=message["encoding"],
                concat=(udh["ref"], udh["total"], udh["seq"]) if udh else None,
            )
            parts.append(part)
            results[ref] = {"ref": ref, "status": "accepted", "id": part.message_id}
        if len(fresh) < len(messages):
            self.replays += 1
        if self.throttle is not None:
            start, count = self._throttle_window
            self._throttle_window = (start, count + len(parts))
        refs = [message["ref"] for message in messages]
        answer = {"results": [results.get(ref) or earlier[ref] for ref in refs]}
        reply = _Reply(200, _json(answer), parts=parts, refs=refs, key=key)
        for part in parts:
            self.ledger.record(part)
        if key:
            final = {ref: result for ref, result in results.items() if result["status"] != "temporary"}
            self._kept.setdefault(key, _Kept(fingerprint)).results.update(final)
        if self._drop is not None and parts:
            to_go, how, crash = self._drop
            to_go -= len(parts)
            self._drop = (to_go, how, crash) if to_go > 0 else None
            if to_go <= 0:
                reply.drop, reply.crash = how, crash
        return reply

    def _throttle_budget(self) -> int | None:
        """Parts that may still be accepted in the current window (None: no throttle)."""
        if self.throttle is None:
            return None
        limit, seconds = self.throttle
        start, count = self._throttle_window
        now = time.monotonic()
        if now - start >= seconds:
            start, count = now, 0
            self._throttle_window = (start, count)
        return max(0, limit - count)

    def _throttle_left(self) -> float:
        return self.throttle[1] - (time.monotonic() - self._throttle_window[0])

    def _written(self, reply: _Reply) -> None:
        """The answer reached the socket whole: its parts are received, their receipts made."""
        with self._lock:
            self.unanswered.difference_update(reply.refs)
        self._make_receipts(reply.parts)

    def _not_written(self, reply: _Reply) -> None:
        """Writing the answer failed: what it stored is taken out, its results by key too."""
        with self._lock:
            kept = self._kept.get(reply.key) if reply.key else None
            for part in reply.parts:
                self.ledger.forget(part)
                if kept is not None:
                    kept.results.pop(part.key, None)

    def _dropped(self, reply: _Reply) -> None:
        """Stored and never answered (`drop_after`): the parts stay, and will be delivered."""
        with self._lock:
            self.unanswered.update(part.key for part in reply.parts)
        self._make_receipts(reply.parts)

    def _make_receipts(self, parts: list[AcceptedPart]) -> None:
        if not self.receipts or not parts:
            return
        due = time.monotonic() + self.receipt_delay
        done_at = (datetime.now(UTC) + timedelta(seconds=self.receipt_delay)).isoformat(timespec="seconds")
        with self._lock:
            for part in parts:
                state, error = "delivered", ""
                if self.undeliverable is not None and self.undeliverable.search(part.destination):
                    state, error = "undeliverable", "absent subscriber (err 001)"
                receipt = {"id": part.message_id, "state": state, "error": error, "done_at": done_at}
                self._receipts.append((due, receipt))

    def receipts_made(self) -> int:
        """How many receipts exist (due or not): made once an answer has reached its socket, which
        is after the client may have read it — a test waits for them before fetching."""
        with self._lock:
            return len(self._receipts)

    def _receipt_page(self, after: str) -> tuple[int, dict]:
        """(status, payload) of GET /receipts?after=…: the receipts due after the cursor."""
        with self._lock:
            try:
                position = int(after or 0)
            except ValueError:
                position = -1
            if not 0 <= position <= len(self._receipts):
                return 400, {"error": "unknown cursor"}
            now = time.monotonic()
            page = []
            while position < len(self._receipts) and len(page) < RECEIPT_PAGE:
                due, receipt = self._receipts[position]
                if due > now:
                    break
                page.append(receipt)
                position += 1
            return 200, {"receipts": page, "cursor": str(position)}

    def _registered(self, sock: socket.socket, present: bool) -> None:
        with self._lock:
            if present:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, gateway: HttpSmsServer):
        self.gateway = gateway
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        self.gateway._registered(request, True)  # in serve_forever's thread: `stop` sees it
        super().process_request(request, client_address)

    def close_request(self, request):
        self.gateway._registered(request, False)
        super().close_request(request)

    def handle_error(self, request, client_address):
        log.debug("test HTTP SMS gateway: connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    # Headers and body go out in two writes: without TCP_NODELAY the body waits ~40 ms for the
    # client's delayed ACK on every request (Nagle), which a real gateway would not do.
    disable_nagle_algorithm = True
    server_version = "TinCayTestSms/1"
    timeout = IDLE_SECONDS
    server: _Server

    def log_message(self, format, *args):
        log.debug("test HTTP SMS gateway: " + format, *args)

    def do_GET(self):
        gateway = self.server.gateway
        url = urlsplit(self.path)
        if not self._check_token():
            return
        if url.path == "/status":
            self._reply(200, {"status": "ok"})
        elif url.path == "/receipts":
            after = parse_qs(url.query).get("after", [""])[0]
            self._reply(*gateway._receipt_page(after))
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        gateway = self.server.gateway
        body = self._read_body()
        if body is None or not self._check_token():
            return
        if urlsplit(self.path).path != "/messages":
            self._reply(404, {"error": "not found"})
            return
        reply = gateway._messages(body, self.headers.get("Idempotency-Key"))
        if reply.drop:
            self._drop(reply)
            return
        try:
            self._send(reply.status, reply.body, reply.headers)
        except OSError:
            gateway._not_written(reply)
            raise
        gateway._written(reply)

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self.close_connection = True
            self._reply(411, {"error": "Content-Length required"})
            return None
        if int(length) > MAX_REQUEST_BYTES:
            self.close_connection = True  # the body is not read: the connection cannot go on
            self._reply(413, {"error": f"at most {MAX_REQUEST_BYTES} bytes"})
            return None
        return self.rfile.read(int(length))

    def _check_token(self) -> bool:
        if self.server.gateway._authorised(self.headers.get("Authorization", "")):
            return True
        self._reply(401, {"error": "invalid token"}, {"WWW-Authenticate": 'Bearer realm="sms"'})
        return False

    def _reply(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send(status, _json(payload), headers or {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self, reply: _Reply) -> None:
        """The request is stored; the answer never arrives whole."""
        gateway = self.server.gateway
        gateway._dropped(reply)
        self.close_connection = True
        log.info("test HTTP SMS gateway: dropping the connection after %s stored parts", len(gateway.ledger))
        with contextlib.suppress(OSError):
            if reply.drop == "cut":
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body[: len(reply.body) // 2])
            if reply.crash:
                gateway.stop()  # refuses new connections, cuts this one and the others
            self.connection.shutdown(socket.SHUT_WR)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="The test HTTP SMS gateway for the demo and the benchmark.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2776)
    parser.add_argument("--token", default="secret")
    parser.add_argument("--receipt-delay", type=float, default=1.0, help="seconds before a receipt")
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument("--undeliverable", help="regular expression: destinations whose receipt says undeliverable")
    parser.add_argument("--throttle", type=int, help="accept at most this many parts a second")
    parser.add_argument("--max-batch", type=int, default=100, help="messages a request at most")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    server = HttpSmsServer(
        args.host,
        args.port,
        token=args.token,
        receipts=not args.no_receipts,
        receipt_delay=args.receipt_delay,
        undeliverable=args.undeliverable,
        throttle=(args.throttle, 1.0) if args.throttle else None,
        max_batch=args.max_batch,
    ).start()
    print(f"test HTTP SMS gateway on {server.url}, token {server.token!r}; Ctrl-C to stop", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stopping.wait()
    finally:
        server.stop()
        print(f"stored {len(server.ledger)} parts, {len(server.ledger.duplicated())} refs more than once")


if __name__ == "__main__":
    main()
