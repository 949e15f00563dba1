"""The daily bulletin as an official document, read back the way a person would see it: the PDF
through pdftotext, the DOCX through python-docx. The demo has issued bulletins for the five days
before today and today's draft, with today's figures missing for Kiên Hải and Giang Thành.
Page previews land in test-artifacts/situation/ to look at."""

import datetime
import io
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from docx import Document

from core.models import Person
from core.roles import Role
from documents import official
from situation import compose, documents
from situation import figures as fig
from situation.models import Bulletin

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "situation"
MISSING_TODAY = ["Huyện Kiên Hải", "Huyện Giang Thành"]
NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*$")  # "2.161": thousands grouped the Vietnamese way


def _text(pdf: bytes, tmp: Path, name: str) -> str:
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    return unicodedata.normalize("NFC", text)


def _flat(text: str) -> str:
    """The text with its line breaks and layout spaces as single spaces: sentences that wrap."""
    return " ".join(text.split())


def _number(text: str) -> int:
    return int(text.replace(".", ""))


@pytest.fixture(scope="module")
def issued(django_db_setup, django_db_blocker, tmp_path_factory):
    """The last issued bulletin of the demo, rendered once for the module's tests."""
    tmp = tmp_path_factory.mktemp("bulletin")
    with django_db_blocker.unblock():
        bulletin = Bulletin.objects.filter(state=Bulletin.State.ISSUED).select_related("approved_by").latest("date")
        pdf, docx = documents.render_pdf(bulletin), documents.render_docx(bulletin)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bulletin.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", ARTIFACTS / "bulletin.pdf", ARTIFACTS / "bulletin"], check=True)
    return {"bulletin": bulletin, "pdf": pdf, "docx": docx, "text": _text(pdf, tmp, "bulletin")}


def _draft_today() -> Bulletin:
    return Bulletin.objects.get(state=Bulletin.State.DRAFT)


# --- The issued bulletin -------------------------------------------------------------------------
def test_the_pdf_reads_as_the_bulletin_with_its_diacritics(issued):
    bulletin, text = issued["bulletin"], issued["text"]
    flat = _flat(text)
    assert re.fullmatch(r"Số: \d+/BT-STTTT", bulletin.number_text)
    for expected in [
        "UBND TỈNH KIÊN GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        bulletin.number_text,
        official.place_date("Kiên Giang", bulletin.date),
        "BẢN TIN NHANH",
        "Tình hình dịch bệnh Covid-19 trên địa bàn tỉnh Kiên Giang",
        f"(Số liệu ngày {bulletin.date:%d/%m/%Y})",
        "1. Tình hình dịch bệnh trong ngày",
        "2. Số liệu theo huyện, thành phố",
        "Thông tin sai sự thật đã được xác minh",
        "Thông điệp trong ngày",
        "Đường dây nóng",
        "0927.681.168",
        "Nơi nhận:",
        "BCĐ phòng, chống dịch Covid-19 tỉnh (b/c);",  # the note is not broken at its slash
        "Lưu: VT, TTBCBC.",
        "GIÁM ĐỐC",
        "Lâm Văn Sễn",
        "Toàn tỉnh",
        "Ca mắc mới trong cộng đồng",
        "So với hôm trước",
    ]:
        assert expected in flat, expected
    for row in bulletin.facts["rows"]:
        assert row["name"] in text, row["name"]
    assert "Thành phố Rạch Giá" in text and "Huyện U Minh Thượng" in text and "Huyện Vĩnh Thuận" in text
    # The summary as the focal point left it, line by line.
    for line in bulletin.summary.splitlines():
        assert _flat(line) in flat


def test_the_pdf_district_table_adds_up(issued):
    """Each district's row is in the PDF with its figures, and the total row is their sum."""
    facts, text = issued["bulletin"].facts, issued["text"]
    headline = [i for i in facts["indicators"] if i["headline"]]
    lines = text.splitlines()
    sums = [0] * len(headline)
    for k, row in enumerate(facts["rows"], 1):
        line = next(li for li in lines if re.match(rf"\s*{k}\s+{re.escape(row['name'])}\s", li))
        cells = line.split(row["name"], 1)[1].split()
        assert all(NUMBER.match(c) for c in cells), line
        values = [_number(c) for c in cells]
        assert values == [row["values"][i["code"]] for i in headline]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
    total = next(li for li in lines if re.match(r"\s*Toàn tỉnh\s+\d", li))
    assert [_number(c) for c in total.split("Toàn tỉnh", 1)[1].split()] == sums
    assert sums == [i["today"] for i in headline]  # the same as the province's figures above


def test_the_signature_is_never_alone_on_the_last_page(issued):
    pages = [page for page in issued["text"].split("\f") if page.strip()]
    last = pages[-1]
    before_footer = last.split("Nơi nhận:", 1)[0].split()
    assert "Nơi nhận:" in last and len(before_footer) > 3  # more than the page number: some text goes over with it


def test_the_docx_has_the_frame_two_tables_and_the_charts(issued):
    bulletin = issued["bulletin"]
    facts = bulletin.facts
    document = Document(io.BytesIO(issued["docx"]))
    header, headline, districts, footer = document.tables
    assert header.cell(1, 0).text == bulletin.number_text
    texts = [p.text for p in document.paragraphs]
    assert "BẢN TIN NHANH" in texts and "Tình hình dịch bệnh Covid-19 trên địa bàn tỉnh Kiên Giang" in texts

    inds = [i for i in facts["indicators"] if i["headline"]]
    yesterday = bulletin.date - datetime.timedelta(days=1)
    assert [c.text for c in headline.rows[0].cells] == [
        "Chỉ số",
        f"Ngày {bulletin.date:%d/%m}",
        f"Ngày {yesterday:%d/%m}",
        "So với hôm trước",
    ]
    assert len(headline.rows) == 1 + len(inds)
    first = inds[0]
    cells = headline.rows[1].cells
    assert [c.text for c in cells] == [
        first["name"],
        compose.n(first["today"]),
        compose.n(first["yesterday"]),
        compose.signed(first["change"]),
    ]
    assert all(c.paragraphs[0].alignment == 2 for c in cells[1:])  # the change reads as a number: right

    assert [c.text for c in districts.rows[0].cells] == ["STT", "Huyện, thành phố"] + [i["short_name"] for i in inds]
    assert len(districts.rows) == 1 + len(facts["rows"]) + 1
    assert districts.rows[1].cells[0].paragraphs[0].alignment == 1  # STT centred
    columns = list(zip(*[[_number(c.text) for c in r.cells[2:]] for r in districts.rows[1:-1]], strict=True))
    total = districts.rows[-1]
    assert total.cells[1].text == "Toàn tỉnh"
    assert [_number(c.text) for c in total.cells[2:]] == [sum(column) for column in columns]

    assert [p.text for p in footer.cell(0, 1).paragraphs if p.text] == ["GIÁM ĐỐC", "Lâm Văn Sễn"]
    assert "- BCĐ phòng, chống dịch Covid-19 tỉnh (b/c);" in [p.text for p in footer.cell(0, 0).paragraphs]
    assert len(document.inline_shapes) == 2  # the trend and where the cases are, side by side


def test_the_charts_are_one_drawing_svg_in_the_pdf_png_in_the_docx(issued):
    bulletin = issued["bulletin"]
    block = next(b for b in documents.document(bulletin).blocks if isinstance(b, official.ChartRow))
    trend, where = block.charts
    assert trend.title == "Ca mắc mới 14 ngày qua" and where.title.startswith("Ca mắc mới")
    for chart in (trend, where):
        assert "<svg" in chart.svg and "<script" not in chart.svg.lower()
        assert 'href="http' not in chart.svg and "onload" not in chart.svg.lower()
        assert chart.png.startswith(b"\x89PNG")
    pictures = [
        rel.target_part.blob
        for rel in Document(io.BytesIO(issued["docx"])).part.rels.values()
        if rel.reltype.endswith("/image")
    ]
    assert sorted(pictures) == sorted([trend.png, where.png])
    html = official.html_context(documents.document(bulletin))
    sources = [c["src"] for b in html["blocks"] if b["type"] == "chart" for c in b["charts"]]
    assert len(sources) == 2 and all(s.startswith("data:image/svg+xml;base64,") for s in sources)


# --- Other days ----------------------------------------------------------------------------------
def test_missing_districts_are_named_and_their_carried_totals_marked(tmp_path):
    draft = _draft_today()
    assert draft.facts["missing"] == MISSING_TODAY
    text = _text(documents.render_pdf(draft), tmp_path, "draft")
    flat = _flat(text)
    assert "Chưa có số liệu của: Huyện Kiên Hải, Huyện Giang Thành." in flat
    carried = [i["short_name"] for i in draft.facts["indicators"] if i["headline"] and i["carried"]]
    assert carried and all(i["kind"] != "daily" for i in draft.facts["indicators"] if i["carried"])
    assert f"(*) {', '.join(carried)}: tính cả số liệu gần nhất" in flat and "Toàn tỉnh (*)" in flat
    for name in MISSING_TODAY:
        row = next(li for li in text.splitlines() if re.match(rf"\s*\d+\s+{name}\s", li))
        assert row.split(name, 1)[1].split() == ["–"] * 6
    assert "Số:" in text and "/BT-STTTT" in text  # not numbered yet

    # Each day's count adds up over the districts that gave it.
    facts = draft.facts
    table = Document(io.BytesIO(documents.render_docx(draft))).tables[2]
    inds = [i for i in facts["indicators"] if i["headline"]]
    for column, ind in enumerate(inds, 2):
        if ind["kind"] == "daily":
            values = [r.cells[column].text for r in table.rows[1:-1]]
            assert _number(table.rows[-1].cells[column].text) == sum(_number(v) for v in values if v != "–")


def test_a_day_without_figures_still_renders(tmp_path):
    root = fig.root_unit()
    date = datetime.date.today() - datetime.timedelta(days=120)
    facts = compose.facts(root, date)
    bulletin = Bulletin(org_unit=root, date=date, facts=facts, summary=compose.summary_text(facts), messages="")
    text = _flat(_text(documents.render_pdf(bulletin), tmp_path, "empty"))
    assert f"Chưa có số liệu ngày {date:%d/%m/%Y} của các huyện, thành phố." in text
    assert "BẢN TIN NHANH" in text and "Nơi nhận:" in text
    document = Document(io.BytesIO(documents.render_docx(bulletin)))
    assert len(document.tables) == 2  # the header and the footer: no table of zeros
    assert len(document.inline_shapes) == 0  # nothing to draw
    # A bulletin whose facts were never composed renders too.
    empty = Bulletin(org_unit=root, date=date, facts={}, summary="", messages="")
    assert "Chưa có số liệu" in _flat(_text(documents.render_pdf(empty), tmp_path, "nothing"))
    assert Document(io.BytesIO(documents.render_docx(empty))).tables


def test_hostile_text_is_shown_as_text(tmp_path):
    draft = _draft_today()
    draft.summary = "Trước\x00sau <script>alert(1)</script> & <b>đậm</b> {{ secret }} {% if x %}"
    draft.messages = "- <img src=x onerror=alert(1)>\n\x07Rửa tay"
    draft.facts = {
        **draft.facts,
        "verdicts": [{"statement": "Uống <i>nước</i> & chanh", "verdict": "Sai sự thật", "explanation": "</p>"}],
    }
    text = _flat(_text(documents.render_pdf(draft), tmp_path, "hostile"))
    assert "Trướcsau <script>alert(1)</script> & <b>đậm</b> {{ secret }} {% if x %}" in text
    assert "- <img src=x onerror=alert(1)>" in text and "- Rửa tay" in text
    assert "“Uống <i>nước</i> & chanh”: Sai sự thật. </p>" in text
    docx = documents.render_docx(draft)
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert "Trướcsau <script>alert(1)</script> & <b>đậm</b> {{ secret }} {% if x %}" in paragraphs
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        xml = package.read("word/document.xml").decode()
    assert "\x00" not in xml and "<script>" not in xml and "&lt;script&gt;alert(1)" in xml


def test_a_deputy_director_signs_for_the_director():
    bulletin = Bulletin.objects.filter(state=Bulletin.State.ISSUED).latest("date")
    deputy = Person.objects.filter(role=Role.LEADER).first()
    deputy.position = "Phó Giám đốc Sở"
    bulletin.approved_by = deputy
    doc = documents.document(bulletin)
    assert doc.signer_authority == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and doc.signer_name == deputy.full_name
