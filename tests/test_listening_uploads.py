"""Exports of listening tools (issue 5, items 1 and 10): real CSV and XLSX files made here, in the
encodings Vietnamese offices produce, the headers the tools write, and hostile files."""

import csv
import datetime
import io
import random
import unicodedata
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from listening import ingest, uploads
from listening.models import Post, Source
from listening.uploads import (
    Table,
    UploadError,
    check_mapping,
    guess_mapping,
    items,
    parse_count,
    parse_when,
    read_table,
)

HEADER = ["Mã bài", "Nội dung", "Đường dẫn", "Tác giả", "Ngày đăng", "Lượt thích", "Bình luận", "Chia sẻ"]
ROWS = [
    ["P1", "Uống rượu tỏi diệt được virus", "https://facebook.com/p/1", "Nguyễn Văn An", "15/07/2021 08:30",
     "1.234", "56", "7"],
    ["P2", "Kiên Giang phong tỏa toàn tỉnh từ tối nay", "https://facebook.com/p/2", "Trần Thị Bình",
     "16/07/2021", "2,5K", "0", "120"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):  # the messages are matched in English, their msgids
        yield


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: a base letter of the code page (â, ê, ơ, ư...) followed
    by a separate tone mark, Python's codec encoding only the marks, not the composed letters."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in parts if m in TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in TONE_MARKS))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return out


def delimited(rows, delimiter=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def xlsx(rows, *, more_sheets=(), build=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if build:
        build(sheet)
    for title, other in more_sheets:
        extra = book.create_sheet(title)
        for row in other:
            extra.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Reading: encodings and formats ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, encoding",
    [
        (("\ufeff" + delimited([HEADER, *ROWS])).encode("utf-8"), "utf-8"),  # Excel "CSV UTF-8"
        (delimited([HEADER, *ROWS], ";").encode("utf-8"), "utf-8"),  # semicolons, no BOM
        (delimited([HEADER, *ROWS], "\t").encode("utf-16"), "utf-16"),  # Excel "Unicode text": LE with BOM
        (b"\xfe\xff" + delimited([HEADER, *ROWS], "\t").encode("utf-16-be"), "utf-16"),
        (cp1258(delimited([HEADER, *ROWS])), "cp1258"),  # Excel "CSV" on a Vietnamese Windows
        (delimited([HEADER, *ROWS]).encode("utf-8").replace(b"\xe1\xbb\x85", nfd("ễ").encode()), "utf-8"),
    ],
    ids=["utf8-bom", "utf8-semicolon", "utf16le-tab", "utf16be-tab", "windows-1258", "utf8-decomposed"],
)
def test_it_reads_the_encodings_offices_produce(data, encoding):
    table = read_table(data, "export.csv")
    assert (table.format, table.encoding) == ("csv", encoding)
    assert table.columns == HEADER
    assert [n for n, _cells in table.rows] == [2, 3]
    first = table.rows[0][1]
    assert first[1] == "Uống rượu tỏi diệt được virus" and "rượu tỏi" in first[1]
    assert first[3] == "Nguyễn Văn An" and "Nguyễn" in first[3]
    assert table.rows[1][1][1].startswith("Kiên Giang")
    for _n, cells in table.rows:
        assert all(unicodedata.is_normalized("NFC", c) for c in cells)


def test_windows_1258_really_is_base_letter_and_tone_mark():
    assert cp1258("Nguyễn") == b"Nguy\xea\xden"  # ê, then the combining tilde
    assert read_table(cp1258("Tên,Nơi\nNguyễn,Kiên Giang\n")).rows == [(2, ["Nguyễn", "Kiên Giang"])]


def test_it_reads_the_first_sheet_of_a_workbook_as_text():
    def build(sheet):
        sheet["F4"] = "=SUM(F2:F3)"  # a formula without a cached value (openpyxl computes nothing)
        sheet["A6"] = "P9"
        sheet["B6"] = "Sau dòng trống"

    data = xlsx(
        [
            ["ID", "Content", "Date", "Likes", "Ratio", "Seen"],
            ["P1", "Nguyễn Văn An nói", datetime.datetime(2021, 7, 15, 8, 30), 12.0, 0.25, True],
            [42, nfd("rượu tỏi"), datetime.date(2021, 7, 16), 1234, None, False],
        ],
        more_sheets=[("Khác", [["ignored"], ["x"]])],
        build=build,
    )
    table = read_table(data, "export.csv")  # the name does not matter
    assert table.format == "xlsx"
    assert table.columns == ["ID", "Content", "Date", "Likes", "Ratio", "Seen"]
    assert table.rows[0] == (2, ["P1", "Nguyễn Văn An nói", "2021-07-15T08:30:00", "12", "0.25", "TRUE"])
    assert table.rows[1] == (3, ["42", "rượu tỏi", "2021-07-16T00:00:00", "1234", "", "FALSE"])
    # Row 4 holds only a formula without a cached value (openpyxl computes nothing): empty, skipped;
    # the next row keeps the sheet's number.
    assert [n for n, _cells in table.rows] == [2, 3, 6]


def test_csv_rows_are_numbered_by_the_line_where_they_start():
    data = b'id,text\n1,"two\nlines"\n\n2,after a blank line\n3,"quoted ""x"", fine"\n'
    table = read_table(data)
    assert table.rows == [(2, ["1", "two\nlines"]), (5, ["2", "after a blank line"]), (6, ["3", 'quoted "x", fine'])]


def test_the_delimiter_is_the_one_that_cuts_every_line_alike():
    data = "id;text\n1;Hà Nội, Huế, Cần Thơ, Rạch Giá\n2;một, hai\n".encode()
    assert read_table(data).rows[0] == (2, ["1", "Hà Nội, Huế, Cần Thơ, Rạch Giá"])
    tabbed = "id\ttext\n1\tà; b; c; d\n".encode()
    assert read_table(tabbed).columns == ["id", "text"]


def test_a_report_title_above_the_header_is_skipped():
    data = delimited(
        [["Brandwatch Report"], ["Report:", "Mentions"], ["From:", "2021-07-01"], [],
         ["Query Id", "Date", "Title", "Url", "Author", "Full Text", "Facebook Likes"],
         ["1", "2021-07-15 08:30:00.0", "", "https://x.com/a/1", "an", "Tin giả", "3"]]
    ).encode()  # fmt: skip
    table = read_table(data)
    assert table.header_line == 5 and table.columns[0] == "Query Id"
    assert table.rows == [(6, ["1", "2021-07-15 08:30:00.0", "", "https://x.com/a/1", "an", "Tin giả", "3"])]


def test_unnamed_and_repeated_columns_get_their_letter():
    table = read_table(b"id,,Date,Date\n1,x,a,b,extra\n")
    assert table.columns == ["id", "B", "Date", "Date (D)", "E"]
    assert table.rows == [(2, ["1", "x", "a", "b", "extra"])]


# Which column is which ---------------------------------------------------------------------------

BRANDWATCH = ["Query Id", "Query Name", "Date", "Title", "Url", "Domain", "Sentiment", "Page Type", "Author",
              "Full Name", "Full Text", "Snippet", "Thread Author", "Thread Created Date", "Facebook Author ID",
              "Facebook Comments", "Facebook Likes", "Facebook Shares", "Resource Id", "Mentioned Authors",
              "Expanded URLs", "Twitter Retweets", "Last Assignment Date"]  # fmt: skip
MELTWATER = ["Date", "Headline", "URL", "Opening Text", "Hit Sentence", "Source", "Influencer", "Reach",
             "Engagement", "Sentiment", "Tweet Id", "Twitter Screen Name", "User Profile Url", "Alternate Date Format",
             "Time"]  # fmt: skip
YOUNET = ["STT", "Mã bài viết", "Loại nội dung", "Nội dung", "Đường dẫn", "Tên trang", "Ngày đăng",
          "Lượt thích", "Lượt bình luận", "Lượt chia sẻ", "Sắc thái", "Kênh"]  # fmt: skip


@pytest.mark.parametrize(
    "columns, expected",
    [
        (BRANDWATCH, {"id": "Resource Id", "text": "Full Text", "title": "Title", "url": "Url", "author": "Author",
                      "published_at": "Date", "reactions": "Facebook Likes", "comments": "Facebook Comments",
                      "shares": "Facebook Shares"}),
        (MELTWATER, {"id": "Tweet Id", "text": "Hit Sentence", "title": "Headline", "url": "URL",
                     "author": "Influencer", "published_at": "Date"}),
        (YOUNET, {"id": "Mã bài viết", "text": "Nội dung", "url": "Đường dẫn", "author": "Tên trang",
                  "published_at": "Ngày đăng", "reactions": "Lượt thích", "comments": "Lượt bình luận",
                  "shares": "Lượt chia sẻ"}),
        (["NGÀY ĐĂNG", "noi dung", "Tac gia", "LINK", "Cảm xúc", "Binh luan", "chia se"],
         {"text": "noi dung", "url": "LINK", "author": "Tac gia", "published_at": "NGÀY ĐĂNG", "reactions": "Cảm xúc",
          "comments": "Binh luan", "shares": "chia se"}),
        (["Post_ID", "Message", "Permalink", "Page Name", "Created Time", "Reactions", "Comments", "Shares"],
         {"id": "Post_ID", "text": "Message", "url": "Permalink", "author": "Page Name",
          "published_at": "Created Time", "reactions": "Reactions", "comments": "Comments", "shares": "Shares"}),
        (["Title", "Link", "Published"], {"text": "Title", "url": "Link", "published_at": "Published"}),
        (["Mention ID", "Mention", "Mention URL", "Username", "Number of Likes", "Page Likes"],
         {"id": "Mention ID", "text": "Mention", "url": "Mention URL", "author": "Username",
          "reactions": "Number of Likes"}),
        (["a", "b"], {}),
    ],
    ids=["brandwatch", "meltwater", "younet-vi", "unaccented-caps", "facebook", "title-only", "mentions", "none"],
)  # fmt: skip
def test_guess_mapping_recognises_the_tools_headers(columns, expected):
    assert guess_mapping(columns) == expected


def test_check_mapping_names_each_problem():
    columns = ["Content", "Likes", "Link"]
    assert check_mapping(columns, {"text": "Content", "reactions": "Likes"}) == {}  # no id: derived
    assert check_mapping(columns, {"text": "Content", "url": "", "author": None}) == {}  # "" = not mapped
    errors = check_mapping(columns, {"url": "Link"})
    assert set(errors) == {"text"}
    errors = check_mapping(columns, {"text": "Nội dung", "id": ["Content"], "colour": "Link"})
    assert set(errors) == {"text", "id", "colour"} and "Nội dung" in errors["text"]
    errors = check_mapping(columns, {"text": "Content", "reactions": "Likes", "shares": "Likes"})
    assert set(errors) == {"shares"} and "Likes" in errors["shares"]
    assert check_mapping(columns, {"text": "Content", "id": "Link", "url": "Link"}) == {}  # the link as id


def test_items_refuses_a_mapping_that_was_not_checked():
    with pytest.raises(ValueError, match="invalid mapping"):
        items(Table(columns=["a"], rows=[(2, ["x"])]), {"text": "b"})


# Converting cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, count",
    [
        ("", None), ("  ", None), ("-", None), ("N/A", None), ("0", 0), ("1234", 1234), ("12.0", 12),
        ("1.234", 1234), ("1,234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1\u202f234", 1234),
        ("1.234.567", 1234567), ("1,234,567", 1234567), ("1.2K", 1200), ("3,4k", 3400), ("2M", 2_000_000),
        ("1.25K", 1250), ("2,5 Tr", 2_500_000), ("1,2 nghìn", 1200), ("7 k", 7000),
        ("-5", "-5"), ("1.5", "1.5"), ("12 34", "12 34"), ("1.2X", "1.2X"), ("abc", "abc"), ("9" * 50, "9" * 50),
        ("1,234.5", "1,234.5"),
    ],
)  # fmt: skip
def test_parse_count(cell, count):
    assert parse_count(cell) == count


@pytest.mark.parametrize(
    "cell, iso",
    [
        ("", None),
        ("2021-07-15T08:30:00+07:00", "2021-07-15T08:30:00+07:00"),
        ("2021-07-15T01:30:00Z", "2021-07-15T01:30:00+00:00"),
        ("2021-07-15 08:30:00", "2021-07-15T08:30:00+07:00"),
        ("2021-07-15 08:30:00.0", "2021-07-15T08:30:00+07:00"),  # Brandwatch
        ("2021-07-15T08:30:00", "2021-07-15T08:30:00+07:00"),  # an Excel date cell, read as text
        ("2021-07-15", "2021-07-15T00:00:00+07:00"),
        ("15/07/2021", "2021-07-15T00:00:00+07:00"),
        ("15/07/2021 08:30", "2021-07-15T08:30:00+07:00"),
        ("5/7/2021 8:30:15", "2021-07-05T08:30:15+07:00"),
        ("15-07-2021", "2021-07-15T00:00:00+07:00"),
        ("15-07-2021 08:30:05", "2021-07-15T08:30:05+07:00"),
        ("15/07/21 08:30", "2021-07-15T08:30:00+07:00"),
        ("2021/07/15 08:30", "2021-07-15T08:30:00+07:00"),
        ("08:30 15/07/2021", "2021-07-15T08:30:00+07:00"),
        ("15/07/2021 lúc 08:30", "2021-07-15T08:30:00+07:00"),
        ("08h30, 15/07/2021", "2021-07-15T08:30:00+07:00"),
        ("15/07/2021 8h30", "2021-07-15T08:30:00+07:00"),
        ("15-Jul-2021 08:30AM", "2021-07-15T08:30:00+07:00"),  # Meltwater
        ("Jul 15, 2021", "2021-07-15T00:00:00+07:00"),
        ("44392.5", "2021-07-15T12:00:00+07:00"),  # an Excel serial day in a number cell
        ("1626312600", "2021-07-15T08:30:00+07:00"),  # Unix seconds
        ("1626312600000", "2021-07-15T08:30:00+07:00"),
        ("07/15/2021", "07/15/2021"),  # month first: not guessed, reported
        ("32/01/2021", "32/01/2021"),
        ("hôm qua", "hôm qua"),
        ("x" * 100, "x" * 100),
    ],
)
def test_parse_when(cell, iso):
    assert parse_when(cell) == iso


def test_items_builds_what_ingest_takes():
    table = Table(
        columns=["Title", "Content", "Link", "Author", "Date", "Likes", "Shares"],
        rows=[
            (2, ["Tin nóng", "Uống rượu tỏi", "facebook.com/p/1", " An ", "15/07/2021 08:30", "1,2K", "-"]),
            (3, ["", "", "", "", "", "", ""]),
            (4, ["Tin nóng", "Tin nóng: đã rõ", "", "Bình", "hôm qua", "-3", "2"]),
            (5, ["", "Không tiêu đề", "http://x.vn/a", "", "", "", ""]),
        ],
    )
    mapping = guess_mapping(table.columns)
    assert check_mapping(table.columns, mapping) == {}
    result = items(table, mapping)
    assert [n for n, _item in result] == [2, 4, 5]  # the empty row is skipped
    first = result[0][1]
    assert first == {
        "id": first["id"], "text": "Tin nóng\nUống rượu tỏi", "url": "https://facebook.com/p/1", "author": "An",
        "published_at": "2021-07-15T08:30:00+07:00", "reactions": 1200, "comments": None, "shares": None,
    }  # fmt: skip
    assert first["id"].startswith("sha1:") and len(first["id"]) == 45
    second = result[1][1]
    assert second["text"] == "Tin nóng: đã rõ"  # the title is already the start of the text
    assert (second["published_at"], second["reactions"]) == ("hôm qua", "-3")  # left for ingest to report
    assert items(table, mapping)[0][1]["id"] == first["id"]  # stable from upload to upload


def test_derived_ids_keep_apart_the_same_text_by_two_accounts():
    table = Table(columns=["Content", "Author"], rows=[(2, ["Tin giả", "An"]), (3, ["Tin giả", "Bình"])])
    first, second = (item["id"] for _n, item in items(table, {"text": "Content", "author": "Author"}))
    assert first != second


# Hostile files -----------------------------------------------------------------------------------


def refused(data: bytes, match: str = "") -> str:
    with pytest.raises(UploadError, match=match) as caught:
        read_table(data, "upload.xlsx")
    assert caught.value.message
    return caught.value.message


def test_whole_file_problems_are_refused_with_a_reason():
    refused(b"", "empty")
    refused(b"\r\n \n", "empty")
    refused(b"\xff\xfe", "empty")
    refused(b"id,text\n", "no rows")
    refused(b"x" * (uploads.MAX_BYTES + 1), "larger than 20 MB")
    refused(b"https://facebook.com/a,Tin\nhttps://facebook.com/b,Tin\n", "names of the columns")
    refused(b"<!DOCTYPE html><html><body><table><tr><td>ID</td></tr></table></body></html>", "web page")
    refused(b"\n  <table><tr><td>ID</td></tr></table>", "web page")
    refused(b"<?xml version='1.0'?><Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'/>", "XML")
    refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "97")
    refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF")
    refused("id,text\n1,Uống\n".encode("utf-16-le"), "NUL")  # UTF-16 without its BOM
    refused("id,text\n1,Nguyễn Văn An\n".encode()[:-3] + b"\xe1\xbb", "UTF-8")  # cut inside a letter
    refused(b"id,text\n1,\x01\x02\x03\x04\x05\x06\x07\x08\n", "control")


def test_limits_of_rows_columns_and_cells():
    rows = b"id,text\n" + b"1,a\n" * (uploads.MAX_ROWS + 1)
    refused(rows, "100000 rows")
    assert len(read_table(b"id,text\n" + b"1,a\n" * uploads.MAX_ROWS).rows) == uploads.MAX_ROWS
    refused(",".join(f"c{i}" for i in range(201)).encode() + b"\n" + b"1\n", "Line 1: more than 200 columns")
    assert len(read_table(",".join(f"c{i}" for i in range(200)).encode() + b",,,,\n1\n").columns) == 200
    refused(b"id,text\n1,ok\n2," + b"x" * 1_000_000 + b"\n", "Line 3: a cell is longer")
    refused(b"id,text\n1," + b"x" * (uploads.MAX_CELL + 1) + b"\n", "Line 2: a cell is longer")
    # openpyxl itself keeps Excel's 32,767 characters of a cell
    assert len(read_table(xlsx([["id", "text"], ["1", "x" * 1_000_000]])).rows[0][1][1]) <= uploads.MAX_CELL
    refused(xlsx([["id", "text"]], build=lambda s: s.cell(row=2, column=16384, value="far")), "Line 2: more than")


def test_an_unbalanced_quote_is_named_by_its_line():
    refused(b'id,text\n1,fine\n2,"never closed\n3,swallowed\n', "Line 3: a quote opened here is never closed")
    refused(b'id,text\n1,"open', "Line 2: a quote")
    # Closed further down: the rows in between become one cell, which the preview shows.
    table = read_table(b'id,text\n1,"open\n2,x\n3,close"\n4,y\n')
    assert table.rows == [(2, ["1", "open\n2,x\n3,close"]), (5, ["4", "y"])]
    # A quote inside an unquoted cell is only a character.
    assert read_table(b'id,text\n1,a 12" screen\n').rows == [(2, ["1", 'a 12" screen'])]


def test_damaged_and_crafted_workbooks():
    good = xlsx([["id", "text"], ["1", "x"]])
    refused(good[: len(good) // 2], "not a readable XLSX")
    refused(b"PK\x03\x04" + b"\x00" * 100, "not a readable XLSX")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    refused(docx.getvalue(), "not a readable XLSX")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 2_000_000)
    assert len(bomb.getvalue()) < 100_000
    refused(bomb.getvalue(), "unpacks to too much")
    # A row numbered past Excel's last would make openpyxl pad empty rows without end.
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<row r="2"', b'<row r="900000000"').replace(b'r="A2"', b'r="A900000000"')
    parts[sheet] = parts[sheet].replace(b'r="B2"', b'r="B900000000"')
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    refused(crafted.getvalue(), "rows")


def test_too_much_unpacked_data_is_refused_before_opening(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED", 1000)
    refused(xlsx([["id", "text"], ["1", "x"]]), "unpacks to too much")


def test_random_and_mangled_bytes_give_a_table_or_an_upload_error():
    rng = random.Random(5)  # noqa: S311 - reproducible junk, not a secret
    good_csv = ("\ufeff" + delimited([HEADER, *ROWS])).encode()
    good_xlsx = xlsx([HEADER, *ROWS])
    samples = [rng.randbytes(n) for n in (1, 2, 3, 10, 100, 1000, 5000, 70_000)]
    samples += [bytes(rng.choice(b'\x00\x01abc,;\t"\n\r\xc3\xa1\xff') for _ in range(500)) for _ in range(20)]
    for source in (good_csv, good_xlsx):
        for _ in range(40):
            mangled = bytearray(source)
            for _ in range(rng.randint(1, 8)):
                mangled[rng.randrange(len(mangled))] = rng.randrange(256)
            samples.append(bytes(mangled))
        samples += [source[:cut] for cut in (5, 50, len(source) // 3, len(source) - 1)]
    for data in samples:
        try:
            table = read_table(data)
        except UploadError as e:
            assert e.message
        else:
            assert table.columns and all(len(cells) == len(table.columns) for _n, cells in table.rows)


# From the file to the stored posts ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_export_ends_as_posts_and_bad_lines_are_reported():
    source = Source.objects.create(name="YouNet export", kind="csv")
    rows = [
        HEADER,
        *ROWS,
        ["P3", "Giá rau tăng", "https://facebook.com/p/3", "Lê Văn C", "hôm qua", "1", "2", "3"],
        ["P4", "Số ca nhiễm", "https://facebook.com/p/4", "Lê Văn D", "17/07/2021 21:00", "-4", "", ""],
        ["P1", "Uống rượu tỏi diệt được virus", "https://facebook.com/p/1", "Nguyễn Văn An", "", "", "", ""],
    ]
    table = read_table(cp1258(delimited(rows)), "export.csv")
    mapping = guess_mapping(table.columns)
    assert check_mapping(table.columns, mapping) == {}
    result = ingest.store(source, items(table, mapping))
    assert (result.received, result.stored, result.duplicates) == (5, 2, 1)
    assert [e["line"] for e in result.errors] == [4, 5]
    assert "published_at" in result.errors[0]["error"] and "reactions" in result.errors[1]["error"]
    post = Post.objects.get(source=source, external_id="P1")
    assert post.author == "Nguyễn Văn An" and "rượu tỏi" in post.text
    assert post.published_at == datetime.datetime(2021, 7, 15, 1, 30, tzinfo=datetime.UTC)
    assert (post.reactions, post.comments, post.shares) == (1234, 56, 7)
    assert Post.objects.get(source=source, external_id="P2").reactions == 2500
    again = ingest.store(source, items(table, mapping))
    assert (again.stored, again.duplicates) == (0, 3)
