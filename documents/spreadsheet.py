"""A table as an Excel workbook (openpyxl): heading lines merged across the top, a bold header row
that stays in view and repeats on printed pages, numbers stored as numbers so they add up, a bold
total row."""

import io
import re

from documents.official import clean

MAX_WIDTH = 50
# Excel forbids these in a sheet's name, and allows at most 31 characters.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(
    sheet_title: str, heading_lines: list[str], columns: list[str], rows: list[list], total_row: list | None = None
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _SHEET_NAME_FORBIDDEN.sub("-", clean(sheet_title))[:31] or "Sheet1"
    width = max(len(columns), 1)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    for row, line in enumerate(heading_lines, start=1):
        sheet.cell(row, 1, clean(line)).font = Font(bold=True, size=12 if row == 1 else 11)
        sheet.cell(row, 1).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=row, end_row=row, start_column=1, end_column=width)

    header_row = len(heading_lines) + 2 if heading_lines else 1  # a blank row under the heading
    for col, name in enumerate(columns, start=1):
        c = sheet.cell(header_row, col, clean(name))
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border

    body = [list(r) for r in rows] + ([list(total_row)] if total_row else [])
    for offset, values in enumerate(body, start=1):
        is_total = total_row is not None and offset == len(body)
        for col in range(1, width + 1):
            value = values[col - 1] if col <= len(values) else None
            c = sheet.cell(header_row + offset, col)
            _set(c, value)
            c.border = border
            if is_total:
                c.font = Font(bold=True)

    for col in range(1, width + 1):
        texts = [str(columns[col - 1])] + [str(r[col - 1]) for r in body if col <= len(r) and r[col - 1] is not None]
        # A header wraps (on about three lines at most); numbers get room for their separators.
        header = max([len(w) for w in texts[0].split()] + [len(texts[0]) // 3])
        longest = max([header, 6] + [len(t) + 2 for t in texts[1:]])
        sheet.column_dimensions[get_column_letter(col)].width = min(longest + 2, MAX_WIDTH)

    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set(c, value) -> None:
    if value is None or value == "":
        c.value = None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        c.value = value
        c.number_format = "#,##0" if isinstance(value, int) else "#,##0.0#"
    else:
        c.value = clean(value)
        # openpyxl takes a text that starts with "=" for a formula: a district's note must stay
        # text, never run as a formula in the reader's Excel.
        c.data_type = "s"


# --- Reading an uploaded workbook -------------------------------------------------------------

EXCEL_LAST_ROW = 1_048_576  # a crafted row number beyond it would make openpyxl pad rows forever


class UnreadableWorkbook(Exception):
    """Not a workbook openpyxl can read (damaged, encrypted, an old .xls, not a zip)."""


class WorkbookTooLarge(Exception):
    """It unpacks to too much: a small upload can hold gigabytes of XML."""


class NoSheet(UnreadableWorkbook):
    pass


class TooManyRows(WorkbookTooLarge):
    """A row numbered beyond Excel's last one."""


def first_sheet_rows(data: bytes, *, max_unpacked: int, max_ratio: int = 100):
    """(row number, cell values) of the first sheet of an uploaded XLSX, read-only, cached values
    (a formula is its last computed value). The zip is checked before it is opened: its size
    unpacked, the compression ratio of any large part, the number of parts. The dimension the
    file declares ("A1:XFD1048576") is ignored, so a row is as wide as its last cell. Raises
    UnreadableWorkbook or WorkbookTooLarge; the caller stops whenever it has enough rows."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # BadZipFile, NotImplementedError for an odd version, struct errors...
        raise UnreadableWorkbook from None
    unpacked = sum(m.file_size for m in members)
    crafted = any(m.file_size > 2**20 and m.file_size > max_ratio * max(m.compress_size, 1) for m in members)
    if unpacked > max_unpacked or crafted or len(members) > 10_000:
        raise WorkbookTooLarge
    from openpyxl import load_workbook  # only when a workbook is uploaded: a slow import

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UnreadableWorkbook from None
    try:
        if not book.worksheets:
            raise NoSheet
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if number > EXCEL_LAST_ROW:
                raise TooManyRows
            yield number, values
    except (UnreadableWorkbook, WorkbookTooLarge, GeneratorExit):
        raise
    except Exception:  # a damaged or crafted workbook fails in many ways inside openpyxl and lxml
        raise UnreadableWorkbook from None
    finally:
        book.close()
