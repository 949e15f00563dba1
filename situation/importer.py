"""The day's figures from a CSV or XLSX file: all or nothing, with a dry run.

One row per district and day (the "wide" table the Health Department keeps in a spreadsheet):

    date        optional: dd/mm/yyyy or yyyy-mm-dd; empty or absent means the date chosen on the page
    district    the district's code, or its name with or without accents and type word ("Rạch Giá").
                The day's export has both `district_code` and `district` (the name): the code is
                used, the name is there for people.
    <indicator> one column per indicator, named by its code, column heading or name (accents optional)
    note        optional: the reason for a correction, or why a running total goes down

Several days may be in one file. Every day goes through `actions.save_figures` (the checks of the
entry page and the API), all of them in one transaction: one problem anywhere and nothing is kept.

Decisions:
- An empty cell is "not given": a file never clears a value (the entry page corrects one), so a
  template filled in for a few districts, or a file holding only some indicators, changes only
  what it holds. A row without a single figure or note says nothing and is skipped, as are rows
  of totals ("Tổng cộng"): totals are computed, never imported.
- The dry run is the import rolled back: a later day of the file is checked against the earlier
  days of the same file (a running total against the file's day before), exactly as applying
  would check it.
- Reading: the format comes from the content, not the name. Text files are decoded as the
  listening uploads decode them (UTF-8 with or without BOM, UTF-16, Windows-1258; comma,
  semicolon or tab); workbooks go through documents.spreadsheet.first_sheet_rows, which checks
  the zip before opening it.
- A district code that Excel turned into a number ("001" -> 1) is found again by its digits.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.models import OrgUnit
from documents import spreadsheet
from listening import uploads
from vntext import fold

from . import actions
from . import figures as fig
from .models import Figure, Indicator

MAX_BYTES = 2 * 2**20
MAX_ROWS = 10_000
MAX_DAYS = 62  # each day is checked against the days before it: two months keep a file to seconds
MAX_COLUMNS = 100
MAX_UNPACKED = 20 * 2**20  # what a workbook of at most 2 MB may unpack to
HEADER_SEARCH = 10  # rows in which to look for the header, under a sheet's own title lines
EARLIEST = fig.EARLIEST
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")

# Header names, as `_key` writes them (accents folded, punctuation and underscores as spaces).
DATE_COLUMNS = {"date", "ngay", "ngay bao cao", "ngay so lieu"}
CODE_COLUMNS = {"district code", "ma huyen", "ma don vi", "ma dvhc", "code", "org unit", "org unit code"}
NAME_COLUMNS = {"district", "district name", "huyen", "quan huyen", "ten huyen", "don vi", "ten don vi"}
NOTE_COLUMNS = {"note", "ghi chu", "ly do", "reason", "ghi chu ly do"}
IGNORED_COLUMNS = {"stt", "tt", "so tt", "no"}  # the row numbers Vietnamese sheets start with
TOTAL_ROWS = {"tong", "tong cong", "cong", "total", "toan tinh"}
ROLE_COLUMNS = {"date": DATE_COLUMNS, "code": CODE_COLUMNS, "name": NAME_COLUMNS, "note": NOTE_COLUMNS}


class FileRefused(Exception):
    """The whole file cannot be read; the message says why, for the person who uploaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Day:
    """What the file does to one day's figures."""

    date: datetime.date
    confirmed: bool
    new: list[fig.Change] = field(default_factory=list)
    changed: list[fig.Change] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class ImportResult:
    dry_run: bool
    days: list[Day] = field(default_factory=list)
    problems: list[fig.Problem] = field(default_factory=list)
    rows: int = 0  # rows read under the header
    skipped: int = 0  # rows without figures, and rows of totals

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return sum(len(d.new) for d in self.days)

    @property
    def changed(self) -> int:
        return sum(len(d.changed) for d in self.days)

    @property
    def unchanged(self) -> int:
        return sum(d.unchanged for d in self.days)

    @property
    def changes(self) -> list[tuple[datetime.date, fig.Change]]:
        """Every new or changed value, day by day, in the file's district order."""
        return [(d.date, c) for d in self.days for c in (*d.new, *d.changed)]


# --- Reading the file ----------------------------------------------------------------------------


def read_rows(data: bytes) -> list[tuple[int, list]]:
    """(line or sheet row, cells) of the file's non-blank rows. CSV cells are text; workbook
    cells keep their type (a number, a date). Raises FileRefused."""
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            _(
                "This is an Excel 97–2003 workbook (.xls) or a workbook with a password. Open it in Excel "
                "and save it as “Excel Workbook (.xlsx)” without a password, or as “CSV UTF-8”."
            )
        )
    elif data.startswith(b"%PDF"):
        raise FileRefused(_("This is a PDF document, not a table. Export the data as XLSX or CSV."))
    else:
        rows = _text_rows(data)
    if not rows:
        raise FileRefused(_("The file is empty."))
    return rows


def _too_many_rows() -> str:
    return _("At most %(n)d rows in one file: split it.") % {"n": MAX_ROWS}


def _text_rows(data: bytes) -> list[tuple[int, list]]:
    # listening.uploads reads exports of listening tools with the same care (encodings, delimiters,
    # quotes left open, hostile bytes), here with our own row limit.
    try:
        text, _encoding = uploads.decode_text(data)
        uploads.refuse_markup(text)
        raw = uploads.delimited_rows(text, max_rows=MAX_ROWS)
    except uploads.UploadError as e:
        raise FileRefused(e.message) from None
    rows = []
    for number, cells in raw:
        cells = _trimmed(cells, number)
        if cells:
            rows.append((number, cells))
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    rows = []
    try:
        for number, values in spreadsheet.first_sheet_rows(data, max_unpacked=MAX_UNPACKED):
            cells = _trimmed(values, number)
            if not cells:
                continue
            rows.append((number, [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in cells]))
            if len(rows) > MAX_ROWS + HEADER_SEARCH:  # enough to know the file is too long
                break
    except spreadsheet.NoSheet:
        raise FileRefused(_("The workbook has no sheet.")) from None
    except spreadsheet.UnreadableWorkbook:
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from None
    except spreadsheet.TooManyRows:
        raise FileRefused(_too_many_rows()) from None
    except spreadsheet.WorkbookTooLarge:
        raise FileRefused(
            _("The workbook unpacks to more than %(mb)d MB; save only the sheet to import.")
            % {"mb": MAX_UNPACKED // 2**20}
        ) from None
    return rows


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _trimmed(cells, number: int) -> list:
    """The row without its empty cells at the end; a row wider than MAX_COLUMNS is refused."""
    head = list(cells[: MAX_COLUMNS + 1])
    if len(head) > MAX_COLUMNS and not all(_blank(c) for c in cells[MAX_COLUMNS:]):
        raise FileRefused(
            _("Line %(line)d: more than %(n)d columns. Keep only the columns of the figures.")
            % {"line": number, "n": MAX_COLUMNS}
        )
    head = head[:MAX_COLUMNS]
    while head and _blank(head[-1]):
        head.pop()
    return head


def _text(cell) -> str:
    """A cell as text: a workbook's whole number without ".0", a date as dd/mm/yyyy."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime | datetime.date):
        return f"{cell:%d/%m/%Y}"
    return str(cell).strip()


def _key(name) -> str:
    """A header or a name as it is matched: 'Mới (cộng đồng)' -> 'moi cong dong'."""
    return re.sub(r"[\W_]+", " ", fold(_text(name))).strip()


# --- Understanding the rows ----------------------------------------------------------------------


def district_finder(root: OrgUnit):
    """A function from what a row or a request says ("899", "Rạch Giá", "thanh pho rach gia",
    899 as Excel keeps it) to (the district, None) or (None, message)."""
    units = fig.districts(root)
    lookup = fig.unit_lookup(units)
    # A name two districts share (a town and the district around it: "Thị xã X", "Huyện X") finds neither.
    shared = {k for k, n in Counter(k for u in units for k in fig.unit_lookup([u])).items() if n > 1}
    digits = {u.code.lstrip("0"): u for u in units if u.code.isdigit()}

    def find(raw) -> tuple[OrgUnit | None, str | None]:
        text = _text(raw)
        key = fold(text).strip()
        if not key:
            return None, _("the district is missing.")
        if key in shared:
            return None, _("more than one district has this name; use the code.")
        unit = lookup.get(key)
        if unit is None and key.isdigit():
            unit = digits.get(key.lstrip("0"))
        if unit is None:
            # "TP. Rạch Giá", "H. Tân Hiệp": the abbreviated type word.
            short = re.sub(r"^(tp|tx|h|q)\s*\.?\s+", "", key)
            unit = lookup.get(short) if short not in shared else None
        if unit is None:
            return None, _("no district of %(root)s has this code or name.") % {"root": root.name}
        return unit, None

    return find


@dataclass
class _Columns:
    line: int
    date: int | None = None
    code: int | None = None
    name: int | None = None
    note: int | None = None
    indicators: list[tuple[int, Indicator]] = field(default_factory=list)


def _indicator_keys(indicators: list[Indicator]) -> list[dict[str, list[Indicator]]]:
    """Header keys of the indicators, codes first, then column headings, then names."""
    tiers = []
    for attribute in ("code", "short_name", "name"):
        tier = defaultdict(list)
        for indicator in indicators:
            tier[_key(getattr(indicator, attribute))].append(indicator)
        tiers.append(tier)
    return tiers


def _header(rows, indicators: list[Indicator], problems: list) -> tuple[_Columns | None, int]:
    """Which column is which, and the index of the header row (the first of the first rows that
    names a district column; what comes before is the sheet's own title)."""
    at = next(
        (
            i
            for i, (_n, cells) in enumerate(rows[:HEADER_SEARCH])
            if any(_key(c) in CODE_COLUMNS | NAME_COLUMNS for c in cells)
        ),
        None,
    )
    if at is None:
        problems.append(
            fig.Problem(
                "",
                "",
                _(
                    "no “district” column: the first row must name the columns (date, district, the "
                    "indicators' codes, note). Download the template to see them."
                ),
                rows[0][0],
            )
        )
        return None, 0
    line, header = rows[at]
    tiers = _indicator_keys(indicators)
    columns = _Columns(line=line)
    used = {}  # what a column is -> its header, to refuse the same thing twice
    body_width = max((len(cells) for _n, cells in rows[at + 1 :]), default=0)
    for i in range(max(len(header), body_width)):
        name = _text(header[i]) if i < len(header) else ""
        key = _key(name)
        if not key:
            if any(i < len(cells) and not _blank(cells[i]) for _n, cells in rows[at + 1 :]):
                problems.append(
                    fig.Problem(
                        "", uploads.column_letter(i), _("this column has figures but no name in the header."), line
                    )
                )
            continue
        if key in IGNORED_COLUMNS:
            continue
        what = next((role for role, names in ROLE_COLUMNS.items() if key in names), None)
        if what is None:
            found = next((tier[key] for tier in tiers if key in tier), [])
            if len(found) > 1:
                problems.append(
                    fig.Problem("", name[:40], _("more than one indicator has this name; use the code."), line)
                )
                continue
            if not found:
                problems.append(
                    fig.Problem(
                        "",
                        name[:40],
                        _("unknown column. The columns are date, district, note and the indicators: %(codes)s.")
                        % {"codes": ", ".join(ind.code for ind in indicators)},
                        line,
                    )
                )
                continue
            what = found[0]
        if what in used:
            problems.append(
                fig.Problem(
                    "",
                    name[:40],
                    _("the same column as “%(other)s”.") % {"other": used[what][:40]},
                    line,
                )
            )
            continue
        used[what] = name
        if isinstance(what, Indicator):
            columns.indicators.append((i, what))
        else:
            setattr(columns, what, i)
    if not columns.indicators:
        problems.append(
            fig.Problem(
                "",
                "",
                _("no indicator column: name one column per indicator by its code (%(codes)s).")
                % {"codes": ", ".join(ind.code for ind in indicators)},
                line,
            )
        )
    return columns, at


@dataclass
class Parsed:
    by_date: dict[datetime.date, list[fig.Entry]] = field(default_factory=dict)
    problems: list[fig.Problem] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0


def parse_date(cell, default: datetime.date) -> tuple[datetime.date | None, str | None]:
    """The row's date: empty is the default; dd/mm/yyyy, yyyy-mm-dd, or a workbook's date cell."""
    if _blank(cell):
        return default, None
    if isinstance(cell, datetime.datetime):
        return cell.date(), None
    if isinstance(cell, datetime.date):
        return cell, None
    text = str(cell).strip()
    for suffix in (" 00:00:00", "T00:00:00", " 00:00"):  # a date a spreadsheet wrote as a time
        text = text.removesuffix(suffix)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, _("write the date as dd/mm/yyyy or yyyy-mm-dd, not “%(value)s”.") % {"value": text[:20]}


def parse(root: OrgUnit, rows: list[tuple[int, list]], default_date: datetime.date, *, today=None) -> Parsed:
    """The file's rows as `figures.Entry`s by day, and the problems of the header, the districts
    and the dates (the figures themselves are checked by `figures.check`)."""
    today = today or timezone.localdate()
    parsed = Parsed()
    columns, at = _header(rows, fig.indicators(), parsed.problems)
    if columns is None:
        return parsed
    body = rows[at + 1 :]
    parsed.rows = len(body)
    if not body:
        parsed.problems.append(fig.Problem("", "", _("The file has a header but no rows.")))
        return parsed
    if len(body) > MAX_ROWS:
        parsed.problems.append(fig.Problem("", "", _too_many_rows()))
        return parsed
    find = district_finder(root)

    def cell(cells, i):
        return cells[i] if i is not None and i < len(cells) else None

    for line, cells in body:
        values = {ind.code: cell(cells, i) for i, ind in columns.indicators if not _blank(cell(cells, i))}
        note = cell(cells, columns.note)
        note = "" if note is None else note if isinstance(note, str) else _text(note)
        said = _text(cell(cells, columns.code)) or _text(cell(cells, columns.name))
        total = _key(said) in TOTAL_ROWS or _key(cell(cells, columns.date)) in TOTAL_ROWS
        if total or (not values and not note.strip()):
            parsed.skipped += 1
            continue
        unit, error = find(said)
        if error:
            parsed.problems.append(fig.Problem(said[:40], _("District") if not said else "", error, line))
            continue
        date, error = parse_date(cell(cells, columns.date), default_date)
        if error is None and date > today:
            error = _("The date %(date)s is in the future.") % {"date": f"{date:%d/%m/%Y}"}
        if error is None and date < EARLIEST:
            error = _("%(date)s is too long ago for daily figures.") % {"date": f"{date:%d/%m/%Y}"}
        if error:
            parsed.problems.append(fig.Problem(unit.name, _("Date"), error, line))
            continue
        parsed.by_date.setdefault(date, []).append(fig.Entry(unit=unit, values=values, note=note, line=line))
    if not parsed.by_date and not parsed.problems:
        parsed.problems.append(fig.Problem("", "", _("The file has no figures: every row is empty.")))
    if len(parsed.by_date) > MAX_DAYS:
        parsed.problems.append(
            fig.Problem("", "", _("At most %(n)d days in one file: split it by month.") % {"n": MAX_DAYS})
        )
    return parsed


# --- Applying it ---------------------------------------------------------------------------------


def run(
    person, root: OrgUnit, data: bytes, default_date: datetime.date, *, filename: str = "", dry_run: bool = True
) -> ImportResult:
    """Read, check and (unless a dry run, and only without a single problem) save the file's
    figures, day after day in one transaction. The dry run saves and rolls back, so it finds what
    applying would find."""
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_rows(data)
    except FileRefused as e:
        result.problems.append(fig.Problem("", "", e.message))
        return result
    parsed = parse(root, rows, default_date)
    result.rows, result.skipped = parsed.rows, parsed.skipped
    problems = list(parsed.problems)
    with transaction.atomic():
        for date in sorted(parsed.by_date):
            plan = actions.save_figures(person, root, date, parsed.by_date[date], source=Figure.Source.IMPORT)
            problems.extend(plan.problems)
            result.days.append(
                Day(
                    date=date,
                    confirmed=bool(plan.day and plan.day.is_confirmed),
                    new=[c for c in plan.changes if c.old is None],
                    changed=plan.corrections,
                    unchanged=plan.unchanged,
                )
            )
        if problems or dry_run:
            transaction.set_rollback(True)
        elif result.new or result.changed:
            audit.record(
                person,
                "situation.import",
                root,
                after={
                    "file": filename[:100],
                    "dates": [d.date for d in result.days],
                    "new": result.new,
                    "changed": result.changed,
                    "unchanged": result.unchanged,
                },
                note=filename[:200],
            )
    result.problems = sorted(problems, key=lambda p: p.line or 0)
    return result


def template_csv(root: OrgUnit, date: datetime.date) -> bytes:
    """The file to fill in: the header and one row per district for the day, figures empty.
    UTF-8 with a BOM, so Excel shows the diacritics; the date as dd/mm/yyyy, which Excel keeps
    as the same day in a Vietnamese or an English setting."""
    codes = [i.code for i in fig.indicators()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "district_code", "district", *codes, "note"])
    for unit in fig.districts(root):
        writer.writerow([f"{date:%d/%m/%Y}", unit.code, unit.name, *([""] * len(codes)), ""])
    return ("\ufeff" + out.getvalue()).encode()
