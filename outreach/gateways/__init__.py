"""SMS gateways as plugins: one interface, one module per kind of gateway (`smpp.py` now, an HTTP
gateway later). Plain Python, no Django: the campaign side (models, the worker, the progress bar)
calls this interface and keeps the state.

The unit of sending is the *part* (`OutgoingPart`): one SMS as the carrier bills it. A message is
cut into parts once, by `split_message` (through `vntext.sms.split`, the same cut the composer
counts), and every part gets a stable `ref` that the campaign stores before anything is sent.

How a campaign uses a gateway:

    gateway.open()                                   # connect and bind; BindRefused, GatewayDown
    gateway.send(parts, on_result)                   # one SubmitResult per part, or GatewayDown
    gateway.receipts(on_receipt, seconds=5)          # delivery receipts, mapped by message_id
    gateway.close()

- `send` blocks until every part has a `SubmitResult` or the connection is lost. `on_result` is
  called in the caller's thread, once per part, as the answers come: store it there.
- `SubmitResult.outcome` is "accepted" (the gateway took the part and gave a `message_id`),
  "temporary" (not taken; try again later with backoff: throttled, queue full, system error) or
  "permanent" (not taken and never will be: bad number, bad sender; do not retry).
- When the connection is lost, `send` raises `GatewayDown` whose `refs` are the parts of this call
  that got no result: never sent, or sent and not answered. **The resend rule**: after
  reconnecting, send again exactly those refs (and the "temporary" ones, after their backoff), never
  the "accepted" ones. A part is "accepted" only when the gateway's answer arrived, so a part is
  resent only when no answer came back; whether that can still produce a duplicate is discussed in
  `outreach.smsc` (at most the parts in flight at the instant of a cut, in the real world).
- Receipts come later and separately (minutes to days); `Receipt.message_id` is the
  `SubmitResult.message_id` of the part. "unknown" is not final (an intermediate receipt).

The SMPP command_status values that a gateway sees in answers are classified in
`SMPP_STATUSES` (temporary or permanent) by `classify_smpp_status`.
"""

import abc
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vntext import sms

__all__ = [
    "ACCEPTED",
    "PERMANENT",
    "SMPP_STATUSES",
    "TEMPORARY",
    "BindRefused",
    "Gateway",
    "GatewayDown",
    "GatewayError",
    "OutgoingPart",
    "Receipt",
    "SubmitResult",
    "classify_smpp_status",
    "concat_reference",
    "describe_smpp_status",
    "split_message",
]

ACCEPTED = "accepted"
TEMPORARY = "temporary"
PERMANENT = "permanent"

Outcome = Literal["accepted", "temporary", "permanent"]
ReceiptState = Literal["delivered", "undeliverable", "expired", "rejected", "unknown"]


@dataclass(frozen=True, slots=True)
class OutgoingPart:
    """One SMS as sent and billed: a whole short message or one part of a concatenated one."""

    ref: str  # our stable unique id of this part (the campaign stores it before sending)
    to: str  # MSISDN digits, international, without "+": 84912345678
    sender: str  # brandname (alphanumeric, at most 11) or number
    text: str  # this part's text, as cut by vntext.sms.split
    encoding: str  # of the whole message: vntext.sms.GSM7 or vntext.sms.UCS2
    concat: tuple[int, int, int] | None = None  # (reference 0-255, total, seq from 1) or None for a single SMS


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The gateway's answer to one part."""

    ref: str
    message_id: str | None  # the gateway's id, for receipts; None unless accepted
    outcome: Outcome
    error: str = ""  # "" when accepted; else e.g. "ESME_RTHROTTLED (0x58): throttled"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery receipt for one accepted part."""

    message_id: str
    state: ReceiptState
    error: str = ""  # "" when delivered; else the gateway's status and error code, e.g. "UNDELIV err:001"
    done_at: datetime | None = None  # aware, when the gateway says it finished; None if it did not say


class GatewayError(Exception):
    """Something went wrong with the gateway as a whole (not with one part)."""


class BindRefused(GatewayError):
    """The gateway refused our credentials or bind: a configuration error, do not retry blindly."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class GatewayDown(GatewayError):
    """The connection is lost (or could not be made). `refs`: the parts of the interrupted `send`
    that got no result, in the order given (empty outside `send`)."""

    def __init__(self, message: str, refs: Sequence[str] = ()):
        super().__init__(message)
        self.refs = list(refs)

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({len(self.refs)} parts without a result)" if self.refs else base


class Gateway(abc.ABC):
    """An SMS gateway. Subclasses set `parts_per_second` (the contract's throughput, in parts;
    None for no limit) and implement the four methods. One gateway object is one connection and
    is used by one campaign worker at a time (`receipts` may run in a second thread)."""

    name: str = "gateway"
    parts_per_second: float | None = None

    @abc.abstractmethod
    def open(self) -> None:
        """Connect and authenticate. Raises `BindRefused` (credentials) or `GatewayDown` (network).
        Calling it again after a `GatewayDown` reconnects."""

    @abc.abstractmethod
    def close(self) -> None:
        """Say goodbye and disconnect; safe to call twice or after the connection was lost."""

    @abc.abstractmethod
    def send(self, parts: Sequence[OutgoingPart], on_result: Callable[[SubmitResult], None]) -> None:
        """Send the parts in order, no faster than `parts_per_second`; call `on_result` once per
        part in this thread. Returns when every part has a result; raises `GatewayDown` with the
        refs without one when the connection is lost (see the resend rule above)."""

    @abc.abstractmethod
    def receipts(self, on_receipt: Callable[[Receipt], None], seconds: float) -> None:
        """Hand the delivery receipts that arrive within `seconds` (and those already waiting) to
        `on_receipt`, then return. A receipt is acknowledged to the gateway after `on_receipt`
        returns, so one that was not stored is delivered again. Raises `GatewayDown`."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()


def concat_reference(ref_prefix: str) -> int:
    """The 8-bit concatenation reference of a message, from its ref prefix. It must be the same
    every time the message's parts are (re)sent, or the phone cannot put a resent part with the
    others: so it is derived, not drawn. Two long messages to one phone from one sender collide
    with probability 1/256 (the 8-bit header keeps 153/67 characters per part, see vntext.sms)."""
    return zlib.crc32(ref_prefix.encode()) & 0xFF


def split_message(ref_prefix: str, to: str, sender: str, text: str) -> list[OutgoingPart]:
    """The parts of `text` (NFC, cut by `vntext.sms.split`) to one number, with refs
    "<ref_prefix>.<seq>" (seq from 1). A single part has no concatenation header."""
    pieces = sms.split(text)
    encoding = sms.encode_info(text).encoding
    if len(pieces) > 255:
        raise ValueError(f"{len(pieces)} parts: a concatenated SMS has at most 255")
    if len(pieces) == 1:
        return [OutgoingPart(f"{ref_prefix}.1", to, sender, pieces[0], encoding)]
    reference = concat_reference(ref_prefix)
    total = len(pieces)
    return [
        OutgoingPart(f"{ref_prefix}.{seq}", to, sender, piece, encoding, (reference, total, seq))
        for seq, piece in enumerate(pieces, start=1)
    ]


# SMPP 3.4 command_status (§5.1.3) in a submit_sm_resp or generic_nack: whether trying the same
# part again later can succeed. Temporary: the SMSC is busy or failing now (throttling, queue full,
# system error, not bound yet). Permanent: the part itself is wrong (address, length, options) and
# will be refused every time. A code not in the table (vendor codes 0x400-0x4FF) counts as
# temporary: the campaign limits attempts, so the cost of a wrong guess is a few retries, whereas a
# wrong "permanent" would drop a message that could have gone.
SMPP_STATUSES: dict[int, tuple[str, str, str]] = {
    0x01: ("ESME_RINVMSGLEN", PERMANENT, "message length is invalid"),
    0x02: ("ESME_RINVCMDLEN", PERMANENT, "command length is invalid"),
    0x03: ("ESME_RINVCMDID", PERMANENT, "invalid command id"),
    0x04: ("ESME_RINVBNDSTS", TEMPORARY, "incorrect bind status for this command"),
    0x05: ("ESME_RALYBND", TEMPORARY, "already bound"),
    0x06: ("ESME_RINVPRTFLG", PERMANENT, "invalid priority flag"),
    0x07: ("ESME_RINVREGDLVFLG", PERMANENT, "invalid registered delivery flag"),
    0x08: ("ESME_RSYSERR", TEMPORARY, "system error"),
    0x0A: ("ESME_RINVSRCADR", PERMANENT, "invalid source address"),
    0x0B: ("ESME_RINVDSTADR", PERMANENT, "invalid destination address"),
    0x0C: ("ESME_RINVMSGID", PERMANENT, "invalid message id"),
    0x0D: ("ESME_RBINDFAIL", TEMPORARY, "bind failed"),
    0x0E: ("ESME_RINVPASWD", PERMANENT, "invalid password"),
    0x0F: ("ESME_RINVSYSID", PERMANENT, "invalid system id"),
    0x11: ("ESME_RCANCELFAIL", PERMANENT, "cancel_sm failed"),
    0x13: ("ESME_RREPLACEFAIL", PERMANENT, "replace_sm failed"),
    0x14: ("ESME_RMSGQFUL", TEMPORARY, "message queue full"),
    0x15: ("ESME_RINVSERTYP", PERMANENT, "invalid service type"),
    0x33: ("ESME_RINVNUMDESTS", PERMANENT, "invalid number of destinations"),
    0x34: ("ESME_RINVDLNAME", PERMANENT, "invalid distribution list name"),
    0x40: ("ESME_RINVDESTFLAG", PERMANENT, "invalid destination flag"),
    0x42: ("ESME_RINVSUBREP", PERMANENT, "invalid submit with replace request"),
    0x43: ("ESME_RINVESMCLASS", PERMANENT, "invalid esm_class"),
    0x44: ("ESME_RCNTSUBDL", PERMANENT, "cannot submit to distribution list"),
    0x45: ("ESME_RSUBMITFAIL", TEMPORARY, "submit failed"),
    0x48: ("ESME_RINVSRCTON", PERMANENT, "invalid source address TON"),
    0x49: ("ESME_RINVSRCNPI", PERMANENT, "invalid source address NPI"),
    0x50: ("ESME_RINVDSTTON", PERMANENT, "invalid destination address TON"),
    0x51: ("ESME_RINVDSTNPI", PERMANENT, "invalid destination address NPI"),
    0x53: ("ESME_RINVSYSTYP", PERMANENT, "invalid system_type"),
    0x54: ("ESME_RINVREPFLAG", PERMANENT, "invalid replace_if_present flag"),
    0x55: ("ESME_RINVNUMMSGS", PERMANENT, "invalid number of messages"),
    0x58: ("ESME_RTHROTTLED", TEMPORARY, "throttled: too many submits"),
    0x61: ("ESME_RINVSCHED", PERMANENT, "invalid scheduled delivery time"),
    0x62: ("ESME_RINVEXPIRY", PERMANENT, "invalid validity period"),
    0x63: ("ESME_RINVDFTMSGID", PERMANENT, "invalid predefined message id"),
    0x64: ("ESME_RX_T_APPN", TEMPORARY, "receiver temporary application error"),
    0x65: ("ESME_RX_P_APPN", PERMANENT, "receiver permanent application error"),
    0x66: ("ESME_RX_R_APPN", PERMANENT, "receiver reject message error"),
    0x67: ("ESME_RQUERYFAIL", PERMANENT, "query_sm failed"),
    0xC0: ("ESME_RINVOPTPARSTREAM", PERMANENT, "error in the optional part of the PDU body"),
    0xC1: ("ESME_ROPTPARNOTALLWD", PERMANENT, "optional parameter not allowed"),
    0xC2: ("ESME_RINVPARLEN", PERMANENT, "invalid parameter length"),
    0xC3: ("ESME_RMISSINGOPTPARAM", PERMANENT, "expected optional parameter missing"),
    0xC4: ("ESME_RINVOPTPARAMVAL", PERMANENT, "invalid optional parameter value"),
    0xFE: ("ESME_RDELIVERYFAILURE", TEMPORARY, "delivery failure"),
    0xFF: ("ESME_RUNKNOWNERR", TEMPORARY, "unknown error"),
}


def describe_smpp_status(status: int) -> str:
    """'ESME_RTHROTTLED (0x58): throttled: too many submits'."""
    name, _outcome, text = SMPP_STATUSES.get(status, ("unknown status", TEMPORARY, "not in SMPP 3.4"))
    return f"{name} (0x{status:02X}): {text}"


def classify_smpp_status(status: int) -> tuple[Outcome, str]:
    """(outcome, error) of an SMPP command_status: ("accepted", "") for 0, else temporary or
    permanent by `SMPP_STATUSES` (temporary when the code is not in it)."""
    if status == 0:
        return ACCEPTED, ""
    _name, outcome, _text = SMPP_STATUSES.get(status, ("", TEMPORARY, ""))
    return outcome, describe_smpp_status(status)
