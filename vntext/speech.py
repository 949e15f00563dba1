"""Text front-end for Vietnamese speech synthesis of loudspeaker scripts (no Django).

espeak-ng with a `vi` voice reads Vietnamese syllables well, but not what a script is written
with: digits, dates, hotline numbers, "F0", "UBND", "Covid-19", "TP.". `to_spoken(text)` turns
the written text into the words a broadcaster would read; `script_parts(text)` cuts that into
sentences or phrases of at most ~200 characters, one synthesis call each.

    to_spoken("Từ 0 giờ ngày 19/7/2021, TP. Rạch Giá giãn cách theo Chỉ thị 16.")
    -> "Từ không giờ ngày mười chín tháng bảy năm hai ngàn không trăm hai mươi mốt, thành phố
        Rạch Giá giãn cách theo Chỉ thị mười sáu."

Numbers (the rules, and where they come from):

- Units 0–9: không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín. Tens: mười (10–19), then
  "hai mươi", "ba mươi"…
- After "mươi" (tens 2–9) a 1 is "mốt" (21 hai mươi mốt) but 11 stays "mười một"; a 4 is "tư"
  (24 hai mươi tư, and so 1.234 … ba mươi tư) but 14 stays "mười bốn" and 4 alone "bốn"; a 5
  after any tens is "lăm" (15 mười lăm, 25 hai mươi lăm) but not after a zero tens (105 … lẻ năm).
- A zero tens after hundreds is "lẻ" in the south, "linh" in the north (105 một trăm lẻ năm /
  một trăm linh năm); the unit after it keeps its plain name (101 lẻ một, 104 lẻ bốn).
- 1000 is "ngàn" in the south, "nghìn" in the north; then triệu, tỷ; 10^12 is "ngàn tỷ".
  Inside a larger number a group below 100 is read with "không trăm" (1.032 một ngàn không
  trăm ba mươi hai; 2021 hai ngàn không trăm hai mươi mốt), which is also how years are read.
- Vietnamese writes thousands with "." and decimals with "," (1.234,5); the comma is read
  "phẩy". One or two decimals without a leading zero are read as a number (3,14 ba phẩy mười
  bốn), otherwise digit by digit (2,05 hai phẩy không năm).
- "nhăm" for a final 5 after "mươi" (25 hai mươi nhăm) is colloquial northern speech; a
  broadcast script is formal, so both regions read "lăm" (`Dialect.five_after_tens` switches it
  for 25…95; 15 is "mười lăm" everywhere).

Sources: Wikipedia tiếng Việt, "Cách đếm của người Việt" (mốt after tens ≥ 2; tư or bốn after
tens, tư the more common; lăm after tens; lẻ or linh after hundreds and thousands; nghìn = ngàn),
mirrored at https://tusach.thuvienkhoahoc.com/wiki/Cách_đếm_của_người_Việt ;
https://vietnamese.nil.seattle.wa.us/numbers (lăm in 15…95 but not in …05; 11 is mười một;
"lẻ", northern dialect "linh"); the Unicode CLDR Vietnamese spell-out rules (rbnf vi: "lẻ" after a
hundred, "không trăm" after a thousand or more), as shipped in Locale::CLDR::Locales::Vi on
metacpan; http://waiyulw.com/20/169577.html (nhăm as a variant from 25 on, decimal "phẩy",
thousands dot, 1.302 một nghìn ba trăm linh hai); https://en.wikipedia.org/wiki/Vietnamese_numerals.

Everything else, with the choices made:

- Phone and hotline numbers are read digit by digit in the groups they are written in, groups
  separated by a comma (a pause): "0927.681.168" → "không chín hai bảy, sáu tám một, một sáu
  tám". A number is a phone number when it starts with 0 and has 9–11 digits (groups split by
  "." or space; unsplit ones are grouped 4-3-3 or 4-3-4), or is 1800/1900 followed by 4–6 digits.
  The emergency short codes (`SHORT_CODES`: 111–115) are read digit by digit too ("một một năm",
  no "lăm": it is a digit string, not a number), but only right after a word that announces a
  number to call ("gọi", "số", "đường dây nóng", "cấp cứu"…) or after another phone number and
  "hoặc"/"và"/","; elsewhere "113 ca" stays the quantity "một trăm mười ba ca".
- Dates: "19/7/2021", "5/8", "tháng 8/2021" → "ngày mười chín tháng bảy năm …", "ngày năm tháng
  tám", "tháng tám năm …" ("ngày"/"tháng" added unless already written before the date); days and
  months without leading zero, month 4 "tháng tư". Any d/m with a valid day and month is a date
  (so "1/2" is "ngày một tháng hai"); other a/b are read "a trên b" (24/24 hai mươi tư trên hai
  mươi tư).
- Times: "16:00", "16h", "16h30", "7 giờ 30" → "mười sáu giờ", "mười sáu giờ ba mươi phút".
- A dash between numbers is "đến" ("07:00–22:00", "từ 19/7–01/8", "2020-2021", "thứ 2–thứ 7");
  hyphenated phone numbers ("0965-20-15-15") are phone numbers. "½" is "một phần hai".
- "thứ 2" → "thứ hai", "thứ 1" → "thứ nhất", "thứ 4" → "thứ tư" (days and ordinals), "tháng 4"
  → "tháng tư"; "lần 1", "đợt 2" are read as cardinals (lần một).
- Terms and abbreviations come from `TERMS` (case as written) and `TERMS_ANY_CASE`, data to grow.
  "F0", "F1"… are read with the southern letter name "ép" (ép không, ép một). "Covid-19" is
  "cô vít mười chín"; "SARS-CoV-2" is "sát cô vi hai", the letters as Vietnamese say the word
  (sát, as in SARS 2003) and "CoV" as one syllable pair, not spelled out.
- Place words before a name: "TP."/"Tp" is always "thành phố"; "P.", "Q.", "H.", "X." (phường,
  quận, huyện, xã) and "TT", "TX" (thị trấn, thị xã) only before a capitalised name or a digit
  ("Q.1", "P. Vĩnh Thanh"), and not right after a capitalised word, where "H." is a person's
  initial ("Nguyễn Văn H."). "TT" elsewhere is spelled ("tê tê").
- Other upper-case words without a vowel ("SMS", "KH", "CT") are spelled with Vietnamese letter
  names (`LETTER_NAMES`: ét em ét), as Vietnamese read such abbreviations; upper-case words with
  a vowel ("THÔNG BÁO KHẨN") are words, lower-cased so that the engine does not spell them.
- "/" between words is "và" ("F0/F1" → "ép không và ép một": the script means both groups);
  before a unit of time or count it is "mỗi" ("2 lần/ngày" → "hai lần mỗi ngày", "1 lần/3 ngày"
  → "một lần mỗi ba ngày"). A document's number and symbol are read as the number and its issuer
  ("Chỉ thị 16/CT-TTg" → "Chỉ thị mười sáu của Thủ tướng Chính phủ", `ISSUERS`), the kind code
  (CT, KH, QĐ) being said already by the words before it.
- Characters espeak would spell out are dropped (# * _ ~ ^ ` | < > = { } [ ] @ quotes, emoji);
  parentheses become commas; a dash with spaces is a comma (a pause); a hyphen inside a word a
  space; "…" a full stop; a line break a full stop unless the line already ends with one.
  Sentence punctuation is kept (espeak pauses at it), spaces normalised, text NFC in and out.

The output contains no digits, and `to_spoken` of its own output changes nothing.
"""

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "LETTER_NAMES",
    "REGIONS",
    "SHORT_CODES",
    "TERMS",
    "TERMS_ANY_CASE",
    "Dialect",
    "read_digits",
    "read_number",
    "script_parts",
    "to_spoken",
]


@dataclass(frozen=True)
class Dialect:
    thousand: str  # 1000
    zero_tens: str  # the zero tens of 105
    five_after_tens: str = "lăm"  # the final 5 of 25…95 (15 is always "mười lăm")


REGIONS = {
    "south": Dialect(thousand="ngàn", zero_tens="lẻ"),
    "north": Dialect(thousand="nghìn", zero_tens="linh"),
}

# Written form (case as written, a whole word) -> what is read. Longest forms win.
TERMS = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCĐ": "Ban Chỉ đạo",
    "BYT": "Bộ Y tế",
    "SYT": "Sở Y tế",
    "TTYT": "Trung tâm Y tế",
    "BVĐK": "Bệnh viện Đa khoa",
    "STTTT": "Sở Thông tin và Truyền thông",
    "TTTT": "Thông tin và Truyền thông",
    "TT&TT": "Thông tin và Truyền thông",
    "TTg": "Thủ tướng",
    "CNTT": "công nghệ thông tin",
    "ATM": "a tê em",
    "CDC": "xê đê xê",
    "PCR": "pê xê e rờ",
    "WHO": "Tổ chức Y tế Thế giới",
    "PCCC": "phòng cháy chữa cháy",
    "CSGT": "cảnh sát giao thông",
    "SĐT": "số điện thoại",
    "ĐT": "điện thoại",
    "TPHCM": "thành phố Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "VN": "Việt Nam",
    "5K": "năm ca",
    "BS.": "bác sĩ",
    "ThS.": "thạc sĩ",
    "TS.": "tiến sĩ",
    "đ/c": "đồng chí",
    "Đ/c": "đồng chí",
    "VNĐ": "đồng",
    "đ": "đồng",
    "₫": "đồng",
}
# Written form matched whatever its case -> what is read.
TERMS_ANY_CASE = {
    "covid-19": "cô vít mười chín",
    "covid 19": "cô vít mười chín",
    "covid19": "cô vít mười chín",
    "covid": "cô vít",
    "sars-cov-2": "sát cô vi hai",
    "ncov": "en cô vi",
    "delta": "đen ta",
    "omicron": "o mi cờ rôn",
    "hotline": "đường dây nóng",
    "test nhanh": "xét nghiệm nhanh",
    "km/h": "ki lô mét trên giờ",
    "km2": "ki lô mét vuông",
    "km": "ki lô mét",
    "kg": "ki lô gam",
    "m2": "mét vuông",
    "°c": "độ xê",
    "v.v.": "vân vân",
}
# Units: these may follow a number without a space (5km, 50.000đ, 30°C).
UNITS = frozenset({"VNĐ", "đ", "₫", "km/h", "km2", "km", "kg", "m2", "°c"})
# Letter names for spelling an abbreviation (the southern reading of F is "ép").
LETTER_NAMES = {
    "A": "a", "B": "bê", "C": "xê", "D": "đê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê",
    "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ", "M": "em", "N": "en", "O": "o",
    "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê", "W": "vê kép",
    "X": "ích", "Y": "i", "Z": "dét",
}  # fmt: skip
# Short numbers to call, read digit by digit (111 child protection, 112 rescue, 113 police,
# 114 fire, 115 ambulance).
SHORT_CODES = ("111", "112", "113", "114", "115")
# Words after which a short code is a number to call.
CALL_WORDS = (
    "gọi", "số", "tổng đài", "đường dây nóng", "đường dây", "điện thoại", "liên hệ", "cấp cứu",
    "công an", "cảnh sát", "cứu hỏa", "cứu hoả", "chữa cháy", "cứu nạn", "cứu hộ", "khẩn cấp",
)  # fmt: skip
# After "/", these words make it "mỗi" (per): 2 lần/ngày.
PER_WORDS = ("ngày", "tuần", "tháng", "năm", "giờ", "người", "hộ", "lần", "ca", "liều")
# The longest part `script_parts` returns, in characters.
MAX_PART = 200

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _dialect(region: str) -> Dialect:
    try:
        return REGIONS[region]
    except KeyError:
        raise ValueError(f"Vùng đọc không hợp lệ: {region!r} (chọn một trong {', '.join(REGIONS)}).") from None


# ---------------------------------------------------------------------------------------------
# Numbers


def read_digits(digits: str) -> str:
    """'0965' -> 'không chín sáu năm' (digits only; anything else is skipped)."""
    return " ".join(DIGITS[int(ch)] for ch in digits if ch.isdigit())


def _tens_and_units(tens: int, units: int, dialect: Dialect) -> list[str]:
    if tens == 0:
        return [DIGITS[units]]
    if tens == 1:
        words = ["mười"]
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
        return words
    words = [DIGITS[tens], "mươi"]
    if units:
        words.append({1: "mốt", 4: "tư", 5: dialect.five_after_tens}.get(units, DIGITS[units]))
    return words


def _hundreds(n: int, dialect: Dialect, full: bool) -> list[str]:
    """0 < n < 1000; `full` reads a zero hundreds ('không trăm'), as inside a larger number."""
    hundreds, rest = divmod(n, 100)
    if not (full or hundreds):
        return _tens_and_units(*divmod(rest, 10), dialect)
    words = [DIGITS[hundreds], "trăm"]
    tens, units = divmod(rest, 10)
    if rest == 0:
        return words
    if tens == 0:
        return [*words, dialect.zero_tens, DIGITS[units]]
    return words + _tens_and_units(tens, units, dialect)


def _below_billion(n: int, dialect: Dialect, leading: bool) -> list[str]:
    words: list[str] = []
    for value, scale in ((n // 1_000_000, "triệu"), (n // 1000 % 1000, dialect.thousand), (n % 1000, "")):
        if value:
            words += _hundreds(value, dialect, full=bool(words) or not leading)
            if scale:
                words.append(scale)
    return words


def _number_words(n: int, dialect: Dialect) -> list[str]:
    if n < 1_000_000_000:
        return _below_billion(n, dialect, leading=True) or ["không"]
    high, low = divmod(n, 1_000_000_000)
    words = [*_number_words(high, dialect), "tỷ"]
    return words + _below_billion(low, dialect, leading=False) if low else words


def read_number(n: int, region: str = "south") -> str:
    """A whole number in words: 105 -> 'một trăm lẻ năm' (south) / 'một trăm linh năm' (north)."""
    if n < 0:
        return "âm " + read_number(-n, region)
    return " ".join(_number_words(n, _dialect(region)))


def _read_numeral(written: str, dialect: Dialect) -> str:
    """A number as written in Vietnamese: '1.234', '2,5', '05', '0297' (a code: digit by digit)."""
    whole, _, decimals = written.partition(",")
    whole = whole.replace(".", "")
    if len(whole) > 15 or (whole.startswith("0") and len(whole) > 2):
        words = read_digits(whole)
    else:
        words = " ".join(_number_words(int(whole), dialect))
    if not decimals:
        return words
    if len(decimals) <= 2 and not decimals.startswith("0"):
        return f"{words} phẩy {' '.join(_number_words(int(decimals), dialect))}"
    return f"{words} phẩy {read_digits(decimals)}"


def _ordinal(n: int, dialect: Dialect) -> str:
    return {1: "nhất", 4: "tư"}.get(n) or " ".join(_number_words(n, dialect))


def _month(n: int, dialect: Dialect) -> str:
    return "tư" if n == 4 else " ".join(_number_words(n, dialect))


# ---------------------------------------------------------------------------------------------
# Patterns

_UPPER_START = r"(?=[^\W\d_])"  # a letter follows; the callback checks it is upper-case
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_HOUR = r"(?:[01]?\d|2[0-4])"
_NUMERAL = r"\d{1,3}(?:\.\d{3})+(?!\d|\.\d)(?:,\d+)?|\d+(?:,\d+)?"

_NUMBER_RE = re.compile(
    rf"""(?<!\d)(?:
      (?P<date>(?P<d>{_DAY})/(?P<m>{_MONTH})(?:/(?P<y>\d{{4}}|\d{{2}}))?)(?![/\d])
    | (?P<monthyear>(?P<my_m>{_MONTH})/(?P<my_y>\d{{4}}))(?![/\d])
    | (?P<clock>(?P<clock_h>{_HOUR}):(?P<clock_m>[0-5]\d))(?![\d:])
    | (?P<hour>(?P<hour_h>{_HOUR})\s?(?:[hH]|g(?=[0-5]\d))(?P<hour_m>[0-5]\d)?(?:'|p(?!\w)|\s?phút)?)(?!\w)
    | (?P<hourword>(?P<hw_h>{_HOUR})\s+giờ\s+(?P<hw_m>[0-5]?\d)(?:\s*phút)?)(?!\w|[.,:/]\d)
    | (?P<phone>0\d{{2,3}}(?:[. ]?\d{{2,4}}){{2,4}}|1[89]00(?:[. ]?\d{{2,4}}){{1,3}})(?![\d])
    | (?P<short>{"|".join(SHORT_CODES)})(?!\d|[.,]\d|\s*[/%:])
    | (?P<percent>{_NUMERAL})\s?%
    | (?P<ratio>\d+(?:/\d+)+)(?P<ratio_h>h(?!\w))?
    | (?P<numeral>\d{{1,3}}(?:\.\d{{3}})+(?!\d|\.\d)(?:,\d+)?)
    | (?P<dotted>\d+(?:\.\d+)+)
    | (?P<plain>\d+(?:,\d+)?)
    )""",
    re.VERBOSE,
)
_HYPHEN_PHONE_RE = re.compile(r"(?<![\d-])0\d{2,3}(?:-\d{2,4}){2,3}(?![\d-])")  # 0965-20-15-15
# A dash from a number to a number (or to "thứ 7", "ngày 1/8"): "đến".
_DASH_BETWEEN_NUMBERS_RE = re.compile(r"(?<=\d)\s*[-–—]\s*(?=\d|(?:thứ|ngày|tháng|năm)\s*\d)", re.IGNORECASE)
_CALL_WORD_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, CALL_WORDS), key=len, reverse=True)) + r")"
    r"(?:\s+(?:ngay|tới|đến|cho|vào))?[\s:(\-–]*$",
    re.IGNORECASE,
)
_AFTER_PHONE_RE = re.compile(
    r"(?:(?<!\d)(?:" + "|".join(SHORT_CODES) + r")|0[\d. ]{7,}\d|1[89]00[\d. ]{3,}\d)\s*(?:,|;|/|hoặc|và)\s*$",
    re.IGNORECASE,
)
_ENDS_WITH_RE = {word: re.compile(rf"(?<!\w){word}\s*$", re.IGNORECASE) for word in ("ngày", "tháng", "thứ")}


def _phone_groups(digits: str) -> list[str]:
    """Default grouping of an unseparated phone number (as Vietnamese write them)."""
    sizes = {8: (4, 4), 9: (3, 3, 3), 10: (4, 3, 3), 11: (4, 3, 4)}.get(len(digits))
    if sizes is None:
        return [digits]
    groups, start = [], 0
    for size in sizes:
        groups.append(digits[start : start + size])
        start += size
    return groups


def _read_phone(written: str, dialect: Dialect) -> str:
    groups = re.split(r"[. ]", written)
    digits = "".join(groups)
    limits = (9, 11) if digits.startswith("0") else (8, 10)
    if not limits[0] <= len(digits) <= limits[1]:
        # Not a phone number after all: a code starting with 0, or numbers side by side.
        return " ".join(read_digits(g) if g.startswith("0") else _read_numeral(g, dialect) for g in groups)
    if len(groups) == 1:
        groups = _phone_groups(digits)
    return ", ".join(read_digits(group) for group in groups)


def _number_match(match: re.Match, dialect: Dialect) -> str:
    before = match.string[: match.start()]
    group = match.group
    if group("date"):
        words = [] if _ENDS_WITH_RE["ngày"].search(before) else ["ngày"]
        words += [" ".join(_number_words(int(group("d")), dialect)), "tháng", _month(int(group("m")), dialect)]
        if group("y"):
            words += ["năm", " ".join(_number_words(int(group("y")), dialect))]
        spoken = " ".join(words)
    elif group("monthyear"):
        words = [] if _ENDS_WITH_RE["tháng"].search(before) else ["tháng"]
        words += [_month(int(group("my_m")), dialect), "năm", " ".join(_number_words(int(group("my_y")), dialect))]
        spoken = " ".join(words)
    elif group("clock") or group("hour") or group("hourword"):
        hour, minute = (
            (group("clock_h"), group("clock_m"))
            if group("clock")
            else (group("hour_h"), group("hour_m"))
            if group("hour")
            else (group("hw_h"), group("hw_m"))
        )
        spoken = " ".join(_number_words(int(hour), dialect)) + " giờ"
        if minute and int(minute):
            spoken += " " + " ".join(_number_words(int(minute), dialect)) + " phút"
    elif group("phone"):
        spoken = _read_phone(group("phone"), dialect)
    elif group("short"):
        code = group("short")
        if _CALL_WORD_RE.search(before[-40:]) or _AFTER_PHONE_RE.search(before[-40:]):
            spoken = read_digits(code)
        else:
            spoken = _plain_number(code, before, dialect)
    elif group("percent"):
        spoken = _read_numeral(group("percent"), dialect) + " phần trăm"
    elif group("ratio"):
        spoken = " trên ".join(_read_numeral(part, dialect) for part in group("ratio").split("/"))
        if group("ratio_h"):
            spoken += " giờ"
    elif group("numeral"):
        spoken = _read_numeral(group("numeral"), dialect)
    elif group("dotted"):  # a section or version number: 1.2 một chấm hai
        spoken = " chấm ".join(_read_numeral(part, dialect) for part in group("dotted").split("."))
    else:
        spoken = _plain_number(group("plain"), before, dialect)
    return f" {spoken} "


def _plain_number(written: str, before: str, dialect: Dialect) -> str:
    if "," not in written and not (written.startswith("0") and len(written) > 2) and len(written) <= 15:
        if _ENDS_WITH_RE["thứ"].search(before):
            return _ordinal(int(written), dialect)
        if _ENDS_WITH_RE["tháng"].search(before) and 1 <= int(written) <= 12:
            return _month(int(written), dialect)
    return _read_numeral(written, dialect)


# ---------------------------------------------------------------------------------------------
# Words


def _terms_pattern(forms) -> str:
    """Whole words, longest first; a unit may follow a digit (5km), other terms no word character."""
    alternatives = [
        (r"(?<![^\W\d_])" if form in UNITS else r"(?<!\w)") + re.escape(form)
        for form in sorted(forms, key=len, reverse=True)
    ]
    return "(?:" + "|".join(alternatives) + r")(?!\w)"


_TERMS_RE = re.compile(_terms_pattern(TERMS))
_TERMS_ANY_CASE_RE = re.compile(_terms_pattern(TERMS_ANY_CASE), re.IGNORECASE)
# A document's number and symbol: "16/CT-TTg", "52/KH-STTTT", "91/2020/NĐ-CP" (not "F0/F1").
_DOCUMENT_SYMBOL_RE = re.compile(
    r"(?<![^\W_])(\d+)(?:/((?:19|20)\d\d))?/([A-ZĐ][\wĐđ&]*(?:-[A-ZĐ][\wĐđ&]*)+)(?![\w-])"
)
# The issuer, the last part of a symbol, as a listener knows it; the kind of document before it
# (CT, KH, QĐ, NĐ…) is already said by the words before the number ("Chỉ thị 16/CT-TTg").
ISSUERS = {
    "TTg": "Thủ tướng Chính phủ",
    "CP": "Chính phủ",
    "UBND": "Ủy ban nhân dân",
    "BCĐ": "Ban Chỉ đạo",
    "BYT": "Bộ Y tế",
    "SYT": "Sở Y tế",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "STTTT": "Sở Thông tin và Truyền thông",
}


def _document_symbol(match: re.Match) -> str:
    """ "16/CT-TTg" → "16 của Thủ tướng Chính phủ"; "91/2020/NĐ-CP" → "91 năm 2020 của Chính phủ";
    an issuer not in ISSUERS is left out ("12/KH-BCĐ149" → "12")."""
    number, year, symbol = match.groups()
    issuer = ISSUERS.get(symbol.rsplit("-", 1)[-1])
    return f"{number}" + (f" năm {year}" if year else "") + (f" của {issuer} " if issuer else " ")
# "/" after a word and before a unit, with or without a number: "2 lần/ngày", "1 lần/3 ngày": "mỗi".
_PER_RE = re.compile(r"(?<=[^\W\d_])\s*/\s*(?=(?:\d+\s*)?(?:" + "|".join(PER_WORDS) + r")(?!\w))", re.IGNORECASE)
_WORD_HYPHEN_RE = re.compile(r"(?<=[^\W_])-(?=[^\W_])")
_F_CODE_RE = re.compile(r"(?<!\w)[Ff](\d)(?!\w)")
_CITY_RE = re.compile(r"(?<!\w)(?:TP|Tp)(?:\.|(?!\w))\s*")
# Place words that count only before a capitalised name or a number.
_PLACE_RE = re.compile(r"(?<![\w.])(?P<abbr>[PQHX]\.|TT\.?|TX\.?|Tx\.)\s*(?=\d|[^\W\d_])")
PLACE_WORDS = {"P": "phường", "Q": "quận", "H": "huyện", "X": "xã", "TT": "thị trấn", "TX": "thị xã", "Tx": "thị xã"}
_SPELL_RE = re.compile(r"(?<!\w)[BCDĐFGHJKLMNPQRSTVWXZ]{2,6}(?!\w)")
_SHOUTED_RE = re.compile(r"(?<!\w)[^\W\d_]{2,}(?!\w)")


def _place_match(match: re.Match) -> str:
    abbr = match.group("abbr").rstrip(".")
    rest = match.string[match.end() :]
    before = match.string[: match.start()].rstrip()
    if not rest[0].isdigit() and not (rest[0].isupper() and rest[1:2].islower()):
        # Only before a name ("Châu Thành"), not an abbreviation ("TT CNTT") or a lower-case word.
        return match.group(0)
    if abbr in ("P", "Q", "H", "X"):
        previous = re.search(r"(\w+)$", before)
        if previous and previous.group(1)[0].isupper():  # a person's initial: Nguyễn Văn H.
            return match.group(0)
    elif rest[0].isdigit():  # "TT" and "TX" only before names
        return match.group(0)
    return f" {PLACE_WORDS[abbr]} "


def _expand_words(text: str) -> str:
    text = _DOCUMENT_SYMBOL_RE.sub(_document_symbol, text)
    text = _PER_RE.sub(" mỗi ", text)
    text = _CITY_RE.sub(" thành phố ", text)
    # Terms written with a hyphen first (Covid-19), then the other hyphens inside words go (KH-STTTT).
    text = _TERMS_ANY_CASE_RE.sub(lambda m: f" {TERMS_ANY_CASE[m.group(0).lower()]} ", text)
    text = _WORD_HYPHEN_RE.sub(" ", text)
    text = _TERMS_RE.sub(lambda m: f" {TERMS[m.group(0)]} ", text)
    text = _F_CODE_RE.sub(lambda m: f" {LETTER_NAMES['F']} {DIGITS[int(m.group(1))]} ", text)
    return _PLACE_RE.sub(_place_match, text)


def _spell(match: re.Match) -> str:
    return " " + " ".join(LETTER_NAMES[ch] for ch in match.group(0)) + " "


def _unshout(match: re.Match) -> str:
    """Upper-case words with a vowel are words ("THÔNG BÁO KHẨN"): lower-cased, so that a speech
    engine does not take them for abbreviations to spell."""
    word = match.group(0)
    if not word.isupper():
        return word
    bases = unicodedata.normalize("NFD", word.replace("Đ", "D")).upper()
    return word.lower() if any(ch in "AEIOUY" for ch in bases) else word


# ---------------------------------------------------------------------------------------------
# Punctuation and spaces

_DROP = str.maketrans("", "", "#*_~^`|\\<>={}[]@\"“”„«»'‘’")
_PUNCT_RUN_RE = re.compile(r"\s*[,;:.!?](?:\s*[,;:.!?])*\s*")
_STRENGTH = {",": 0, ":": 1, ";": 2, ".": 3, "!": 4, "?": 5}


def _strongest(match: re.Match) -> str:
    marks = re.sub(r"\s", "", match.group(0))
    return max(marks, key=_STRENGTH.__getitem__) + " "


def _lines(text: str) -> str:
    """Line breaks become sentence breaks (headings and list items have no full stop)."""
    lines = [line.strip() for line in text.splitlines()]
    joined = ""
    for line in filter(None, lines):
        if joined and joined[-1] not in ".!?;:,":
            joined += "."
        joined += " " + line
    return joined


def _clean_characters(text: str) -> str:
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "N" and not ch.isascii():
            kept.append(unicodedata.normalize("NFKC", ch).replace("⁄", " phần "))  # ² ½ ０-９ become ASCII
        elif ch in "\n°":
            kept.append(ch)
        elif category in ("So", "Sk", "Co", "Cs", "Cf", "Cn"):
            kept.append(" ")  # emoji, symbols, zero-width characters
        elif category in ("Zl", "Zp"):
            kept.append("\n")
        elif category[0] == "C" or category == "Zs":
            kept.append(" ")
        else:
            kept.append(ch)
    return "".join(kept)


def _punctuation(text: str) -> str:
    text = text.replace("…", ".").replace("&", " và ").replace("%", " phần trăm ").replace("°", " độ ")
    text = re.sub(r"\.{2,}", ".", text)
    text = text.translate(_DROP)
    text = re.sub(r"[()]", ",", text)
    text = text.replace("/", " và ")
    text = re.sub(r"\s+[-–—]+\s+|\s+[–—]+|[–—]+\s+|^\s*[-–—]+", ", ", text)  # a dash that is a pause
    text = re.sub(r"[-–—]+", " ", text)  # a hyphen inside a word
    return text


def _spaces(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = _PUNCT_RUN_RE.sub(_strongest, text)
    text = re.sub(r"^[\s,;:.]+|[\s,;:]+$", "", text)
    return text.strip()


# ---------------------------------------------------------------------------------------------
# Public


def to_spoken(text: str, *, region: str = "south") -> str:
    """Written Vietnamese -> the words espeak-ng should read (NFC, no digits). Idempotent."""
    dialect = _dialect(region)
    text = unicodedata.normalize("NFC", text)
    text = _lines(_clean_characters(text))
    text = _HYPHEN_PHONE_RE.sub(lambda m: m.group(0).replace("-", "."), text)
    text = _DASH_BETWEEN_NUMBERS_RE.sub(" đến ", text)
    text = _expand_words(text)
    text = _NUMBER_RE.sub(lambda m: _number_match(m, dialect), text)
    text = _SPELL_RE.sub(_spell, text)
    text = _SHOUTED_RE.sub(_unshout, text)
    text = _spaces(_punctuation(text))
    return unicodedata.normalize("NFC", text)


def _pack(pieces: list[str], limit: int, joiner: str = " ") -> list[str]:
    """Greedily join consecutive pieces while they fit in `limit` characters."""
    parts: list[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + len(joiner) + len(piece) <= limit:
            parts[-1] += joiner + piece
        else:
            parts.append(piece)
    return parts


def script_parts(text: str, *, region: str = "south", limit: int = MAX_PART) -> list[str]:
    """The spoken form of a script (`to_spoken`) cut into sentences, and sentences longer than
    `limit` characters into phrases at commas and colons, then between words; one synthesis
    call each. Every part is at most `limit` characters unless a single word is longer."""
    parts: list[str] = []
    for sentence in re.split(r"(?<=[.!?;])\s+", to_spoken(text, region=region)):
        if len(sentence) <= limit:
            parts.append(sentence)
            continue
        for phrase in _pack(re.split(r"(?<=[,:])\s+", sentence), limit):
            parts += [phrase] if len(phrase) <= limit else _pack(phrase.split(), limit)
    return [part for part in parts if part]
