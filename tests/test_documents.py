"""Official documents (Decree 30/2020/NĐ-CP layout) as DOCX, PDF and XLSX, read back the way a
person would see them: python-docx, pdftotext, LibreOffice's own rendering of the DOCX, openpyxl.
Page previews land in test-artifacts/documents/ to look at."""

import datetime
import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from docx import Document
from docx.oxml.ns import qn

from documents.charts import Series, bar_chart, line_chart
from documents.official import (
    Chart,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    decree_date,
    place_date,
    render_docx,
    render_pdf,
)
from documents.spreadsheet import render_xlsx

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "documents"
DISTRICTS = [
    "Rạch Giá",
    "Hà Tiên",
    "Phú Quốc",
    "Kiên Lương",
    "Giang Thành",
    "Hòn Đất",
    "Tân Hiệp",
    "Châu Thành",
    "Giồng Riềng",
    "Gò Quao",
    "An Biên",
    "An Minh",
    "U Minh Thượng",
    "Vĩnh Thuận",
    "Kiên Hải",
]
COLUMNS = ["STT", "Đơn vị", "Tin, bài trên trang thông tin điện tử", "Lượt phát thanh", "Tỷ lệ hộ được tiếp cận (%)"]
ROWS = [[i + 1, name, 10 + 3 * i, 1000 + 97 * i, 80 + i / 2] for i, name in enumerate(DISTRICTS)]
TOTAL = ["", "Tổng cộng", sum(r[2] for r in ROWS), sum(r[3] for r in ROWS), None]
HEADING_LINES = ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH KIÊN GIANG", "KẾT QUẢ TUYÊN TRUYỀN PHÒNG, CHỐNG DỊCH COVID-19"]
PLACE_DATE = "Kiên Giang, ngày 05 tháng 8 năm 2021"


def weekly_report() -> OfficialDocument:
    chart = bar_chart(
        "Số tin, bài tuyên truyền theo huyện, thành phố",
        DISTRICTS,
        [Series("Tin, bài", [r[2] for r in ROWS])],
        y_label="Tin, bài",
    )
    return OfficialDocument(
        issuer_lines=["UBND TỈNH KIÊN GIANG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"],
        number="Số: 125/BC-STTTT",
        place="Kiên Giang",
        date=datetime.date(2021, 8, 5),
        kind="Báo cáo",
        title="Kết quả công tác thông tin, tuyên truyền\nphòng, chống dịch Covid-19 trên địa bàn tỉnh",
        subtitle="(Thời gian: từ 30/7/2021 đến 05/8/2021)",
        blocks=[
            Paragraph(
                "Thực hiện Kế hoạch số 52/KH-STTTT ngày 19/7/2021 của Sở Thông tin và Truyền thông về "
                "tuyên truyền thực hiện Chỉ thị 16/CT-TTg, Sở Thông tin và Truyền thông báo cáo kết quả "
                "thực hiện trong tuần như sau:"
            ),
            Heading("1. Số tin, bài tuyên truyền"),
            Table(COLUMNS, ROWS, total_row=TOTAL, widths=[0.6, 2.2, 2.2, 1.4, 1.6]),
            Chart("Số tin, bài theo huyện", png=chart.png, svg=chart.svg),
            Heading("2. Thông tin sai sự thật"),
            Paragraph(
                "Trong tuần, Thanh tra Sở tiếp nhận 03 tin báo qua đường dây nóng 0927.681.168; đã phối hợp "
                "Công an tỉnh xác minh, xử lý theo quy định.\nĐề nghị các huyện, thành phố tiếp tục rà soát, "
                "phát hiện sớm thông tin sai sự thật trên không gian mạng."
            ),
        ],
        recipients=[
            "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh",
            "Giám đốc, các Phó Giám đốc Sở",
            "UBND các huyện, thành phố",
        ],
        signer_authority="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="Trần Thị Ngọc Hường",
    )


@pytest.fixture(scope="module")
def files():
    """Renders the report once for the module and keeps the files and page previews to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = weekly_report()
    paths = {"docx": ARTIFACTS / "report.docx", "pdf": ARTIFACTS / "report.pdf", "xlsx": ARTIFACTS / "report.xlsx"}
    paths["docx"].write_bytes(render_docx(doc))
    paths["pdf"].write_bytes(render_pdf(doc))
    paths["xlsx"].write_bytes(render_xlsx("Tuần 30-7 đến 05-8", HEADING_LINES, COLUMNS, ROWS, TOTAL))
    _previews(paths["pdf"], "report-pdf")
    return paths


def _pdftotext(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    return unicodedata.normalize("NFC", text)


def _previews(pdf: Path, prefix: str) -> None:
    subprocess.run(["pdftoppm", "-r", "60", "-png", pdf, ARTIFACTS / prefix], check=True)


def _assert_reads_as_the_report(text: str) -> None:
    for expected in [
        "UBND TỈNH KIÊN GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 125/BC-STTTT",
        PLACE_DATE,
        "BÁO CÁO",
        "(Thời gian: từ 30/7/2021 đến 05/8/2021)",
        "1. Số tin, bài tuyên truyền",
        "U Minh Thượng",
        "Giồng Riềng",
        "Tổng cộng",
        "Nơi nhận:",
        "- Lưu: VT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị Ngọc Hường",
    ]:
        assert expected in text, expected
    assert "2.067" in text  # 1000 + 97 * 11, grouped the Vietnamese way
    assert "85,5" in text


def test_pdf_reads_as_the_report(files):
    _assert_reads_as_the_report(_pdftotext(files["pdf"]))


def test_a_long_pdf_table_repeats_its_header_and_pages_after_the_first_are_numbered(tmp_path):
    doc = OfficialDocument(
        issuer_lines=["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"],
        kind="Báo cáo",
        blocks=[Table(["Xã, phường", "Số tin"], [[f"Xã {i}", i] for i in range(1, 81)])],
    )
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_pdf(doc))
    pages = [page.split() for page in _pdftotext(pdf).split("\f") if page.strip()]
    assert len(pages) >= 3
    assert all("phường" in words for words in pages)
    assert pages[0][0] == "SỞ" and pages[1][0] == "2" and pages[2][0] == "3"


def test_docx_has_the_frame_and_the_table(files):
    document = Document(files["docx"])
    header, table, footer = document.tables
    assert [p.text for p in header.cell(0, 0).paragraphs if p.text] == [
        "UBND TỈNH KIÊN GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    ]
    assert header.cell(0, 0).paragraphs[1].runs[0].bold
    assert [p.text for p in header.cell(0, 1).paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert header.cell(1, 0).text == "Số: 125/BC-STTTT"
    assert header.cell(1, 1).text == PLACE_DATE
    assert header.cell(1, 1).paragraphs[0].runs[0].italic

    assert len(table.rows) == 1 + 15 + 1
    assert [c.text for c in table.rows[0].cells] == COLUMNS
    assert [c.text for c in table.rows[3].cells] == ["3", "Phú Quốc", "16", "1.194", "81"]
    total = table.rows[-1]
    assert [c.text for c in total.cells] == ["", "Tổng cộng", "465", "25.185", ""]
    assert all(run.bold for c in total.cells for p in c.paragraphs for run in p.runs)
    assert table.rows[3].cells[3].paragraphs[0].alignment == 2  # numbers right-aligned
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page

    recipients = [p.text for p in footer.cell(0, 0).paragraphs if p.text]
    assert recipients == [
        "Nơi nhận:",
        "- Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh;",
        "- Giám đốc, các Phó Giám đốc Sở;",
        "- UBND các huyện, thành phố;",
        "- Lưu: VT.",
    ]
    signature = [p.text for p in footer.cell(0, 1).paragraphs if p.text]
    assert signature == ["KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "Trần Thị Ngọc Hường"]
    assert len(document.inline_shapes) == 1  # the chart
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)


def test_docx_as_libreoffice_shows_it_reads_as_the_report(files, tmp_path):
    if not shutil.which("libreoffice"):
        pytest.fail("LibreOffice is missing: run scripts/system-deps test")
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp_path,
            files["docx"],
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    _previews(pdf, "report-docx")
    _assert_reads_as_the_report(_pdftotext(pdf))


def test_xlsx_keeps_numbers_as_numbers(files):
    sheet = openpyxl.load_workbook(files["xlsx"]).active
    assert sheet.title == "Tuần 30-7 đến 05-8"
    assert [sheet.cell(1, 1).value, sheet.cell(2, 1).value] == HEADING_LINES
    header_row = len(HEADING_LINES) + 2
    assert [c.value for c in sheet[header_row]] == COLUMNS
    assert sheet.cell(header_row, 1).font.b
    first = header_row + 1
    assert [c.value for c in sheet[first]] == [1, "Rạch Giá", 10, 1000, 80.0]
    assert sheet.cell(first + 5, 5).value == 82.5
    total = sheet[first + 15]
    assert [c.value for c in total] == [None, "Tổng cộng", 465, 25185, None]
    assert all(c.font.b for c in total)
    assert sheet.freeze_panes == f"A{first}"


def test_xlsx_stores_formula_like_text_as_text():
    data = render_xlsx("Tin báo", [], ["Nội dung"], [['=HYPERLINK("http://x")'], ["+84 927 681 168"]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.cell(2, 1).value == '=HYPERLINK("http://x")'
    assert sheet.cell(2, 1).data_type == "s"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2021, 8, 5), "ngày 05 tháng 8 năm 2021"),
        (datetime.date(2021, 1, 5), "ngày 05 tháng 01 năm 2021"),
        (datetime.date(2021, 2, 28), "ngày 28 tháng 02 năm 2021"),
        (datetime.date(2021, 3, 29), "ngày 29 tháng 3 năm 2021"),
        (datetime.date(2021, 12, 10), "ngày 10 tháng 12 năm 2021"),
    ],
)
def test_decree_30_writes_days_below_10_and_months_1_2_with_a_zero(date, expected):
    assert decree_date(date) == expected


def test_place_and_date_in_english_and_undated():
    assert place_date("Kiên Giang", datetime.date(2021, 8, 5), "en") == "Kiên Giang, 5 August 2021"
    assert place_date("Kiên Giang", None).replace("\u00a0", " ").split() == ["Kiên", "Giang,", "ngày", "tháng", "năm"]
    with pytest.raises(ValueError, match="language"):
        decree_date(datetime.date(2021, 8, 5), "fr")


def test_an_english_document_uses_the_english_fixed_phrases():
    doc = weekly_report()
    doc.language, doc.date, doc.blocks = "en", datetime.date(2021, 8, 5), [Paragraph("Summary.")]
    pdf = ARTIFACTS / "report-en.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(render_pdf(doc))
    text = _pdftotext(pdf)
    for expected in [
        "SOCIALIST REPUBLIC OF VIET NAM",
        "Independence - Freedom - Happiness",
        "Kiên Giang, 5 August 2021",
        "Recipients:",
    ]:
        assert expected in text
    docx_text = "\n".join(
        p.text for t in Document(io.BytesIO(render_docx(doc))).tables for c in t._cells for p in c.paragraphs
    )
    assert "Independence - Freedom - Happiness" in docx_text


def test_texts_are_escaped_not_markup(tmp_path):
    doc = OfficialDocument(
        issuer_lines=["SỞ <b>TT&TT</b>"],
        title="A & B <script>",
        blocks=[Paragraph("x < y & \x07 z"), Table(["<th>"], [["&amp;"]])],
    )
    docx_text = Document(io.BytesIO(render_docx(doc)))
    assert "x < y &  z" in [p.text for p in docx_text.paragraphs]
    pdf = tmp_path / "escaped.pdf"
    pdf.write_bytes(render_pdf(doc))
    text = _pdftotext(pdf)
    assert "SỞ <B>TT&TT</B>" in text and "A & B <script>" in text and "&amp;" in text


def test_charts_are_safe_deterministic_svg_and_png():
    series = [Series("Tuần này", [12, None, 30]), Series("Tuần trước", [10, 6, 25])]
    first = line_chart("Tỷ lệ $100 đạt", ["Rạch Giá", "Hà Tiên", "Phú Quốc"], series, percent=True)
    again = line_chart("Tỷ lệ $100 đạt", ["Rạch Giá", "Hà Tiên", "Phú Quốc"], series, percent=True)
    assert first.svg == again.svg
    assert first.svg.lstrip().startswith("<?xml") and "<svg" in first.svg
    assert "<script" not in first.svg and 'href="http' not in first.svg
    assert first.png.startswith(b"\x89PNG")
    assert first.data_uri().startswith("data:image/svg+xml;base64,")
    bars = bar_chart("Số tin", ["A", "B", "C"], series)
    assert bars.svg != first.svg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "chart-line.png").write_bytes(first.png)
    (ARTIFACTS / "chart-bar.svg").write_text(bars.svg)
