"""Builds decree30.docx, the Word template of an official document in the layout of Decree
30/2020/NĐ-CP (Appendix I), with the Jinja tags that documents/docx/render.py fills through docxtpl.

A .docx cannot be reviewed in a diff, so this script is its source: change it, run
`python -m documents.docx.build_template`, look at a rendered document, commit both files.

Layout (Appendix I of the decree): A4, Times New Roman; a two-column header with the issuing body
on the left (superior body upright, issuing body bold, a short rule under it) and the national name
and motto on the right (a rule as long as the motto under it); then the number and symbol under
the issuer and the place and date in italics under the motto; the kind of document and its excerpt
centred in bold; the body; "Nơi nhận:" at the bottom left beside the signature block on the right.
"""

import datetime
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from documents.official import CELL_MARGIN_CM, DOCX_TEMPLATE, FOOTER_COLUMNS_CM, HEADER_COLUMNS_CM

CENTER, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
FONT = "Times New Roman"
# What may follow <w:pBdr> inside <w:pPr>: Word rejects a file whose elements are out of order.
# fmt: off
PBDR_SUCCESSORS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                   "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                   "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                   "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
# fmt: on


def build(path: Path = DOCX_TEMPLATE) -> None:
    document = docx.Document()
    _page(document)
    _styles(document)
    _properties(document)
    body = document._body
    body.clear_content()

    left, right = _frame_table(document, HEADER_COLUMNS_CM, indent_cm=-0.5)
    _tag(left, "{%p if issuer_upper %}", first=True)
    _para(left, "{{ issuer_upper }}", 12)
    _tag(left, "{%p endif %}")
    _para(left, "{{ issuer_main }}", 12, bold=True)
    _rule(left, "issuer_rule_indent")
    _tag(right, "{%p if motto %}", first=True)
    _para(right, "{{ nation }}", 12, bold=True)
    _para(right, "{{ motto_line }}", 13, bold=True)
    _rule(right, "motto_rule_indent")
    _tag(right, "{%p endif %}")
    _spacer(right)  # a cell must keep a paragraph when the motto is left out
    left, right = _frame_row(document.tables[-1])
    _para(left, "{{ number }}", 13, before=6, first=True)
    # A letter's excerpt ("V/v …") sits centred under its number (Decree 30, Appendix I).
    _tag(left, "{%p if excerpt %}")
    _para(left, "{{ excerpt }}", 12)
    _tag(left, "{%p endif %}")
    _para(right, "{{ place_date }}", 14, italic=True, before=6, first=True)

    _tag(document, "{%p if kind %}")
    _para(document, "{{ kind }}", 14, bold=True, before=24)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if title %}")
    _para(document, "{{ title }}", 14, bold=True)
    _rule(document, "title_rule_indent")
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if subtitle %}")
    _para(document, "{{ subtitle }}", 14, italic=True, before=3)
    _tag(document, "{%p endif %}")
    _para(document, "{{p body }}", 14, align=LEFT)
    _spacer(document)  # two tables in a row would merge into one

    _tag(document, "{%p if recipients or signer_authority or signer_name %}")
    left, right = _frame_table(document, FOOTER_COLUMNS_CM)
    _tag(left, "{%p if recipients %}", first=True)
    _para(left, "{{ recipients_label }}", 12, bold=True, italic=True, align=LEFT, before=12)
    _para(left, "{{ recipients }}", 11, align=LEFT)
    _tag(left, "{%p endif %}")
    _spacer(left)  # a cell must keep a paragraph when there are no recipients
    _para(right, "{{ signer_authority }}", 14, bold=True, before=12, first=True)
    # About 2.5 cm for the signature and the seal.
    _para(right, "{{ signer_name }}", 14, bold=True, before=80)
    _tag(document, "{%p endif %}")
    _spacer(document)  # Word wants the body to end with a paragraph

    _page_number(document)
    document.save(path)


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.rPr.rFonts
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0


def _properties(document) -> None:
    props = document.core_properties
    props.author = props.last_modified_by = props.comments = ""
    props.title = "{{ document_title }}"  # docxtpl renders the core properties too
    props.created = props.modified = datetime.datetime(2021, 1, 1)  # a rebuild changes no XML
    props.revision = 1


def _frame_table(document, columns_cm, indent_cm=0.0):
    """A borderless two-column table (its first row's cells are returned), cell margins known so
    render.py can centre the rules."""
    table = document.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(round(indent_cm / 2.54 * 1440)))
    indent.set(qn("w:type"), "dxa")
    tbl_pr.insert_element_before(indent, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(CELL_MARGIN_CM / 2.54 * 1440)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.insert_element_before(margins, "w:tblLook")
    for column, width in zip(table.columns, columns_cm, strict=True):
        column.width = Cm(width)
    return _frame_row(table)


def _frame_row(table):
    row = table.add_row()
    # The row never splits across pages: "Nơi nhận" and the signature stay level, together.
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell, column in zip(row.cells, table.columns, strict=True):
        cell.width = column.width
    return row.cells


def _para(container, text, size, bold=False, italic=False, align=CENTER, before=0, first=False):
    """A paragraph; `first` reuses the empty paragraph a new table cell starts with."""
    p = container.paragraphs[0] if first else container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(before)
    run = p.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return p


def _spacer(container):
    """An empty paragraph one point high."""
    fmt = container.add_paragraph().paragraph_format
    fmt.line_spacing, fmt.line_spacing_rule = Pt(1), WD_LINE_SPACING.EXACTLY


def _tag(container, text, first=False):
    """A paragraph holding only a docxtpl {%p ... %} tag: it disappears when rendered."""
    return _para(container, text, 6, first=first)


def _rule(container, indent_name):
    """An empty paragraph whose top border is the rule the decree draws under a bold line. Its
    left and right indents, filled in by render.py, set the rule's length and centre it."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(1)
    fmt.line_spacing, fmt.line_spacing_rule = Pt(2), WD_LINE_SPACING.EXACTLY
    fmt.left_indent = fmt.right_indent = Cm(0)
    p_pr = p._p.pPr
    tag = "{{ " + indent_name + " }}"
    p_pr.ind.set(qn("w:left"), tag)
    p_pr.ind.set(qn("w:right"), tag)
    border = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "0"), ("color", "000000")):
        top.set(qn(f"w:{name}"), value)  # sz in eighths of a point: 0.75 pt
    border.append(top)
    p_pr.insert_element_before(border, *PBDR_SUCCESSORS)


def _page_number(document) -> None:
    """Decree 30: page numbers centred in the top margin, none on the first page."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = p.add_run("2")
    run.font.size = Pt(13)
    field.append(run._r)
    p._p.append(field)


if __name__ == "__main__":
    build()
    print(f"wrote {DOCX_TEMPLATE}")
