"""A generic SMS gateway over HTTP(S) with JSON, modelled on the Vietnamese brandname-SMS APIs.

Standard library only (`http.client`). Carriers and aggregators each have their own JSON, but the
shape is the same everywhere: a bearer token, a batch of messages in one POST, one status per
message, delivery receipts fetched by polling. This module defines that shape once; a provider
whose API differs gets a small adapter (or a subclass overriding `message_json` and the parsing)
rather than a new gateway.

The contract
------------
Every request carries `Authorization: Bearer <token>`; `base` is the configured URL
(`https://api.example.vn/sms/v1`), http or https only.

`GET {base}/status` → 200 when the service is up and the token is good (`open()` calls it).

`POST {base}/messages`, at most `batch` parts per request (default 100), with a header
`Idempotency-Key` (below) and the body::

    {"messages": [{"ref": "c12r345.1", "to": "84912345678", "from": "STTTT KG",
                   "text": "…this part's text…", "encoding": "gsm7" | "ucs2",
                   "udh": {"ref": 0-255, "total": 3, "seq": 1} | null}, …]}

`ref` is our stable id of the part, `text` one part as cut by `vntext.sms.split` (the gateway
does not cut again), `udh` the concatenation header of a long message (the same 8-bit reference
on every part of one message, also when a part is resent). The answer is 200 with::

    {"results": [{"ref": "c12r345.1", "status": "accepted" | "temporary" | "permanent",
                  "id": "<the gateway's message id, when accepted>", "error": "<text, when not>"}, …]}

How answers map to `SubmitResult`s:

- each result by its `ref`; "accepted" with its `id` (a string of 1-64 characters, or a number;
  an accepted part without a usable id is still accepted, since resending it would be a
  duplicate, but its receipt cannot be matched: logged), "temporary" and "permanent" with their
  `error`; an unknown status counts as temporary (the campaign limits attempts, so a wrong guess
  costs a retry, while a wrong "permanent" would drop a message);
- a part missing from the answer got no result: the results present are handed over, then
  `GatewayDown` lists the missing parts and those not sent yet;
- HTTP 401 or 403: `BindRefused` (the token is wrong or revoked: a configuration error), from
  `open()` and `send()`; from `receipts()` a `GatewayDown`, the only error its interface has (the
  next `open()` tells the refusal);
- 413 (the request is too large): `BindRefused` too, since the configured `batch` is more than the
  gateway takes: a configuration error, which must pause the campaign rather than fail its parts;
- 429 or 503 (slow down, come back later): every part of the request is temporary, the error says
  the status and the Retry-After. We do not sleep on it: the campaign's backoff waits;
- any other 5xx, and 408 or 409 (a timeout; a request with the same Idempotency-Key still being
  processed): temporary;
- any other 4xx: every part of the request is permanent, with the status and a short excerpt
  of the body (a bad sender, a request the gateway cannot accept, …); not retried;
- an answer that cannot be read (not JSON, no `results` list, larger than `max_response_bytes`,
  a 1xx or 3xx status) is treated like a lost connection: the request's fate is unknown.

`GET {base}/receipts?after=<cursor>` (no `after` the first time) → 200 with::

    {"receipts": [{"id": "<message id>", "state": "delivered" | "undeliverable" | "expired" |
                   "rejected" | "unknown", "error": "…", "done_at": "2021-07-19T10:05:00+07:00"}, …],
     "cursor": "<opaque: where the next page starts>"}

`receipts()` hands each receipt to `on_receipt`, then moves its cursor to the page's `cursor`,
only after every `on_receipt` of the page returned: a receipt that was not stored is fetched
again (delivery is at least once, and `on_receipt` must be idempotent; the campaign's is). The
cursor is `receipt_cursor`, a plain attribute: a caller that keeps it between runs starts where it
stopped, otherwise a new gateway object starts from the gateway's oldest receipt. An unknown state
counts as "unknown" (not final); `done_at` without a zone is read as UTC.

Connections, and what is resent
-------------------------------
One keep-alive connection for sending and one for receipts (`receipts` may run in another
thread), reopened when idle longer than `keep_alive_seconds` (a server may have closed it in the
meantime, and a request written into such a connection fails for nothing). A refused connection,
a timeout (`timeout` seconds for connecting and for each read), a reset, or an answer cut off
before its end raises `GatewayDown` whose `refs` are exactly the parts of the interrupted request
and those not sent yet; the results already handed to `on_result` stand (the resend rule of
`outreach.gateways`). After a `GatewayDown` the gateway is closed (`is_open` is False) and
`open()` reconnects.

The duplicate risk: a request whose answer was lost may have been stored by the gateway. Its
parts come back in `GatewayDown.refs` and the campaign resends them, and without more the
subscribers would get them twice: at most one batch per interruption, never a whole campaign
(the opposite choice, treating an unanswered part as sent, would lose messages silently, the
worse error for public-health messages). To close that gap, each POST carries
`Idempotency-Key: <SHA-256 of the batch's refs, in order>` (`idempotency_key`). The resend after
a reconnection starts with the same parts in the same order, so it normally makes the same batch
and the same key (not when the batches are cut differently, e.g. after a change of `batch`).

What a repeated key means, in this contract: the same batch sent again, either because its answer
was lost or because some of its parts were refused temporarily and are now retried (the key names
the batch, not the attempt: the campaign does not tell the gateway its attempts). So a gateway
that honours the key answers each part that the first request accepted or refused for good with
that same result (the same id, nothing stored again), and handles the other parts anew; it keeps
no non-2xx answer; the same key with another body is a 422. A gateway that replays whole answers
(as some implementations of the IETF httpapi draft do) would give a retried batch its old
"temporary" results until its attempts run out: do not send it the key for such a gateway.
Refusing to store a `ref` it already accepted, and answering with the first id, is the same
guarantee without a key, and the safest a provider can offer. The test gateway `outreach.httpsms`
honours the key as above. `idempotency_keys=False` sends no key.

`parts_per_second` is the contract's throughput, counted in parts: a request of n parts is sent
no sooner than n / parts_per_second seconds after the previous one started, and a request holds
at most one second's worth of parts, so a batch never arrives as a burst bigger than the limit.
"""

import hashlib
import http.client
import json
import logging
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from vntext.sms import GSM7, UCS2

from . import (
    ACCEPTED,
    PERMANENT,
    TEMPORARY,
    BindRefused,
    Gateway,
    GatewayDown,
    OutgoingPart,
    Receipt,
    SubmitResult,
)

log = logging.getLogger(__name__)

WIRE_ENCODINGS = {GSM7: "gsm7", UCS2: "ucs2"}
RECEIPT_STATES = frozenset({"delivered", "undeliverable", "expired", "rejected", "unknown"})
REFUSED_STATUSES = frozenset({401, 403})
TOO_LARGE = 413
BUSY_STATUSES = frozenset({429, 503})
# 4xx that say nothing against the parts: a request timeout, the same Idempotency-Key in progress.
TEMPORARY_CLIENT_STATUSES = frozenset({408, 409})
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_MESSAGE_ID = 64  # as in SMPP (a 65-octet C string): the width of Part.message_id
EXCERPT_CHARS = 200
USER_AGENT = "TinCay-SMS/1"


def message_json(part: OutgoingPart) -> dict:
    """One part as the contract's JSON object."""
    udh = None
    if part.concat is not None:
        reference, total, seq = part.concat
        udh = {"ref": reference, "total": total, "seq": seq}
    return {
        "ref": part.ref,
        "to": part.to,
        "from": part.sender,
        "text": part.text,
        "encoding": WIRE_ENCODINGS[part.encoding],
        "udh": udh,
    }


def idempotency_key(parts: Sequence[OutgoingPart]) -> str:
    """The Idempotency-Key of a request: the SHA-256 of its parts' refs, in order. The same batch
    sent again has the same key; any other batch a different one."""
    return hashlib.sha256("\n".join(part.ref for part in parts).encode()).hexdigest()


def parse_time(value) -> datetime | None:
    """An ISO 8601 moment as an aware datetime (UTC when it names no zone), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _message_id(value) -> str | None:
    """A gateway message id as we store it, or None when it is unusable."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if 0 < len(text) <= MAX_MESSAGE_ID else None


def _excerpt(body: bytes) -> str:
    """The start of an answer's body, on one line: its "error" when it is JSON with one."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        text = data["error"]
    return " ".join(text.split())[:EXCERPT_CHARS]


def parse_receipt(item) -> Receipt | None:
    """A `Receipt` from one object of a receipts page, or None when it names no usable id."""
    if not isinstance(item, dict):
        return None
    message_id = _message_id(item.get("id"))
    if message_id is None:
        return None
    state = item.get("state")
    state = state if state in RECEIPT_STATES else "unknown"
    error = item.get("error")
    error = str(error)[:EXCERPT_CHARS] if error and state != "delivered" else ""
    return Receipt(message_id, state, error, parse_time(item.get("done_at")))


class _Broken(Exception):
    """Inside this module: the request's fate is unknown (connection lost, answer unreadable)."""


class _Answer(NamedTuple):
    status: int
    reason: str
    retry_after: str
    body: bytes

    def describe(self) -> str:
        """'HTTP 429 Too Many Requests (Retry-After: 2): throttled'."""
        text = f"HTTP {self.status} {self.reason}".rstrip()
        if self.retry_after:
            text += f" (Retry-After: {self.retry_after})"
        excerpt = _excerpt(self.body)
        return f"{text}: {excerpt}" if excerpt else text


def _describe_error(error: BaseException, timeout: float) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the gateway closed the connection without an answer"
    if isinstance(error, http.client.IncompleteRead):
        return f"the answer was cut off after {len(error.partial)} bytes"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _Channel:
    """One keep-alive connection and the lock of its single request in flight."""

    def __init__(self, gateway: "HttpGateway"):
        self.gateway = gateway
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self._used = 0.0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> _Answer:
        """One request and its whole answer; `_Broken` when either could not be completed."""
        gateway = self.gateway
        with self._lock:
            if self._connection is not None and time.monotonic() - self._used > gateway.keep_alive_seconds:
                self._close()
            if self._connection is None:
                self._connection = gateway.connect()
            all_headers = {
                "Authorization": f"Bearer {gateway.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                **(headers or {}),
            }
            try:
                self._connection.request(method, gateway.path + path, body=body, headers=all_headers)
                response = self._connection.getresponse()
                data = self._read(response)
            except (OSError, http.client.HTTPException) as error:
                self._close()
                raise _Broken(_describe_error(error, gateway.timeout)) from error
            except _Broken:
                self._close()
                raise
            self._used = time.monotonic()
            return _Answer(response.status, response.reason or "", response.getheader("Retry-After", ""), data)

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        limit = self.gateway.max_response_bytes
        if response.length is not None:  # Content-Length: read() raises IncompleteRead when cut off
            if response.length > limit:
                raise _Broken(f"answer of {response.length} bytes, more than the limit of {limit}")
            return response.read()
        data = response.read(limit + 1)  # chunked (IncompleteRead when cut off) or up to the close
        if len(data) > limit:
            raise _Broken(f"answer longer than the limit of {limit} bytes")
        return data

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class _Pacer:
    """Spaces requests so that parts go out at `rate` a second at most, counted in parts: after a
    request of n parts, the next one starts n / rate seconds later (the first one at once). It
    suits batches better than a token bucket would: the wait is per request, not per part."""

    def __init__(self, rate: float | None):
        self.rate = rate
        self._next = 0.0

    def wait(self, parts: int) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + parts / self.rate


class HttpGateway(Gateway):
    """An SMS gateway with the JSON-over-HTTP(S) contract of this module's docstring.

    base_url: http(s)://host[:port][/path], without credentials. token: the bearer token.
    batch: parts per request at most. parts_per_second: throughput limit in parts (None: none).
    timeout: seconds for connecting and for each read. max_response_bytes: a longer answer is not
    read. poll_interval: the pause between two empty receipt pages. keep_alive_seconds: an idle
    connection older than this is reopened. ssl_context: for https (default: verified with the
    system's CAs). receipt_cursor: where `receipts()` starts (None: the gateway's oldest).
    idempotency_keys: send the Idempotency-Key header (see the docstring for when not to)."""

    name = "http"

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        batch: int = 100,
        parts_per_second: float | None = 50,
        timeout: float = 10.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        poll_interval: float = 0.2,
        keep_alive_seconds: float = 4.0,
        ssl_context: ssl.SSLContext | None = None,
        receipt_cursor: str | None = None,
        idempotency_keys: bool = True,
    ):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https"):
            raise ValueError(f"an HTTP gateway's URL is http:// or https://, not {base_url!r}")
        if not url.hostname:
            raise ValueError(f"no host in the gateway URL {base_url!r}")
        if url.username is not None or url.password is not None:
            raise ValueError("the gateway URL must not hold credentials: give the token apart")
        if url.query or url.fragment:
            raise ValueError(f"the gateway URL {base_url!r} must not have a query or a fragment")
        if not token or not token.isascii() or not token.isprintable() or " " in token:
            raise ValueError("an HTTP gateway needs a token of printable ASCII characters without spaces")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.scheme, self.host = url.scheme, url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.path = url.path.rstrip("/")
        self.base_url = urllib.parse.urlunsplit((url.scheme, url.netloc, self.path, "", ""))
        self.token = token
        self.batch = batch
        self.parts_per_second = parts_per_second
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.poll_interval = poll_interval
        self.keep_alive_seconds = keep_alive_seconds
        self.ssl_context = ssl_context
        self.receipt_cursor = receipt_cursor
        self.idempotency_keys = idempotency_keys
        self._pacer = _Pacer(parts_per_second)
        self._sending = _Channel(self)
        self._polling = _Channel(self)
        self._open = False

    def __repr__(self) -> str:
        return f"<HttpGateway {self.base_url}>"  # never the token

    @property
    def request_size(self) -> int:
        """Parts per request: `batch`, and no more than one second's worth."""
        if self.parts_per_second:
            return max(1, min(self.batch, int(self.parts_per_second)))
        return self.batch

    # Connection ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._open

    def connect(self) -> http.client.HTTPConnection:
        """A new (not yet connected) HTTP connection to the gateway."""
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def open(self) -> None:
        if self._open:
            return
        try:
            answer = self._sending.request("GET", "/status")
        except _Broken as error:
            raise GatewayDown(f"cannot reach the HTTP gateway at {self.base_url}: {error}") from error
        if answer.status in REFUSED_STATUSES:
            raise self._refused(answer)
        if not 200 <= answer.status < 300:
            raise GatewayDown(f"the HTTP gateway at {self.base_url} is not available: {answer.describe()}")
        self._open = True

    def close(self) -> None:
        self._open = False
        self._sending.close()
        self._polling.close()

    def _down(self, refs: Sequence[str], reason: str) -> GatewayDown:
        """Close, and the `GatewayDown` to raise."""
        self.close()
        return GatewayDown(f"HTTP gateway {self.base_url}: {reason}", refs)

    def _refused(self, answer: _Answer) -> BindRefused:
        self.close()
        return BindRefused(f"the HTTP gateway at {self.base_url} refused the token: {answer.describe()}", answer.status)

    # Sending ------------------------------------------------------------------------------------

    def send(self, parts: Sequence[OutgoingPart], on_result: Callable[[SubmitResult], None]) -> None:
        refs = [part.ref for part in parts]
        if not self._open:
            raise GatewayDown(f"HTTP gateway {self.base_url} is not open", refs)
        size = self.request_size
        for start in range(0, len(parts), size):
            request = parts[start : start + size]
            self._pacer.wait(len(request))
            try:
                results, missing = self._submit(request)
            except _Broken as error:
                raise self._down(refs[start:], str(error)) from error
            for result in results:
                on_result(result)
            if missing:
                reason = f"the answer left out {len(missing)} of {len(request)} parts"
                raise self._down(missing + refs[start + size :], reason)

    def _submit(self, request: Sequence[OutgoingPart]) -> tuple[list[SubmitResult], list[str]]:
        """POST one batch: the results in the request's order, and the refs left without one."""
        body = json.dumps({"messages": [message_json(part) for part in request]}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.idempotency_keys:
            headers["Idempotency-Key"] = idempotency_key(request)
        answer = self._sending.request("POST", "/messages", body, headers)
        status = answer.status
        if status in REFUSED_STATUSES:
            raise self._refused(answer)
        if status == TOO_LARGE:
            self.close()
            message = f"the HTTP gateway at {self.base_url} refuses {len(request)} parts a request"
            raise BindRefused(f"{message} (lower its batch): {answer.describe()}", status)
        if 200 <= status < 300:
            return self._results(answer.body, request)
        if status in BUSY_STATUSES or status in TEMPORARY_CLIENT_STATUSES or 500 <= status < 600:
            outcome = TEMPORARY
        elif 400 <= status < 500:
            outcome = PERMANENT
        else:  # 1xx, 3xx: not an answer of this contract (a redirect means a wrong base URL)
            raise _Broken(f"unexpected answer {answer.describe()}")
        error = answer.describe()
        return [SubmitResult(part.ref, None, outcome, error) for part in request], []

    def _results(self, body: bytes, request: Sequence[OutgoingPart]) -> tuple[list[SubmitResult], list[str]]:
        try:
            data = json.loads(body)
        except ValueError as error:  # UnicodeDecodeError is a ValueError too
            raise _Broken(f"the answer is not JSON ({error})") from error
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _Broken("the answer has no results list")
        by_ref: dict[str, dict] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                by_ref.setdefault(item["ref"], item)
        results, missing = [], []
        for part in request:
            item = by_ref.pop(part.ref, None)
            if item is None:
                missing.append(part.ref)
            else:
                results.append(self._result(part.ref, item))
        if by_ref:
            log.warning("HTTP gateway %s answered for refs it was not sent: %s", self.base_url, sorted(by_ref)[:5])
        return results, missing

    def _result(self, ref: str, item: dict) -> SubmitResult:
        status = item.get("status")
        error = " ".join(str(item.get("error") or "").split())[:EXCERPT_CHARS]
        if status == ACCEPTED:
            message_id = _message_id(item.get("id"))
            if message_id is None:
                log.warning("HTTP gateway %s accepted %s without a usable id: no receipt", self.base_url, ref)
            return SubmitResult(ref, message_id, ACCEPTED)
        if status == PERMANENT:
            return SubmitResult(ref, None, PERMANENT, error or "refused by the gateway (permanent)")
        if status != TEMPORARY:
            error = f"unknown status {str(status)[:40]!r}" + (f": {error}" if error else "")
        return SubmitResult(ref, None, TEMPORARY, error or "refused by the gateway (temporary)")

    # Receipts -----------------------------------------------------------------------------------

    def receipts(self, on_receipt: Callable[[Receipt], None], seconds: float) -> None:
        if not self._open:
            raise GatewayDown(f"HTTP gateway {self.base_url} is not open")
        deadline = time.monotonic() + seconds
        while True:
            received = self._receipt_page(on_receipt)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if not received:
                time.sleep(min(self.poll_interval, remaining))

    def _receipt_page(self, on_receipt: Callable[[Receipt], None]) -> int:
        """Fetch one page after the cursor, hand it over, then advance; how many it held."""
        path = "/receipts"
        if self.receipt_cursor is not None:
            path += "?" + urllib.parse.urlencode({"after": self.receipt_cursor})
        try:
            answer = self._polling.request("GET", path)
            if answer.status in REFUSED_STATUSES:  # the interface's receipts() raises GatewayDown only
                raise _Broken(f"receipts: the token was refused: {answer.describe()}")
            if not 200 <= answer.status < 300:
                raise _Broken(f"receipts: {answer.describe()}")
            try:
                data = json.loads(answer.body)
            except ValueError as error:
                raise _Broken(f"the receipts page is not JSON ({error})") from error
            items = data.get("receipts") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise _Broken("the receipts page has no receipts list")
        except _Broken as error:
            raise self._down((), str(error)) from error
        for item in items:
            receipt = parse_receipt(item)
            if receipt is None:
                log.warning("HTTP gateway %s: a receipt without a usable id, skipped: %.200r", self.base_url, item)
            else:
                on_receipt(receipt)
        cursor = data.get("cursor")
        if isinstance(cursor, str | int) and not isinstance(cursor, bool) and str(cursor):
            self.receipt_cursor = str(cursor)
        return len(items)
