"""Import of a cycle's sections from CSV or XLSX (what the Department retyped from Zalo, or a
district's spreadsheet). All or nothing, with a dry run; every row goes through the same checks
as the web form, and every problem names its line and column.

Columns: org_unit, section, one column per field code of that section (communes as codes
separated by spaces or semicolons), optional comment_<field> for values far from the unit's
history, optional submitted_at (dd/mm/yyyy HH:MM, the time the report reached the Department)
and optional nothing_to_report (1/có/x).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see
from documents import spreadsheet

from . import actions, schedule, validation
from .models import FormField, ReportCycle, Submission

MAX_BYTES = 2 * 2**20
MAX_ROWS = 5000
MAX_UNPACKED = 20 * 2**20
MAX_CELL = 10_000
TRUE_CELLS = {"1", "x", "có", "co", "yes", "true"}
DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


@dataclass
class Row:
    line: int
    submission: Submission
    values: dict
    comments: dict
    nothing: bool
    submitted_at: datetime.datetime


@dataclass
class ImportResult:
    dry_run: bool
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # "Line 3, column portal_items: ..."
    applied: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def columns_for(form) -> list[str]:
    cols = ["org_unit", "section"]
    for section in form.sections.prefetch_related("fields"):
        for f in section.fields.all():
            if f.code not in cols:
                cols.append(f.code)
    return [*cols, "submitted_at", "nothing_to_report"]


def template_csv(cycle: ReportCycle, submissions) -> bytes:
    """A CSV with the header and one row per expected section (unit and section filled in), to
    fill in a spreadsheet and import back. UTF-8 with a BOM, so Excel shows the diacritics."""
    columns = columns_for(cycle.form)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for unit_code, section_code in submissions.order_by("org_unit__path", "section__order").values_list(
        "org_unit__code", "section__code"
    ):
        writer.writerow([unit_code, section_code] + [""] * (len(columns) - 2))
    return ("\ufeff" + out.getvalue()).encode()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:MAX_CELL]


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's rows (documents.spreadsheet checks the zip before opening it, and
    ignores the dimension the file declares)."""
    table = []
    try:
        for i, (_number, cells) in enumerate(spreadsheet.first_sheet_rows(data, max_unpacked=MAX_UNPACKED)):
            if i > MAX_ROWS + 1:
                break
            table.append([_cell(c) for c in cells])
    except spreadsheet.TooManyRows:
        pass  # rows beyond Excel's last: there are more than MAX_ROWS anyway, and plan() says so
    except spreadsheet.WorkbookTooLarge:
        raise ValueError(
            _("The workbook unpacks to more than %(mb)d MB; save only the sheet to import.")
            % {"mb": MAX_UNPACKED // 2**20}
        ) from None
    except spreadsheet.UnreadableWorkbook:
        raise ValueError(_("The file is not a readable XLSX workbook.")) from None
    return table


def _read_table(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        table = _read_xlsx(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(
                _("The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8”.") % {"pos": e.start + 1}
            ) from None
        if "\x00" in text:
            raise ValueError(_("The file contains NUL characters; it is not a CSV file."))
        reader = csv.reader(io.StringIO(text))
        table = []
        try:
            for row in reader:
                table.append(row)
                if len(table) > MAX_ROWS + 1:
                    break
        except csv.Error as e:
            raise ValueError(
                _("Line %(line)d: the CSV cannot be read (%(error)s).") % {"line": reader.line_num, "error": e}
            ) from None
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        raise ValueError(_("The file is empty."))
    return [c.strip() for c in table[0]], table[1:]


def _when(cell: str, line: int, problems: list, cycle: ReportCycle) -> datetime.datetime | None:
    """When the report reached the Department: not in the future, not before the period began."""
    cell = cell.strip()
    if not cell:
        return timezone.now()
    for fmt in DATETIME_FORMATS:
        try:
            when = datetime.datetime.strptime(cell, fmt).replace(tzinfo=schedule.LOCAL)
        except ValueError:
            continue
        if when > timezone.now():
            problems.append(
                _("Line %(line)d, column submitted_at: %(value)s is in the future.") % {"line": line, "value": cell}
            )
            return None
        earliest = datetime.datetime.combine(cycle.period_start, datetime.time(0), tzinfo=schedule.LOCAL)
        if when < earliest:
            problems.append(
                _("Line %(line)d, column submitted_at: %(value)s is before the period of this cycle began.")
                % {"line": line, "value": cell}
            )
            return None
        return when
    problems.append(
        _("Line %(line)d, column submitted_at: write the time as dd/mm/yyyy HH:MM, not “%(value)s”.")
        % {"line": line, "value": cell[:40]}
    )
    return None


def plan(cycle: ReportCycle, data: bytes, filename: str) -> ImportResult:
    result = ImportResult(dry_run=True)
    if len(data) > MAX_BYTES:
        result.problems.append(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
        return result
    try:
        header, body = _read_table(data, filename)
    except ValueError as e:
        result.problems.append(str(e))
        return result
    if len(body) > MAX_ROWS:
        result.problems.append(_("At most %(limit)d rows in one file.") % {"limit": MAX_ROWS})
        return result
    for required in ("org_unit", "section"):
        if required not in header:
            result.problems.append(
                _("Line 1: the column “%(column)s” is missing. Expected columns: %(columns)s.")
                % {"column": required, "columns": ", ".join(columns_for(cycle.form))}
            )
    known = set(columns_for(cycle.form)) | {f"comment_{c}" for c in columns_for(cycle.form)}
    for col in header:
        if col and col not in known:
            result.problems.append(_("Line 1: unknown column “%(column)s”.") % {"column": col[:40]})
    if result.problems:
        return result
    subs = {
        (s.org_unit.code, s.section.code): s
        for s in cycle.submissions.select_related("org_unit", "section", "cycle").prefetch_related("section__fields")
    }
    seen = {}
    for offset, cells in enumerate(body):
        line = offset + 2
        problems_before = len(result.problems)
        cell = dict(zip(header, [c.strip() for c in cells] + [""] * (len(header) - len(cells)), strict=False))
        key = (cell.get("org_unit", ""), cell.get("section", ""))
        sub = subs.get(key)
        if sub is None:
            result.problems.append(
                _("Line %(line)d: %(unit)s / %(section)s is not expected in this cycle.")
                % {"line": line, "unit": key[0][:16] or "?", "section": key[1][:40] or "?"}
            )
            continue
        if key in seen:
            result.problems.append(
                _("Line %(line)d: the same section as line %(first)d.") % {"line": line, "first": seen[key]}
            )
            continue
        seen[key] = line
        fields = list(sub.section.fields.all())
        nothing = cell.get("nothing_to_report", "").lower() in TRUE_CELLS
        raw = {f.code: cell.get(f.code, "") for f in fields}
        if nothing:
            raw = {f.code: (0 if f.is_number else [] if f.kind == FormField.Kind.COMMUNES else "") for f in fields}
        checked = validation.clean_section(
            fields, raw, district=sub.org_unit, window_minutes=cycle.window_minutes, complete=not nothing
        )
        for code, message in checked.errors.items():
            result.problems.append(
                _("Line %(line)d, column %(column)s: %(message)s") % {"line": line, "column": code, "message": message}
            )
        comments = {}
        for f in fields:
            comment, error = validation.check_text(cell.get(f"comment_{f.code}", ""), _("comment"))
            if error:
                result.problems.append(
                    _("Line %(line)d, column %(column)s: %(message)s")
                    % {"line": line, "column": f"comment_{f.code}", "message": error}
                )
            elif comment:
                comments[f.code] = comment
        if checked.ok and not nothing:
            for code, message in validation.outliers(sub, fields, checked.values).items():
                if code not in comments:
                    result.problems.append(
                        _("Line %(line)d, column %(column)s: %(message)s (column comment_%(column)s)")
                        % {"line": line, "column": code, "message": message}
                    )
        when = _when(cell.get("submitted_at", ""), line, result.problems, cycle)
        if len(result.problems) == problems_before and when is not None:
            result.rows.append(Row(line, sub, checked.values, comments, nothing, when))
    if not result.rows and not result.problems:
        result.problems.append(_("The file has no rows."))
    return result


@transaction.atomic
def import_cycle(actor, cycle: ReportCycle, data: bytes, filename: str, *, dry_run: bool = True) -> ImportResult:
    if actor is not None and not (can(actor, "reporting.review") and can_see(actor, cycle)):
        raise PermissionDenied
    result = plan(cycle, data, filename)
    result.dry_run = dry_run
    if not result.ok or dry_run:
        return result
    for row in result.rows:
        actions.record_imported(
            actor,
            row.submission,
            row.values,
            row.comments,
            nothing=row.nothing,
            submitted_at=row.submitted_at,
            note=_("Imported from %(file)s, line %(line)d") % {"file": filename[:100], "line": row.line},
        )
        result.applied += 1
    audit.record(
        actor,
        "report.import",
        cycle,
        note=_("%(count)d sections from %(file)s") % {"count": result.applied, "file": filename[:100]},
    )
    return result
