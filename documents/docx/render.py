"""Fills decree30.docx (built by build_template.py) with an OfficialDocument through docxtpl.

The frame (header, title, recipients, signature) is in the template; the body is a docxtpl Subdoc
built here with python-docx. docxtpl turns "\\n" in a value into a line break and "\\a" into a new
paragraph with the same formatting, which is how several issuer lines or recipients become
several paragraphs. Values are XML-escaped (autoescape).
"""

import copy
import io

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate

from documents.official import (
    CELL_MARGIN_CM,
    DOCX_TEMPLATE,
    HEADER_COLUMNS_CM,
    TEXT_WIDTH_CM,
    Chart,
    ChartRow,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    cell_alignment,
    clean,
    column_alignments,
    column_fractions,
    phrases,
    place_date,
    recipient_lines,
    split_issuer,
    table_cells,
)

BODY_PT, TABLE_PT, SMALL_TABLE_PT = 14, 12, 11
CM_PER_PT = 2.54 / 72
# Average width of a character in Times New Roman bold, in ems, measured on typical texts: used to
# size the rules under lines whose text comes from the caller (Word cannot size a border to text).
EM_UPPER_BOLD, EM_MIXED_BOLD = 0.62, 0.44


def render(doc: OfficialDocument) -> bytes:
    template = DocxTemplate(DOCX_TEMPLATE)
    body = template.new_subdoc()
    for block in doc.blocks:
        _add_block(body, block, doc.language)
    template.render(_context(doc, body), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _context(doc: OfficialDocument, body) -> dict:
    words = phrases(doc.language)
    issuer_upper, issuer_main = split_issuer(doc.issuer_lines)
    title = clean(doc.title)
    longest_title_line = max(title.split("\n"), key=len)
    return {
        "issuer_upper": "\a".join(issuer_upper),
        "issuer_main": issuer_main,
        # Decree 30: the rule under the issuing body is 1/3 to 1/2 as long as the line.
        "issuer_rule_indent": _rule_indent(_cell_cm(0), 0.4 * _text_cm(issuer_main, 12, EM_UPPER_BOLD)),
        "motto": doc.motto,
        "nation": words.nation,
        "motto_line": words.motto,
        "motto_rule_indent": _rule_indent(_cell_cm(1), words.motto_cm),
        "number": clean(doc.number),
        "place_date": place_date(doc.place, doc.date, doc.language),
        "kind": clean(doc.kind).upper(),
        "title": title,
        "title_rule_indent": _rule_indent(
            TEXT_WIDTH_CM, min(max(_text_cm(longest_title_line, 14, EM_MIXED_BOLD) / 3, 2), 6)
        ),
        "subtitle": clean(doc.subtitle),
        "excerpt": clean(doc.excerpt),
        "body": body,
        "recipients_label": words.recipients,
        "recipients": "\a".join(recipient_lines(doc.recipients, doc.language)),
        "signer_authority": clean(doc.signer_authority).upper(),
        "signer_name": clean(doc.signer_name),
        "document_title": " ".join(clean(f"{doc.kind} {doc.title}").split()),
    }


def _text_cm(text: str, size_pt: float, em_per_char: float) -> float:
    return len(text) * em_per_char * size_pt * CM_PER_PT


def _cell_cm(column: int) -> float:
    """The width of the text in a column of the header table."""
    return HEADER_COLUMNS_CM[column] - 2 * CELL_MARGIN_CM


def _rule_indent(width_cm: float, rule_cm: float) -> int:
    """Left and right indent, in twentieths of a point, that centre a rule of rule_cm in a paragraph
    width_cm wide."""
    return round(max(width_cm - rule_cm, 0) / 2 / CM_PER_PT * 20)


def _add_block(body, block, language: str) -> None:
    match block:
        case Heading():
            p = _body_paragraph(body, clean(block.text), bold=True)
            p.paragraph_format.keep_with_next = True
        case Paragraph():
            for line in clean(block.text).split("\n"):
                if line.strip():
                    _body_paragraph(body, line, bold=block.bold, italic=block.italic)
        case Table():
            _add_table(body, block, language)
        case Chart():
            _add_charts(body, [block])
        case ChartRow():
            _add_charts(body, block.charts)
        case _:
            raise TypeError(f"not a block of an official document: {block!r}")


def _add_charts(body, charts: list[Chart]) -> None:
    """One centred paragraph with the pictures side by side, each as wide as it was drawn."""
    p = body.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(6)
    for chart in charts:
        inline = p.add_run().add_picture(io.BytesIO(chart.png), width=Cm(chart.width_cm or TEXT_WIDTH_CM - 0.5))._inline
        for side in ("distT", "distB", "distL", "distR"):  # as Word writes them; LibreOffice adds space without
            inline.set(side, "0")


def _body_paragraph(body, text: str, bold=False, italic=False):
    """Decree 30 body text: justified, first line indented 1.27 cm, at least 6 pt between paragraphs."""
    p = body.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = p.paragraph_format
    fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(6)
    fmt.line_spacing = 1.15
    run = p.add_run(text)
    run.font.size, run.bold, run.italic = Pt(BODY_PT), bold, italic
    return p


def _add_table(body, table: Table, language: str) -> None:
    # Word has no space before a table: the paragraph right above it gets 6 pt after (as in the PDF).
    blocks = [e for e in body.element.body.iterchildren() if e.tag != qn("w:sectPr")]
    if blocks and blocks[-1].tag == qn("w:p") and body.paragraphs:
        body.paragraphs[-1].paragraph_format.space_after = Pt(6)
    header, rows, total = table_cells(table, language)
    widths = [Cm(TEXT_WIDTH_CM * f) for f in column_fractions(table)]
    grid = body.add_table(rows=0, cols=len(header))
    grid.style = "Table Grid"  # the template is built from python-docx's default, which has it
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width

    columns = column_alignments(table)

    def aligned(row):
        return [(text, cell_alignment(a, is_number)) for (text, is_number), a in zip(row, columns, strict=True)]

    size = SMALL_TABLE_PT if table.small else TABLE_PT
    head = _add_row(grid, widths, [(text, "center") for text in header], size, bold=True)
    _row_property(head, "w:tblHeader")  # repeated at the top of every page
    # python-docx takes ~5 ms a row (it searches the schema order for every property it sets); a
    # national table has 700 rows. So each kind of row (how its cells are aligned) is built once,
    # and copied with its texts replaced.
    prototypes = {}
    for row in map(aligned, rows):
        kinds = tuple(align for _text, align in row)
        if kinds not in prototypes:
            built = _add_row(grid, widths, [("0", align) for align in kinds], size)._tr
            built.getparent().remove(built)
            prototypes[kinds] = built
        tr = copy.deepcopy(prototypes[kinds])
        for t, (text, _align) in zip(tr.iter(qn("w:t")), row, strict=True):
            t.text = text
        grid._tbl.append(tr)
    if total:
        _add_row(grid, widths, aligned(total), size, bold=True)
    # Space between the table and the next paragraph comes from that paragraph's space_before.


ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": None}


def _add_row(grid, widths, cells, size_pt=TABLE_PT, bold=False):
    """cells: (text, "left" | "center" | "right")."""
    row = grid.add_row()
    _row_property(row, "w:cantSplit")
    for cell, width, (text, align) in zip(row.cells, widths, cells, strict=True):
        cell.width = width
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        if ALIGN[align] is not None:
            p.alignment = ALIGN[align]
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(1 if size_pt < TABLE_PT else 2)
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size_pt), bold
    return row


def _row_property(row, tag: str) -> None:
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)
