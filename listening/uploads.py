"""Exports of commercial social-listening tools (Brandwatch, Meltwater, YouNet, a hand-made
sheet...) as CSV or XLSX, turned into the items that `ingest.store` takes.

Three steps, so a page can show what it understood before anything is stored:
`read_table` reads the file into column names and rows of text (or refuses the whole file with
an `UploadError`), `guess_mapping` proposes which column holds each field of a post and
`check_mapping` checks a mapping the user confirmed, and `items` converts the rows (counts such
as "1,2K", Vietnamese dates such as "15/07/2021 08h30"). A cell that cannot be converted is
passed on as it is, so `ingest.store` reports its line instead of a guess being stored.

Decisions:
- The format comes from the content, not the name: a zip is read as XLSX, anything else as
  delimited text. Web pages and old binary workbooks that tools save with an .xls name are
  refused with a hint (save as XLSX or CSV UTF-8).
- Text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text", tab-separated,
  also what Meltwater exports), else Windows-1258, the ANSI code page of a Vietnamese Windows
  (what Excel's plain "CSV" writes there). Windows-1252 is never guessed, and bytes that are
  almost UTF-8, or that hold NULs or many control characters, are refused rather than read as
  garbage. Legacy font encodings (TCVN3, VNI) cannot be told from Windows-1258 and come out
  unreadable: the preview shows it.
- The header is the first row of the file, or, when a report begins with a few lines about
  itself (as Brandwatch's do), the first row about as wide as the table.
- Without an id column, a post's id is derived from what identifies it: "sha1:" + SHA-1 of its
  link, or of author, time and text when it has no link. The same export uploaded twice gives
  the same ids (no duplicates), and the same text posted by two accounts stays two posts.
- Day before month: "05/07/2021" is 5 July. A tool writing month first gives unparseable dates
  for days above 12, reported by line, rather than wrong dates stored in silence.
"""

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from documents import spreadsheet
from vntext import fold, nfc

MAX_BYTES = 20 * 2**20
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL = 100_000
# A workbook is a zip: what it unpacks to is checked before openpyxl opens it (a small upload
# can hold gigabytes of XML). Sheets compress 5-20 times; 100 is already a crafted file.
MAX_UNPACKED = 250 * 2**20
TEXT_ENCODINGS = ("utf-8", "utf-16", "cp1258")  # what decode_text reads (core.filetypes checks uploads by them)
MAX_RATIO = 100
HEADER_SEARCH = 30  # rows in which to look for the header under a report's own title lines

FIELDS = ("id", "text", "title", "url", "author", "published_at", "reactions", "comments", "shares")
COUNT_FIELDS = ("reactions", "comments", "shares")


class UploadError(Exception):
    """The whole file cannot be read; the message says why, for the person who uploaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line or sheet row, cells)
    format: str = "csv"  # "csv" or "xlsx"
    encoding: str = ""  # how a CSV was decoded: "utf-8", "utf-16", "cp1258"
    header_line: int = 1


# Reading the file ------------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Table:
    """The first sheet of a workbook, or a delimited text file, as a header and rows of text.
    `filename` is not used to choose the format (names lie: tools save web pages as .xls); it is
    there for the callers' messages and logs."""
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
    if not data.strip():
        raise UploadError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = Table(columns=[], format="xlsx")
        raw_rows = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UploadError(
            _(
                "This is an Excel 97–2003 workbook (.xls) or a workbook with a password. Open it in Excel "
                "and save it as “Excel Workbook (.xlsx)” without a password, or as “CSV UTF-8”."
            )
        )
    elif data.startswith(b"%PDF"):
        raise UploadError(_("This is a PDF document, not a table. Export the data as XLSX or CSV."))
    else:
        text, encoding = decode_text(data)
        refuse_markup(text)
        table = Table(columns=[], format="csv", encoding=encoding)
        raw_rows = delimited_rows(text)
    return _tabulate(table, raw_rows)


def _tabulate(table: Table, raw_rows) -> Table:
    """Header and rows from (number, cells) pairs: blank rows dropped, trailing empty cells
    trimmed, every row as wide as the table, names given to unnamed and repeated columns."""
    rows = []
    for number, cells in raw_rows:  # NFC already: the CSV's text as decoded, each XLSX cell as read
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise UploadError(
                _("Line %(line)d: more than %(n)d columns. Keep only the columns of the posts.")
                % {"line": number, "n": MAX_COLUMNS}
            )
        rows.append((number, cells))
    if not rows:
        raise UploadError(_("The file is empty."))
    at = _header_index(rows[:HEADER_SEARCH])
    (table.header_line, header), body = rows[at], rows[at + 1 :]
    if any(len(c) > 200 or c.strip().lower().startswith(("http://", "https://")) for c in header):
        raise UploadError(
            _(
                "The first row must hold the names of the columns (for example Content, Link, Date); "
                "this one holds data. Add a header row."
            )
        )
    if not body:
        raise UploadError(_("The file has a header but no rows."))
    if len(body) > MAX_ROWS:
        raise UploadError(_("At most %(n)d rows in one file: split it.") % {"n": MAX_ROWS})
    width = max(len(cells) for _n, cells in rows[at:])
    table.columns = _column_names(header, width)
    table.rows = [(n, cells + [""] * (width - len(cells))) for n, cells in body]
    return table


def _header_index(head: list) -> int:
    """The first row about as wide as the widest of the first rows: what comes before it is the
    report's own title lines (name of the report, period, filters)."""
    widest = max(sum(1 for c in cells if c.strip()) for _n, cells in head)
    for i, (_n, cells) in enumerate(head):
        named = sum(1 for c in cells if c.strip())
        if named * 2 >= widest or named >= 5:
            return i
    return 0  # pragma: no cover - the widest row satisfies the test


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_names(header: list[str], width: int) -> list[str]:
    """Names as the user sees them; an unnamed column is called by its letter and a repeated
    name gets its letter too ("Date (F)"), so every column can be chosen by name."""
    names, seen = [], set()
    for i in range(width):
        name = nfc(header[i]) if i < len(header) else ""
        if not name:
            name = column_letter(i)
        elif name in seen:
            name = f"{name} ({column_letter(i)})"
        seen.add(name)
        names.append(name)
    return names


def _capped(cells) -> list:
    """The first cells of a row, one more than allowed when there is anything beyond, so that
    _tabulate refuses the row with its line number without holding 16,384 cells."""
    if len(cells) <= MAX_COLUMNS + 1:
        return list(cells)
    extra = any(c not in (None, "") for c in cells[MAX_COLUMNS:])
    return [*cells[:MAX_COLUMNS], "…" if extra else ""]


def _check_cell(text: str, number: int) -> str:
    if len(text) > MAX_CELL:
        raise UploadError(
            _("Line %(line)d: a cell is longer than %(n)d characters (is a quote left open?).")
            % {"line": number, "n": MAX_CELL}
        )
    return text


# XLSX


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    rows = []
    try:
        for number, values in spreadsheet.first_sheet_rows(data, max_unpacked=MAX_UNPACKED, max_ratio=MAX_RATIO):
            if all(v in (None, "") for v in values):
                continue
            cells = [unicodedata.normalize("NFC", _check_cell(_xlsx_cell(v), number)) for v in _capped(values)]
            rows.append((number, cells))
            if len(rows) > MAX_ROWS + HEADER_SEARCH:  # _tabulate counts exactly; this stops early
                raise UploadError(_("At most %(n)d rows in one file: split it.") % {"n": MAX_ROWS})
    except spreadsheet.NoSheet:
        raise UploadError(_("The workbook has no sheet.")) from None
    except spreadsheet.UnreadableWorkbook:
        raise UploadError(_("The file is not a readable XLSX workbook.")) from None
    except spreadsheet.TooManyRows:
        raise UploadError(_("At most %(n)d rows in one file: split it.") % {"n": MAX_ROWS}) from None
    except spreadsheet.WorkbookTooLarge:
        raise UploadError(
            _("The workbook unpacks to too much data; save only the sheet of posts as XLSX or CSV UTF-8.")
        ) from None
    return rows


# Delimited text


def decode_text(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        try:
            text = data.decode("utf-16")  # the BOM says which byte order, and is dropped
        except UnicodeDecodeError:
            raise UploadError(_("The file says it is UTF-16 text but is not.")) from None
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise UploadError(_not_utf8(e)) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            text, encoding = _windows_1258(data, e), "cp1258"
    if "\x00" in text:
        raise UploadError(_nul_message())
    text = unicodedata.normalize("NFC", text)
    controls = len(CONTROLS_RE.findall(text))
    if controls > max(2, len(text) // 100):
        raise UploadError(_("The file is not text: it has too many control characters."))
    return text, encoding


CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")  # not tab, line ends, VT, FF, Ctrl-Z (EOF)


def _nul_message() -> str:
    return _(
        "The file contains NUL characters: it is not a text (CSV) file, or it is UTF-16 without a byte-order "
        "mark. Save it as “CSV UTF-8”."
    )


def _not_utf8(error: UnicodeDecodeError) -> str:
    return _("The file is not valid UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8”.") % {"pos": error.start + 1}


CP1258_TONE_MARKS_RE = re.compile(rb"[\xcc\xd2\xde\xec\xf2]")


def _windows_1258(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    """Bytes that are not UTF-8 as Windows-1258, if they plausibly are: not UTF-8 with a few
    broken bytes (a truncated or patched file, which Windows-1258 would turn into mojibake
    without a word), no NUL, no byte the code page leaves undefined, tone marks after letters."""
    if b"\x00" in data:
        raise UploadError(_nul_message())
    loose = data.decode("utf-8", "replace")
    broken = loose.count("\ufffd")
    if len(loose) - len(loose.encode("ascii", "ignore")) - broken > broken:  # more good non-ASCII than broken
        raise UploadError(_not_utf8(utf8_error))
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        raise UploadError(_("The file is neither UTF-8 nor Windows-1258 text. Save it as “CSV UTF-8”.")) from None
    # A Windows-1258 tone mark is a separate byte after its vowel; in random bytes it follows
    # anything.
    marks = [m.start() for m in CP1258_TONE_MARKS_RE.finditer(data)]
    stray = sum(1 for i in marks if i == 0 or not text[i - 1].isalpha())
    if stray > max(2, len(marks) // 10):
        raise UploadError(_("The file is neither UTF-8 nor Windows-1258 text. Save it as “CSV UTF-8”."))
    return text


MARKUP_STARTS = ("<!doctype", "<html", "<table", "<?xml", "<head", "<body", "<meta", "<style", "<div")


def refuse_markup(text: str) -> None:
    if text.lstrip()[:20].lower().startswith(MARKUP_STARTS):
        raise UploadError(
            _(
                "This is a web page or an XML file saved with a spreadsheet name, not a table. Open it in "
                "Excel and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”."
            )
        )


DELIMITERS = (",", ";", "\t")


def _sniff(text: str) -> str:
    """The delimiter that cuts the first records into the same number of cells most often (a
    semicolon file's text may hold many commas, but not the same number on every line)."""
    sample = text[: 64 * 1024]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = []
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            for cells in reader:
                if any(c.strip() for c in cells):
                    widths.append(len(cells))
                if len(widths) > HEADER_SEARCH + 20:
                    break
        except csv.Error:
            continue
        if len(sample) < len(text) and len(widths) > 1:
            widths.pop()  # the last record of a cut sample may be cut too
        common = Counter(w for w in widths if w > 1).most_common()
        if not common:
            continue
        top = max(count for _w, count in common)
        width = max(w for w, count in common if count == top)
        if (top, width) > best_score:
            best, best_score = delimiter, (top, width)
    return best


def delimited_rows(text: str, max_rows: int = MAX_ROWS) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))
    rows, start = [], 1
    try:
        for cells in reader:
            number, start = start, reader.line_num + 1
            if any(c.strip() for c in cells):
                rows.append((number, [_check_cell(c, number) for c in _capped(cells)]))
                if len(rows) > max_rows + HEADER_SEARCH:  # _tabulate counts exactly; this stops early
                    raise UploadError(_("At most %(n)d rows in one file: split it.") % {"n": max_rows})
    except csv.Error as e:
        if "field larger" in str(e):  # over csv's own limit (131,072 unless raised elsewhere)
            raise UploadError(
                _("Line %(line)d: a cell is longer than %(n)d characters (is a quote left open?).")
                % {"line": start, "n": MAX_CELL}
            ) from None
        raise UploadError(
            _("Line %(line)d: the CSV cannot be read (%(error)s).") % {"line": start, "error": e}
        ) from None
    if rows and _quote_left_open(text, rows[-1][0], reader.dialect.delimiter):
        raise UploadError(
            _("Line %(line)d: a quote opened here is never closed, so the rest of the file would be one cell.")
            % {"line": rows[-1][0]}
        )
    return rows


def _quote_left_open(text: str, line: int, delimiter: str) -> bool:
    """Whether the last record ends inside quotes (the lenient reader just stops at the end)."""
    tail = "".join(io.StringIO(text, newline="").readlines()[line - 1 :])
    try:
        for _cells in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


# Which column is which --------------------------------------------------------------------------

# Header names of listening tools' exports, folded (lower case, no accents, punctuation as
# spaces, a final English plural "s" dropped). EXACT names are tried first, in this order; then
# a column whose name CONTAINS one of the phrases, unless it also has a word of AVOID ("Author
# ID" is not the post's id, "Page Likes" counts followers).
EXACT = {
    "text": ["content", "full text", "message", "text", "noi dung", "post content", "noi dung bai viet", "bai viet",
             "hit sentence", "opening text", "mention", "snippet", "caption", "body", "description"],
    "title": ["title", "tieu de", "headline"],
    "id": ["id", "post id", "ma bai", "ma bai viet", "mention id", "resource id", "document id", "message id",
           "tweet id", "id bai viet", "id bai dang", "ma"],
    "url": ["url", "link", "duong dan", "permalink", "post url", "post link", "lien ket", "link bai viet",
            "original url", "mention url"],
    "author": ["author", "tac gia", "nguoi dang", "page", "username", "user name", "user", "page name", "ten trang",
               "full name", "influencer", "screen name", "tai khoan", "account", "ten tac gia"],
    "published_at": ["published", "date", "ngay dang", "thoi gian", "created time", "published date",
                     "publish date", "date published", "created at", "created", "post date", "ngay",
                     "thoi gian dang", "timestamp", "ngay tao", "posted"],
    "reactions": ["reaction", "like", "luot thich", "cam xuc", "luot cam xuc", "thich", "total reaction"],
    "comments": ["comment", "binh luan", "luot binh luan", "reply"],
    "shares": ["share", "chia se", "luot chia se", "retweet", "repost"],
}  # fmt: skip
CONTAINS = {
    "text": ["content", "message", "noi dung", "snippet", "hit sentence", "opening text", "full text", "text",
             "mention", "bai viet"],
    "title": ["title", "tieu de", "headline"],
    "id": ["post id", "mention id", "ma bai", "message id", "id bai", "resource id", "document id"],
    "url": ["url", "link", "duong dan", "permalink", "lien ket"],
    "author": ["author", "tac gia", "nguoi dang", "username", "user name", "page name", "ten trang",
               "screen name", "tai khoan"],
    "published_at": ["published", "ngay dang", "thoi gian dang", "created time", "created at", "post date", "date",
                     "ngay", "thoi gian"],
    "reactions": ["reaction", "like", "luot thich", "cam xuc"],
    "comments": ["comment", "binh luan", "reply count"],
    "shares": ["share", "chia se", "retweet", "repost"],
}  # fmt: skip
AVOID = {
    "text": {"id", "type", "length", "url", "link", "count", "author", "sentiment", "language", "lang", "tag",
             "category", "mentioned", "ma", "so", "loai", "duong"},
    "title": {"id", "url", "link", "thread"},
    "id": {"author", "user", "page", "thread", "parent", "conversation", "query", "tac", "gia"},
    "url": {"author", "profile", "avatar", "image", "media", "thread", "user", "display", "expanded", "short",
            "domain", "anh", "trang"},
    "author": {"id", "url", "link", "avatar", "follower", "following", "bio", "gender", "type", "role", "verified",
               "mentioned", "thread", "like"},
    "published_at": {"added", "updated", "assignment", "thread", "alternate", "last", "crawl", "cap", "nhat",
                     "birth", "sinh"},
    "reactions": {"page", "fan", "follower", "id"},
    "comments": {"id", "url", "link", "text", "noi", "dung"},
    "shares": {"id", "url", "link"},
}  # fmt: skip


def _singular(word: str) -> str:
    # Vietnamese syllables never end in "s": only English plurals lose it.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _words(name: str) -> list[str]:
    return [_singular(w) for w in re.sub(r"[^a-z0-9]+", " ", fold(name)).split()]


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def guess_mapping(columns: list[str]) -> dict:
    """field -> column name, for the fields found: exact names first, then names containing a
    known word. Each column serves one field. Without a column of text, a title is the text."""
    words = {name: _words(name) for name in columns}
    mapping, used = {}, set()
    for phase in ("exact", "contains"):
        for name in FIELDS:
            if name in mapping:
                continue
            for phrase in (EXACT if phase == "exact" else CONTAINS)[name]:
                wanted = _words(phrase)
                found = next(
                    (
                        c
                        for c in columns
                        if c not in used
                        and (
                            words[c] == wanted
                            if phase == "exact"
                            else _contains(words[c], wanted) and not AVOID[name] & set(words[c])
                        )
                    ),
                    None,
                )
                if found:
                    mapping[name] = found
                    used.add(found)
                    break
    if "text" not in mapping and "title" in mapping:
        mapping["text"] = mapping.pop("title")
    return {name: mapping[name] for name in FIELDS if name in mapping}


def check_mapping(columns: list[str], mapping: dict) -> dict:
    """field -> message for each problem of a mapping the user chose. The text is required; the
    id is not (see the module's note); a count is not read twice from the same column."""
    errors = {}
    for name, column in mapping.items():
        if name not in FIELDS:
            errors[name] = _("Unknown field.")
        elif column in (None, ""):
            continue
        elif not isinstance(column, str) or column not in columns:
            errors[name] = _("The column “%(column)s” is not in the file.") % {"column": str(column)[:80]}
    if not mapping.get("text"):
        errors["text"] = _("Choose the column that holds the text of the posts.")
    counted = {}
    for name in COUNT_FIELDS:
        column = mapping.get(name)
        if column and name not in errors:
            if column in counted:
                errors[name] = _("The column “%(column)s” is already counted as %(field)s.") % {
                    "column": column[:80],
                    "field": counted[column],
                }
            counted[column] = name
    return errors


# Converting the rows ----------------------------------------------------------------------------

LOCAL = ZoneInfo(settings.TIME_ZONE)
SCALES = {"k": 1_000, "n": 1_000, "nghin": 1_000, "ngan": 1_000, "m": 10**6, "tr": 10**6, "trieu": 10**6,
          "b": 10**9, "ty": 10**9}  # fmt: skip
NO_VALUE = {"", "-", "–", "—", "n/a", "na", "#n/a", "null", "none"}  # what exports write for "not known"
PLAIN_RE = re.compile(r"\d+(?:\.0+)?")
GROUPED_RE = re.compile(r"\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*")
SCALED_RE = re.compile(r"(\d+(?:[.,]\d+)?) ?([a-z]+)\.?")


def parse_count(cell: str):
    """A count as listening tools and people write it: "1234", "1.234" or "1,234" or "1 234"
    (thousands), "1.2K", "3,4k", "2M", "2,5 Tr" (triệu). None when empty; the cell itself when it
    is not a count (negative, decimal, words), for ingest to report."""
    text = fold(cell)
    if text in NO_VALUE:
        return None
    if len(text) > 30:
        return cell
    if PLAIN_RE.fullmatch(text):
        return int(text.split(".")[0])
    if GROUPED_RE.fullmatch(text):
        return int(re.sub(r"[., ]", "", text))
    scaled = SCALED_RE.fullmatch(text)
    if scaled and scaled[2] in SCALES:
        return round(float(scaled[1].replace(",", ".")) * SCALES[scaled[2]])
    return cell


DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%H:%M:%S %d/%m/%Y", "%H:%M %d/%m/%Y", "%H:%M:%S %d-%m-%Y", "%H:%M %d-%m-%Y",
    "%d/%m/%y %H:%M", "%d/%m/%y",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%d-%b-%Y %I:%M%p", "%d-%b-%Y %I:%M %p", "%d-%b-%Y %H:%M", "%d-%b-%Y",  # Meltwater: 15-Jul-2021 08:30AM
    "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y",
)  # fmt: skip
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # day 0 of Excel serial dates (its 1900 leap-year bug included)


def parse_when(cell: str):
    """A time of publication as ISO 8601 with its offset, a naive time being Vietnam's; None when
    empty; the cell itself when it is not a date, for ingest to report."""
    text = nfc(cell)
    if not text:
        return None
    if len(text) > 40:
        return cell
    when = _when(text)
    if when is None:
        return cell
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL)
    return when.isoformat()


def _when(text: str) -> datetime.datetime | None:
    if re.fullmatch(r"\d{10}|\d{13}", text):  # a Unix time, in seconds or milliseconds
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC).astimezone(LOCAL)
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text) and 25569 <= float(text) < 73051:  # an Excel serial day, 1970-2099
        return EXCEL_EPOCH + datetime.timedelta(days=float(text))
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    # Vietnamese ways: "15/07/2021 lúc 08:30", "08h30, 15/07/2021", "15/07/2021 8g30".
    plain = re.sub(r"(?<=\d)\s*[hg]\s*(\d{2})\b", r":\1", text)
    plain = re.sub(r"\s*(?:\blúc\b|\bngày\b|,(?=\s*\d{1,2}[/.-]))\s*", " ", plain, flags=re.IGNORECASE).strip()
    for candidate in dict.fromkeys((text, plain)):
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(candidate, fmt)
            except ValueError:
                continue
    return None


def _derived_id(url: str, author: str, published: str, text: str) -> str:
    key = url or "\n".join((author, published, nfc(text)))
    return "sha1:" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


WEB_ADDRESS_RE = re.compile(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?")


def items(table: Table, mapping: dict) -> list[tuple[int, dict]]:
    """(line, item) for `ingest.store`, one per row that has anything in a mapped column."""
    errors = check_mapping(table.columns, mapping)
    if errors:
        raise ValueError(f"invalid mapping: {errors}")
    where = {name: table.columns.index(column) for name, column in mapping.items() if column}
    out = []
    for number, cells in table.rows:
        row = {name: cells[i].strip() if i < len(cells) else "" for name, i in where.items()}
        if not any(row.values()):
            continue
        text, title = row.get("text", ""), row.get("title", "")
        if title and fold(title) not in fold(text)[: len(title) + 10]:
            text = f"{title}\n{text}" if text else title
        url = row.get("url", "")
        if url and not url.lower().startswith(("http://", "https://")) and WEB_ADDRESS_RE.fullmatch(url):
            url = "https://" + url  # "facebook.com/..." as some tools write it
        author = nfc(row.get("author", ""))
        published = parse_when(row.get("published_at", ""))
        item = {
            "id": row.get("id", "") or _derived_id(url, author, published or "", text),
            "text": text,
            "url": url,
            "author": author,
            "published_at": published,
        }
        for name in COUNT_FIELDS:
            item[name] = parse_count(row.get(name, ""))
        out.append((number, item))
    return out
