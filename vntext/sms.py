"""SMS text for the outreach composer and the gateways: encoding, parts, the unaccented version,
cost, and the carriers' rules (pure Python, no Django).

Encoding (3GPP TS 23.038, formerly GSM 03.38; the table below is the one in Unicode's
GSM0338.TXT mapping and in the SMPP providers' tables, e.g. Sinch's "message encoding" page):

- The text is NFC-normalised first, and only that: line breaks and spaces stay as typed, so what
  is counted is what is sent (decomposed Vietnamese, "u" + U+031B + U+0301, counts as one "ứ").
- GSM-7 when every character is in the default alphabet (127 characters and the escape) or in
  the extension table (form feed ^ { } \\ [ ~ ] | €), which is reached through the escape and so
  costs 2 septets. Otherwise the whole message is UCS-2: one character outside (an "ư", a curly
  quote pasted from a word processor, an emoji) makes every character cost 16 bits.
- UCS-2 is counted in UTF-16 code units, as SMSCs and phones do (they send UTF-16BE): a
  character outside the Basic Multilingual Plane (most emoji) is a surrogate pair and counts 2.
- Vietnamese has no national language shift table in TS 23.038, so there is no 7-bit
  Vietnamese. Seven marked Vietnamese letters happen to be GSM (à è é ì ò ù É), every other one
  switches the message to UCS-2.
- One SMS carries 140 octets: 160 septets or 70 UCS-2 units. A part of a concatenated message
  spends 6 octets on the user data header (TS 23.040 §9.2.3.24.1, IEI 0x00 with an 8-bit
  reference), leaving 134 octets: 153 septets or 67 units. (A 16-bit reference, IEI 0x08, would
  leave 152 and 66: the gateways must use the 8-bit form for these counts to hold.)
- A part never ends between the escape and its character (the phone would show a space and
  the wrong character), nor between the two halves of a surrogate pair: parts are filled in
  order and a 2-unit character that does not fit starts the next part. So 306 septets with a
  "€" at septet 153 take 3 parts, not 2, and `segments` can exceed ceil(chars / 153).
  smpplib's `gsm.make_parts` cuts encoded bytes at fixed offsets (its own FIXME says so) and
  decides single or multipart on the number of characters, not septets or units: a gateway
  should send the parts of `split()` one by one with its own header.

The unaccented version (`unaccented`, `unaccented_report`): every Vietnamese letter loses its
marks (đ → d, Đ → D; the 134 precomposed letters), other GSM characters stay (@, £, ñ, ü, €).
What is still not GSM is replaced by its GSM look-alike where one exists: curly quotes → " and
', dashes and minus → -, bullet → -, ₫ → d, ° → o ("38oC", as Vietnamese write it without the
sign), × → x, → → ->, tab → space, and whatever NFKD turns into GSM characters (… → ...,
no-break and thin spaces → space, ﬁ → fi, ² → 2, ç → c). The rest (emoji, CJK, other
symbols) is dropped and listed, with the space it leaves ("chào 😷 bạn" → "chao ban");
invisible characters (leftover combining marks, format and control characters) are dropped
without being listed, since the composer could not show them.

Cost (`cost`, `compare`): parts × recipients × price per part. Prices and costs are integers in
Vietnamese đồng (VND has no minor unit in use; ISO 4217 gives it 0 decimals), so there is no
rounding anywhere; carriers bill every part of a concatenated message as one SMS.

Carrier and sender rules (`CarrierRules`, `DEFAULT_RULES`, `check_message`). Every number is a
field of `CarrierRules`, so the terms of a gateway's contract can replace the defaults.

- Alphanumeric sender ("tên định danh", brandname): at most 11 characters, A-Z a-z 0-9 plus
  space . - _, and at least one letter. 11 is the ceiling of an alphanumeric originating
  address (TS 23.040 §9.1.2.5: 10 octets of 7-bit characters; SMSJ's SmsAddress: "11
  alphanumeric chars if TON == TON_ALPHANUMERIC"); Twilio and Telnyx require a letter ("can't be
  numbers only"). Vietnamese providers give the same 11 and no accents or special characters
  (VNPT Thanh Hoá: "không vượt quá 11 ký tự và không bao gồm các ký hiệu, dấu đặc biệt"; esms.vn:
  11, case-sensitive, dot and underscore allowed, no # & [ ] { } \\ < @). Which punctuation each
  carrier accepts is not published consistently: " .-_" is this project's choice.
- Numeric sender: 3 to 15 digits, an optional leading "+". 15 is the E.164 maximum; short codes
  start at 3 digits (a common SMPP table: short code 3-8, long number 10-15). A sanity check,
  not a Vietnamese rule I could find.
- Advertising, Decree 91/2020/NĐ-CP on spam messages, e-mails and calls (14 Aug 2020, in force
  1 Oct 2020, replacing Decree 90/2008/NĐ-CP and its amendment 77/2012/NĐ-CP):
  Art. 13: one advertiser sends at most 3 advertising messages to one number in 24 hours, only
  between 07:00 and 22:00, unless agreed otherwise with the user, and only under a registered
  brandname, never from an ordinary phone number (→ "ad_numeric_sender").
  Art. 15: every advertising message carries a label at the first position of its content, of
  the form [QC] or [AD]. Decree 90/2008 art. 14 as amended by Decree 77/2012 allowed other
  special characters in place of "[" and "]"; I could not confirm that Decree 91 keeps that.
  The checker accepts [QC] and [AD], the same word in ( ) { } < >, and QC or AD followed by a
  space or a separator (: . , ; ! - _ / |), upper case only, after optional leading spaces.
  In GSM-7, "[QC] " costs 7 septets ("[" and "]" are escapes) and "QC: " costs 4.
  Art. 16: opt-out instructions at the end of an advertising message. Not checked (not
  mechanical).
  Sources read: lawnet.vn (English summaries of arts. 14-16), znews.vn and vinanet.vn (art. 13
  and 15), PwC Legal Vietnam and Indochine Counsel notes, thuvienphapluat.vn (art. 14 of Decree
  90/2008 as amended). Only secondary sources: the Official Gazette text itself was not read.
  The outreach module applies the 07:00-22:00 window and the 3-per-24-hours limit to every
  message by default (issue 7) where sending is scheduled, not here: `QUIET_START`,
  `QUIET_END`, `MAX_PER_DAY`, `within_sending_hours()`.
- Longest message: `max_parts_gsm7` = 10 and `max_parts_ucs2` = 8 by default. Not confirmed:
  the concatenation header allows 255 parts, providers publish lower limits (one Vietnamese
  brandname aggregator counts up to 3 parts, 459 unaccented characters); set them from the
  contract.
- Control characters other than line feed and carriage return are refused; format characters
  (zero-width space, soft hyphen, byte order mark, direction marks; the zero-width joiner of
  emoji sequences excepted) are a warning: invisible, yet they make the message UCS-2.

Problem codes returned by `check_message` (each a `Problem(code, params)`; the Django layer
turns them into translated sentences). Errors block sending; `WARNINGS` only inform:

- "empty" {}: no text, or only spaces.
- "control_chars" {"chars": ["U+0009", ...]}: control characters other than LF and CR (form
  feed included, though GSM has it).
- "invisible_chars" {"chars": ["U+200B", ...]}: format characters (a warning).
- "too_long" {"parts": n, "max_parts": m, "encoding": "UCS-2"}: more parts than the carrier takes.
- "sender_empty" {}: a sender was given but is blank.
- "sender_too_long" {"max": 11, "length": n}: alphanumeric sender longer than allowed.
- "sender_chars" {"chars": ["ở", ...]}: characters not allowed in an alphanumeric sender.
- "sender_no_letter" {}: a sender of digits and punctuation only (neither a number nor a name).
- "sender_number_length" {"min": 3, "max": 15, "length": n}: numeric sender of the wrong length.
- "ad_label_missing" {"labels": ["[QC]", "[AD]"]}: advertising without the label at the start.
- "ad_numeric_sender" {}: advertising from a phone number instead of a brandname.
"""

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from typing import NamedTuple

__all__ = [
    "DEFAULT_RULES",
    "GSM7",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_PER_DAY",
    "QUIET_END",
    "QUIET_START",
    "SEGMENT_LIMITS",
    "UCS2",
    "VIETNAMESE_LETTERS",
    "WARNINGS",
    "CarrierRules",
    "Problem",
    "SmsInfo",
    "UnaccentedText",
    "check_message",
    "compare",
    "cost",
    "encode_info",
    "split",
    "unaccented",
    "unaccented_report",
    "within_sending_hours",
]

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# TS 23.038 §6.2.1, in code order 0x00-0x7F without the escape (0x1B).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 §6.2.1.1, reached through the escape: 2 septets each.
GSM7_EXTENSION = "\f^{}\\[~]|€"

_GSM7_EXTENSION = frozenset(GSM7_EXTENSION)
_GSM7 = frozenset(GSM7_BASIC) | _GSM7_EXTENSION

# (one message, each part of a concatenated message), in the encoding's units.
SEGMENT_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# SMPP 3.4 data_coding: 0x00 the SMSC's default alphabet (GSM-7 on the carriers' SMSCs), 0x08 UCS2.
_DATA_CODING = {GSM7: 0x00, UCS2: 0x08}

# Decree 91/2020/NĐ-CP art. 13: advertising messages only from 07:00 to 22:00, at most 3 to one
# number in 24 hours. Issue 7 applies both to every outreach message by default. QUIET_START is
# the hour sending may start (the quiet night is over), QUIET_END the hour it must stop.
QUIET_START = 7
QUIET_END = 22
MAX_PER_DAY = 3


@dataclass(frozen=True, slots=True)
class SmsInfo:
    """What the composer shows: the encoding, the length in that encoding's units (septets or
    UTF-16 code units), the parts, what is left in the part being typed, and the characters
    that make the message UCS-2 (each once, in order of appearance)."""

    encoding: str
    chars: int
    segments: int
    remaining: int
    per_segment: int
    unicode_chars: tuple[str, ...] = ()

    @property
    def is_unicode(self) -> bool:
        return self.encoding == UCS2

    @property
    def data_coding(self) -> int:
        """The SMPP data_coding value to send these parts with."""
        return _DATA_CODING[self.encoding]


def _is_wide_gsm7(ch: str) -> bool:
    return ch in _GSM7_EXTENSION


def _is_wide_ucs2(ch: str) -> bool:
    return ch > "\uffff"


def _analyse(text: str) -> tuple[str, int, bool, frozenset[str]]:
    """(encoding, length in units, whether any character takes 2 units, non-GSM characters) of
    NFC text. Set operations do the work: about 5 µs for 300 GSM characters, 20 µs for 300
    Vietnamese ones with the list of their non-GSM letters (encode_info, one core, 2025)."""
    present = frozenset(text)
    outside = present - _GSM7
    if not outside:
        escaped = present & _GSM7_EXTENSION
        return GSM7, len(text) + sum(text.count(ch) for ch in escaped), bool(escaped), outside
    units = len(text.encode("utf-16-le")) // 2
    return UCS2, units, units != len(text), outside


def _parts(text: str, encoding: str, per_part: int) -> list[tuple[int, int]]:
    """(end index, units used) of each part, filled in order; a 2-unit character (an escape pair
    or a surrogate pair) that does not fit starts the next part."""
    is_wide = _is_wide_gsm7 if encoding == GSM7 else _is_wide_ucs2
    parts = []
    used = 0
    for index, ch in enumerate(text):
        width = 2 if is_wide(ch) else 1
        if used + width > per_part:
            parts.append((index, used))
            used = 0
        used += width
    parts.append((len(text), used))
    return parts


def encode_info(text: str) -> SmsInfo:
    """Encoding, length, parts and what is left in the current part of `text` (NFC first).

    An empty text has 0 parts and the whole first part left."""
    text = unicodedata.normalize("NFC", text)
    encoding, units, wide, outside = _analyse(text)
    single, per_part = SEGMENT_LIMITS[encoding]
    unicode_chars = tuple(dict.fromkeys(ch for ch in text if ch in outside)) if outside else ()
    if units <= single:
        segments = 1 if units else 0
        return SmsInfo(encoding, units, segments, single - units, single, unicode_chars)
    if wide:
        parts = _parts(text, encoding, per_part)
        segments, last = len(parts), parts[-1][1]
    else:
        segments = -(-units // per_part)
        last = units - per_part * (segments - 1)
    return SmsInfo(encoding, units, segments, per_part - last, per_part, unicode_chars)


def split(text: str) -> list[str]:
    """The parts of `text` (NFC) as they will be sent: `len(split(t)) == encode_info(t).segments`
    and `"".join(split(t))` is the NFC text. No part ends inside an escape or a surrogate pair."""
    text = unicodedata.normalize("NFC", text)
    encoding, units, wide, _outside = _analyse(text)
    single, per_part = SEGMENT_LIMITS[encoding]
    if units <= single:
        return [text] if text else []
    if not wide:  # one unit per character: plain slices
        return [text[start : start + per_part] for start in range(0, len(text), per_part)]
    pieces, start = [], 0
    for end, _used in _parts(text, encoding, per_part):
        pieces.append(text[start:end])
        start = end
    return pieces


# The unaccented version ---------------------------------------------------------------------

_VOWELS = "aăâeêioôơuưy"
# No mark, huyền, sắc, ngã, hỏi, nặng.
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def _vietnamese_letters() -> dict[str, str]:
    """The 134 precomposed Vietnamese letters (66 marked vowels and đ, in both cases) → ASCII."""
    letters = {"đ": "d", "Đ": "D"}
    for vowel in _VOWELS + _VOWELS.upper():
        base = unicodedata.normalize("NFD", vowel)[0]
        for tone in _TONES:
            letter = unicodedata.normalize("NFC", vowel + tone)
            if not letter.isascii():
                letters[letter] = base
    return letters


VIETNAMESE_LETTERS = _vietnamese_letters()

# Look-alikes for characters NFKD does not already turn into GSM ones.
_LOOK_ALIKES = {
    **dict.fromkeys("“”„‟«»″〝〞", '"'),
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("‐‑‒–—―−⁃•‣", "-"),
    "₫": "d",
    "°": "o",
    "×": "x",
    "→": "->",
    "\t": " ",
    # Eth is how Đ comes out of some old Vietnamese font conversions (TCVN3, VNI).
    "Ð": "D",
    "ð": "d",
}
_INVISIBLE_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cc"})

_UNACCENT_TABLE = str.maketrans({**VIETNAMESE_LETTERS, **_LOOK_ALIKES})


@dataclass(frozen=True, slots=True)
class UnaccentedText:
    """The unaccented text, the visible characters dropped for want of a GSM equivalent (each
    once, in order) and the non-Vietnamese characters replaced, as (original, replacement)."""

    text: str
    dropped: tuple[str, ...] = ()
    replaced: tuple[tuple[str, str], ...] = ()


def _gsm_equivalent(ch: str) -> str | None:
    """GSM characters standing for `ch` by NFKD without marks, or None ("" when invisible)."""
    if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return ""
    decomposed = unicodedata.normalize("NFKD", ch)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)
    if stripped and _GSM7.issuperset(stripped):
        return stripped
    return None


# A dropped character first becomes this non-character, then the gap closes: "chào 😷 bạn" →
# "chao ban", not "chao  ban" (two spaces would cost a septet and look like a typo).
_GAP = "\uffff"
_GAP_RE = re.compile(" *\uffff[\uffff ]*")


def _close_gap(match: re.Match) -> str:
    """One space where the dropped run stood between words with a space, nothing at the start
    or end of a line or inside a word."""
    text, start, end = match.string, match.start(), match.end()
    inside_line = start > 0 and end < len(text) and text[start - 1] not in "\r\n" and text[end] not in "\r\n"
    return " " if inside_line and " " in match.group() else ""


def unaccented_report(text: str) -> UnaccentedText:
    """The one-click version without diacritics, all GSM-7, with what had to go (see the
    module's docstring for the rules)."""
    text = unicodedata.normalize("NFC", text)
    folded = text.translate(_UNACCENT_TABLE)
    replaced = {ch: _LOOK_ALIKES[ch] for ch in dict.fromkeys(text) if ch in _LOOK_ALIKES}
    outside = frozenset(folded) - _GSM7
    if not outside:
        return UnaccentedText(folded, (), tuple(replaced.items()))
    dropped = []
    table = {}
    for ch in dict.fromkeys(c for c in folded if c in outside):
        equivalent = _gsm_equivalent(ch)
        if equivalent is None:
            dropped.append(ch)
            table[ch] = _GAP
        else:
            table[ch] = equivalent
            if equivalent:
                replaced[ch] = equivalent
    result = folded.translate(str.maketrans(table))
    if dropped:
        result = _GAP_RE.sub(_close_gap, result)
    return UnaccentedText(result, tuple(dropped), tuple(replaced.items()))


def unaccented(text: str) -> str:
    """'Người dân ... đường dây nóng' → 'Nguoi dan ... duong day nong', all GSM-7."""
    return unaccented_report(text).text


# Cost -----------------------------------------------------------------------------------------


def cost(text: str, recipients: int, price_per_part: int) -> int:
    """What sending `text` to `recipients` numbers costs, in VND: parts × recipients × price."""
    recipients, price_per_part = operator.index(recipients), operator.index(price_per_part)
    if recipients < 0 or price_per_part < 0:
        raise ValueError("recipients and price_per_part must not be negative")
    return encode_info(text).segments * recipients * price_per_part


def compare(text: str, recipients: int, price_per_part: int) -> dict:
    """The accented and the unaccented version side by side, in VND, JSON-ready:

    {"accented": {"text", "encoding", "chars", "parts", "cost"},
     "unaccented": {... the same, and "dropped": [characters]},
     "difference": accented cost - unaccented cost (what going unaccented saves; it can be
     negative when look-alikes lengthen the text, "…" becoming "..."),
     "parts_saved": the same in parts per recipient}
    """
    plain = unaccented_report(text)
    versions = {}
    for name, version in (("accented", unicodedata.normalize("NFC", text)), ("unaccented", plain.text)):
        info = encode_info(version)
        versions[name] = {
            "text": version,
            "encoding": info.encoding,
            "chars": info.chars,
            "parts": info.segments,
            "cost": cost(version, recipients, price_per_part),
        }
    versions["unaccented"]["dropped"] = list(plain.dropped)
    return {
        **versions,
        "difference": versions["accented"]["cost"] - versions["unaccented"]["cost"],
        "parts_saved": versions["accented"]["parts"] - versions["unaccented"]["parts"],
    }


# Carrier and sender rules ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarrierRules:
    """The limits `check_message` applies; the defaults and their sources are in the module's
    docstring. Replace a field with the terms of a gateway's contract:
    `dataclasses.replace(DEFAULT_RULES, max_parts_ucs2=3)`."""

    sender_max_length: int = 11
    sender_punctuation: str = " .-_"
    number_min_digits: int = 3
    number_max_digits: int = 15
    max_parts_gsm7: int = 10
    max_parts_ucs2: int = 8
    ad_labels: tuple[str, ...] = ("QC", "AD")

    def max_parts(self, encoding: str) -> int:
        return self.max_parts_gsm7 if encoding == GSM7 else self.max_parts_ucs2


DEFAULT_RULES = CarrierRules()

# Codes that inform but do not block sending.
WARNINGS = frozenset({"invisible_chars"})

_ZERO_WIDTH_JOINER = "\u200d"
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_AD_SEPARATORS = r"\s:.,;!\-_/|"


class Problem(NamedTuple):
    """A rule the message breaks: a code listed in the module's docstring and its parameters."""

    code: str
    params: dict


def _code_points(chars) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in dict.fromkeys(chars)]


def _ad_label_pattern(labels: tuple[str, ...]) -> re.Pattern:
    words = "|".join(re.escape(label) for label in labels)
    return re.compile(rf"\s*(?:[\[({{<]\s*(?:{words})\s*[\])}}>]|(?:{words})(?=[{_AD_SEPARATORS}]|\Z))")


def _is_numeric_sender(sender: str) -> bool:
    digits = sender.removeprefix("+")
    return digits.isascii() and digits.isdigit()


def _check_sender(sender: str, rules: CarrierRules) -> list[Problem]:
    if not sender.strip():
        return [Problem("sender_empty", {})]
    if _is_numeric_sender(sender):
        length = len(sender.removeprefix("+"))
        if not rules.number_min_digits <= length <= rules.number_max_digits:
            params = {"min": rules.number_min_digits, "max": rules.number_max_digits, "length": length}
            return [Problem("sender_number_length", params)]
        return []
    problems = []
    if len(sender) > rules.sender_max_length:
        problems.append(Problem("sender_too_long", {"max": rules.sender_max_length, "length": len(sender)}))
    allowed = _ASCII_ALNUM | frozenset(rules.sender_punctuation)
    wrong = [ch for ch in dict.fromkeys(sender) if ch not in allowed]
    if wrong:
        problems.append(Problem("sender_chars", {"chars": wrong}))
    if not any(ch.isalpha() for ch in sender):
        problems.append(Problem("sender_no_letter", {}))
    return problems


def check_message(
    text: str, sender: str | None = None, *, advertising: bool = False, rules: CarrierRules = DEFAULT_RULES
) -> list[Problem]:
    """The rules `text` (NFC first) and `sender` break, as problem codes with parameters (listed
    in the module's docstring); [] when the message may go. The sending window and the daily
    limit are not checked here (they depend on when and to whom: see `within_sending_hours`)."""
    text = unicodedata.normalize("NFC", text)
    problems = []
    if not text.strip():
        problems.append(Problem("empty", {}))
    else:
        categories = {ch: unicodedata.category(ch) for ch in frozenset(text)}
        control = [ch for ch in text if categories[ch] == "Cc" and ch not in "\n\r"]
        if control:
            problems.append(Problem("control_chars", {"chars": _code_points(control)}))
        invisible = [ch for ch in text if categories[ch] == "Cf" and ch != _ZERO_WIDTH_JOINER]
        if invisible:
            problems.append(Problem("invisible_chars", {"chars": _code_points(invisible)}))
        info = encode_info(text)
        if info.segments > rules.max_parts(info.encoding):
            params = {"parts": info.segments, "max_parts": rules.max_parts(info.encoding), "encoding": info.encoding}
            problems.append(Problem("too_long", params))
    if sender is not None:
        problems.extend(_check_sender(unicodedata.normalize("NFC", sender), rules))
    if advertising:
        if not _ad_label_pattern(rules.ad_labels).match(text):
            problems.append(Problem("ad_label_missing", {"labels": [f"[{label}]" for label in rules.ad_labels]}))
        if sender is not None and sender.strip() and _is_numeric_sender(sender):
            problems.append(Problem("ad_numeric_sender", {}))
    return problems


def within_sending_hours(moment: time) -> bool:
    """Whether a message may go at this local time (Asia/Ho_Chi_Minh): from 07:00 up to, not
    including, 22:00 (Decree 91/2020/NĐ-CP art. 13, "từ 07 giờ đến 22 giờ")."""
    return time(QUIET_START) <= moment.replace(tzinfo=None) < time(QUIET_END)
