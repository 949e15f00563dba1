"""Official documents in the layout of Decree 30/2020/NĐ-CP (Appendix I): the data of a document,
as plain Python values, and its rendering to DOCX (docxtpl) and PDF (WeasyPrint).

The caller gives every text except the decree's fixed phrases (national name, motto, "Nơi nhận:",
the date words, the archive line). Those are constants here, not gettext strings: an official
Vietnamese document keeps them in Vietnamese whatever the reader's UI language, and
language="en" selects the English wording used on translations of such documents.
"""

import base64
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCX_TEMPLATE = HERE / "docx" / "decree30.docx"
PDF_STYLESHEET = HERE / "static" / "documents" / "official.css"

# The page of Decree 30: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right, so the text is
# 165 mm wide. official.css says the same for the PDF.
TEXT_WIDTH_CM = 16.5
# The header reaches 5 mm into the left margin, as on most printed documents, so that a name such
# as "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" fits on one line beside the national name.
HEADER_COLUMNS_CM = (7.8, 9.2)
FOOTER_COLUMNS_CM = (8.0, 8.5)
CELL_MARGIN_CM = 0.1


ALIGNMENTS = ("left", "center", "right")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str | int | float | None]]
    total_row: list | None = None
    widths: list[float] | None = None  # relative; by default from the length of the texts
    # Per column "left", "center" or "right"; None (the default, or for one column): numbers right,
    # text left. For a column of texts that read as numbers ("+4", "–") or centred numbers (STT).
    align: list[str | None] | None = None
    small: bool = False  # 11 pt and tighter rows (12 pt by default): a table of figures in a short document


@dataclass
class Paragraph:
    text: str  # each line ("\n") is a paragraph of its own, indented as the decree wants
    bold: bool = False
    italic: bool = False


@dataclass
class Heading:
    text: str  # a numbered section heading such as "1. Số tin, bài tuyên truyền"


@dataclass
class Chart:
    title: str
    png: bytes  # for DOCX
    svg: str  # for PDF and screens
    width_cm: float | None = None  # as drawn (charts.line_chart(width_cm=...)); None: the text width


@dataclass
class ChartRow:
    """Charts side by side (their widths together within the text width), on one line."""

    charts: list[Chart]


Block = Table | Paragraph | Heading | Chart | ChartRow


@dataclass
class OfficialDocument:
    issuer_lines: list[str]  # ["UBND TỈNH KIÊN GIANG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]: the last is the issuing body
    number: str = ""  # "Số: 12/BC-STTTT", or "Số:      /BC-STTTT" before it is numbered
    place: str = ""  # "Kiên Giang"
    date: datetime.date | None = None  # None leaves the day blank, to be filled in when signed
    motto: bool = True
    kind: str = ""  # "BÁO CÁO"
    title: str = ""  # the excerpt under the kind; may contain "\n"
    subtitle: str = ""  # "(Thời gian: từ 30/7/2021 đến 05/8/2021)"
    excerpt: str = ""  # a letter's "V/v …" (trích yếu), under the number in the left column
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Ban Chỉ đạo tỉnh", ...; "Lưu: VT" is added if missing
    signer_authority: str = ""  # "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name: str = ""
    language: str = "vi"


@dataclass(frozen=True)
class Phrases:
    nation: str
    motto: str
    motto_cm: float  # width of the motto in Times New Roman bold 13 pt: the rule under it is as long
    recipients: str
    archive: str


PHRASES = {
    "vi": Phrases("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", 5.61, "Nơi nhận:", "Lưu: VT"),
    "en": Phrases(
        "SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness", 7.28, "Recipients:", "Archived: VT"
    ),
}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def phrases(language: str) -> Phrases:
    try:
        return PHRASES[language]
    except KeyError:
        raise ValueError(f"language must be one of {sorted(PHRASES)}, not {language!r}") from None


def decree_date(date: datetime.date, language: str = "vi") -> str:
    """ "ngày 05 tháng 8 năm 2021": Decree 30 writes a day below 10 and the months 1 and 2 with a
    leading zero ("ngày 05 tháng 02 năm 2021"), the other months without ("tháng 8")."""
    phrases(language)  # an unknown language is an error, not Vietnamese
    if language == "en":
        return f"{date.day} {MONTHS_EN[date.month - 1]} {date.year}"
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return f"ngày {date.day:02d} tháng {month} năm {date.year}"


def place_date(place: str, date: datetime.date | None, language: str = "vi") -> str:
    """The italic line under the motto: "Kiên Giang, ngày 05 tháng 8 năm 2021". Without a date the
    numbers are left blank for the hand that signs."""
    blank = "\u00a0" * 6
    if date is not None:
        when = decree_date(date, language)
    elif language == "en":
        when = blank * 3
    else:
        when = f"ngày{blank}tháng{blank}năm{blank}"
    return ", ".join(part for part in (clean(place), when) if part.strip())


# --- Values shared by the DOCX and PDF renderings ------------------------------------------------
# Characters that XML (so DOCX and the HTML parser) cannot carry; tab and newline are kept.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_VI_DIGITS = str.maketrans(",.", ".,")  # Vietnamese groups thousands with "." and writes "," for decimals


def clean(text) -> str:
    """NFC (so "ệ" is one character for fonts, search and pdftotext) without control characters."""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def cell(value, language: str = "vi") -> tuple[str, bool]:
    """The text of a table cell and whether it is a number (numbers are right-aligned)."""
    if value is None:
        return "", False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean(value), False
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return (text.translate(_VI_DIGITS) if language == "vi" else text), True


def table_cells(table: Table, language: str = "vi"):
    """(header, rows, total row) with every row as long as the header, cells as (text, is_number)."""
    width = len(table.columns)

    def row(values):
        values = list(values)[:width] + [None] * (width - len(values))
        return [cell(v, language) for v in values]

    total = row(table.total_row) if table.total_row else None
    return [clean(c) for c in table.columns], [row(r) for r in table.rows], total


def column_alignments(table: Table) -> list[str | None]:
    """The caller's alignment of each column ("left", "center", "right", or None: by the cell)."""
    align = table.align or [None] * len(table.columns)
    if len(align) != len(table.columns):
        raise ValueError(f"{len(align)} alignments for {len(table.columns)} columns")
    for a in align:
        if a is not None and a not in ALIGNMENTS:
            raise ValueError(f"alignment must be one of {ALIGNMENTS} or None, not {a!r}")
    return list(align)


def cell_alignment(column_align: str | None, is_number: bool) -> str:
    """ "left", "center" or "right": the column's, else numbers right and text left."""
    return column_align or ("right" if is_number else "left")


def column_fractions(table: Table) -> list[float]:
    """Column widths as fractions of the table: the caller's, or by the longest text of each column
    (a header wraps at its words, so its longest word counts)."""
    weights = table.widths
    if weights and len(weights) != len(table.columns):
        raise ValueError(f"{len(weights)} widths for {len(table.columns)} columns")
    if not weights:
        weights = []
        for i, name in enumerate(table.columns):
            texts = [str(r[i]) for r in [*table.rows, table.total_row or []] if i < len(r) and r[i] is not None]
            longest = max([len(w) for w in str(name).split()] + [min(len(t), 25) for t in texts] + [3])
            weights.append(longest)
    total = sum(weights)
    return [w / total for w in weights]


def recipient_lines(recipients: list[str], language: str = "vi") -> list[str]:
    """ "- Ban Chỉ đạo tỉnh;" ... "- Lưu: VT." as Decree 30 lists them."""
    items = [clean(r).strip().lstrip("-").strip().rstrip(";.").strip() for r in recipients]
    items = [item for item in items if item]
    if not items:
        return []
    archive = phrases(language).archive
    if not items[-1].startswith(archive.split(":")[0]):
        items.append(archive)
    return [f"- {item};" for item in items[:-1]] + [f"- {items[-1]}."]


# "(b/c)", "(đ/b)", "(t/h)": the notes after a recipient, never broken at their slash.
_SHORT_NOTE = re.compile(r"\((\w{1,3})/(\w{1,3})\)")
WORD_JOINER = "\u2060"


def keep_notes_together(line: str) -> str:
    return _SHORT_NOTE.sub(lambda m: f"({m[1]}/{WORD_JOINER}{m[2]})", line)


def split_issuer(issuer_lines: list[str]) -> tuple[list[str], str]:
    """(the lines of the superior bodies, upright; the issuing body, bold)."""
    lines = [clean(line).upper() for line in issuer_lines if line.strip()] or [""]
    return lines[:-1], lines[-1]


# --- Rendering -----------------------------------------------------------------------------------
def render_docx(doc: OfficialDocument) -> bytes:
    from documents.docx.render import render

    return render(doc)


def render_pdf(doc: OfficialDocument) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML, URLFetcher

    html = render_to_string("documents/official.html", html_context(doc))
    # Everything the document shows is in the HTML (charts as data: URIs): fetch nothing else.
    fetcher = URLFetcher(allowed_protocols={"data"})
    stylesheet = CSS(filename=PDF_STYLESHEET, url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def html_context(doc: OfficialDocument) -> dict:
    """The context of documents/official.html (the PDF, and a preview on screen)."""
    words = phrases(doc.language)
    issuer_upper, issuer_main = split_issuer(doc.issuer_lines)
    return {
        "language": doc.language,
        "issuer_upper": issuer_upper,
        "issuer_main": issuer_main,
        "motto": doc.motto,
        "nation": words.nation,
        "motto_line": words.motto,
        "number": clean(doc.number),
        "place_date": place_date(doc.place, doc.date, doc.language),
        "kind": clean(doc.kind).upper(),
        "title": clean(doc.title),
        "subtitle": clean(doc.subtitle),
        "excerpt": clean(doc.excerpt),
        "blocks": [_html_block(block, doc.language) for block in doc.blocks],
        "recipients_label": words.recipients,
        "recipients": [keep_notes_together(line) for line in recipient_lines(doc.recipients, doc.language)],
        "signer_authority": clean(doc.signer_authority).upper(),
        "signer_name": clean(doc.signer_name),
    }


def _html_block(block: Block, language: str) -> dict:
    match block:
        case Heading():
            return {"type": "heading", "text": clean(block.text)}
        case Paragraph():
            lines = [line for line in clean(block.text).split("\n") if line.strip()]
            return {"type": "paragraph", "lines": lines, "bold": block.bold, "italic": block.italic}
        case Table():
            columns, rows, total = table_cells(block, language)
            widths = [f"{f * 100:.2f}%" for f in column_fractions(block)]  # a string: not localised to "7,5"
            align = column_alignments(block)

            def classes(row):  # (text, CSS class): "number" right-aligns, as it always did
                return [
                    (text, {"right": "number", "center": "center", "left": ""}[cell_alignment(a, number)])
                    for (text, number), a in zip(row, align, strict=True)
                ]

            return {
                "type": "table",
                "small": block.small,
                "columns": list(zip(columns, widths, strict=True)),
                "rows": [classes(row) for row in rows],
                "total": classes(total) if total else None,
            }
        case Chart():
            return {"type": "chart", "charts": [_html_chart(block)]}
        case ChartRow():
            return {"type": "chart", "charts": [_html_chart(chart) for chart in block.charts]}
    raise TypeError(f"not a block of an official document: {block!r}")


def _html_chart(chart: Chart) -> dict:
    src = "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode()).decode()
    width = f"{chart.width_cm:.2f}cm" if chart.width_cm else ""  # a string: not localised to "8,1"
    return {"title": clean(chart.title), "src": src, "width": width}
