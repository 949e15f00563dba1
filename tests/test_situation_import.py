"""Import of the daily figures (situation.importer and the import page): real CSV and XLSX files,
a dry run that changes nothing, all-or-nothing days, problems that name the line, the district
and the indicator, and hostile files that are refused with a message, never a 500.

The demo: today's figures are in for 13 districts (not 912 Kiên Hải, 914 Giang Thành); earlier
days are confirmed."""

import csv
import datetime
import io
import unicodedata
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.models import AuditEvent, OrgUnit
from core.roles import Role
from situation import figures as fig
from situation import importer
from situation.models import Figure, FigureChange, Indicator, SituationDay

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def root():
    return fig.root_unit()


@pytest.fixture
def health(people):
    return people[Role.HEALTH_DATA]


def unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def value(code, indicator, date=TODAY):
    figure = Figure.objects.filter(org_unit__code=code, indicator__code=indicator, date=date).first()
    return figure.value if figure else None


def short(code) -> str:
    return Indicator.objects.get(code=code).short_name


def csv_file(rows, *, delimiter=",", bom=True) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_file(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """Text as Excel's plain "CSV" writes it on a Vietnamese Windows: a base letter, then a
    separate tone mark (Python's codec encodes only the decomposed form)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            out += letter.encode("cp1258") + "".join(m for m in marks if m not in "\u0302\u0306\u031b").encode("cp1258")
    return out


def run(person, data, date=TODAY, *, dry_run=True):
    return importer.run(person, fig.root_unit(), data, date, filename="so-lieu.csv", dry_run=dry_run)


def only_problem(result):
    assert not result.ok
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


def snapshot():
    return (
        sorted(Figure.objects.values_list("pk", "value", "note", "source")),
        FigureChange.objects.count(),
        SituationDay.objects.count(),
        AuditEvent.objects.count(),
    )


# Dry run and applying -----------------------------------------------------------------------------


def test_dry_run_shows_new_changed_and_unchanged_values_and_changes_nothing(health):
    before = snapshot()
    old = value("899", "ca_cong_dong")
    same = value("900", "ca_cach_ly")
    data = csv_file(
        [
            ["district", "ca_cong_dong", "ca_cach_ly", "dang_dieu_tri"],
            ["912", "2", "5", "40"],
            ["899", str(old + 3), "", ""],
            ["900", "", str(same), ""],
        ]
    )
    result = run(health, data)
    assert result.ok and result.dry_run
    assert (result.new, result.changed, result.unchanged) == (3, 1, 1)
    [day] = result.days
    assert day.date == TODAY and not day.confirmed
    assert {(c.unit.code, c.indicator.code, c.old, c.new) for c in day.new} == {
        ("912", "ca_cong_dong", None, 2),
        ("912", "ca_cach_ly", None, 5),
        ("912", "dang_dieu_tri", None, 40),
    }
    assert [(c.unit.code, c.old, c.new) for c in day.changed] == [("899", old, old + 3)]
    assert snapshot() == before


def test_applying_writes_the_figures_and_keeps_every_changed_value_with_its_history(health):
    old = value("899", "ca_cong_dong")
    data = csv_file([["district", "ca_cong_dong", "ca_cach_ly"], ["912", "2", "5"], ["899", str(old + 3), ""]])
    result = run(health, data, dry_run=False)
    assert result.ok and not result.dry_run
    assert (value("912", "ca_cong_dong"), value("912", "ca_cach_ly"), value("899", "ca_cong_dong")) == (2, 5, old + 3)
    assert Figure.objects.get(org_unit__code="912", indicator__code="ca_cong_dong", date=TODAY).source == "import"
    change = FigureChange.objects.get(figure__org_unit__code="899", figure__date=TODAY)
    assert (change.old_value, change.new_value, change.source, change.correction) == (old, old + 3, "import", False)
    assert change.changed_by == health
    event = AuditEvent.objects.get(action="situation.import")
    assert event.after["new"] == 2 and event.after["changed"] == 1 and event.actor == health


def test_an_empty_cell_leaves_the_value_given_before(health):
    old = value("899", "ca_cach_ly")
    result = run(health, csv_file([["district", "ca_cong_dong", "ca_cach_ly"], ["899", "7", ""]]), dry_run=False)
    assert result.ok
    assert value("899", "ca_cach_ly") == old and value("899", "ca_cong_dong") == 7


def test_a_running_total_that_goes_down_without_a_note_is_refused_naming_the_line(health):
    last = value("899", "khoi_benh", YESTERDAY)
    rows = [["district", "khoi_benh", "note"], ["900", "", ""], ["899", str(last - 5), ""]]
    problem = only_problem(run(health, csv_file(rows), dry_run=False))
    assert (problem.line, problem.unit, problem.field) == (3, unit("899").name, short("khoi_benh"))
    assert str(problem).startswith(_("Line %(line)d") % {"line": 3})
    assert value("899", "khoi_benh") != last - 5
    rows[2][2] = "Trùng 5 ca với Hà Tiên, đã loại"
    assert run(health, csv_file(rows), dry_run=False).ok
    assert value("899", "khoi_benh") == last - 5


def test_a_correction_of_a_confirmed_day_needs_a_reason(health):
    old = value("899", "ca_cong_dong", YESTERDAY)
    rows = [["date", "district", "ca_cong_dong", "note"], [f"{YESTERDAY:%d/%m/%Y}", "899", str(old + 1), ""]]
    problem = only_problem(run(health, csv_file(rows), dry_run=False))
    assert (problem.line, problem.unit, problem.field) == (2, unit("899").name, _("Note"))
    rows[1][3] = "Bổ sung 1 ca xét nghiệm muộn"
    result = run(health, csv_file(rows), dry_run=False)
    assert result.ok and result.days[0].confirmed
    change = FigureChange.objects.get(figure__org_unit__code="899", figure__date=YESTERDAY)
    assert change.correction and change.reason == "Bổ sung 1 ca xét nghiệm muộn"


def test_a_file_of_several_days_is_applied_all_or_nothing(health):
    old = value("899", "ca_cong_dong", YESTERDAY)
    rows = [
        ["date", "district", "ca_cong_dong", "note"],
        [TODAY.isoformat(), "912", "4", ""],
        [f"{YESTERDAY:%d/%m/%Y}", "899", str(old + 1), ""],  # a correction without its reason
    ]
    before = snapshot()
    result = run(health, csv_file(rows), dry_run=False)
    assert [p.line for p in result.problems] == [3]
    assert snapshot() == before  # today's row is not kept either
    rows[2][3] = "Bổ sung"
    result = run(health, csv_file(rows), dry_run=False)
    assert result.ok and [d.date for d in result.days] == [YESTERDAY, TODAY]
    assert value("912", "ca_cong_dong") == 4 and value("899", "ca_cong_dong", YESTERDAY) == old + 1


def test_a_later_day_of_the_file_is_checked_against_the_earlier_days_of_the_same_file(health):
    last = value("912", "khoi_benh", YESTERDAY)
    rows = [
        ["date", "district", "khoi_benh", "note"],
        [f"{YESTERDAY:%d/%m/%Y}", "912", str(last + 100), "Bổ sung số khỏi bệnh tuần trước"],
        [f"{TODAY:%d/%m/%Y}", "912", str(last + 50), ""],  # above the database's yesterday, below the file's
    ]
    problem = only_problem(run(health, csv_file(rows)))  # the dry run finds what applying would find
    assert (problem.line, problem.field) == (3, short("khoi_benh"))
    assert value("912", "khoi_benh", YESTERDAY) == last


# Districts, columns and rows ----------------------------------------------------------------------


def test_districts_by_code_or_name_with_or_without_accents_and_type_word(health):
    rows = [
        ["Huyện", "Ca cong dong"],  # the indicator by its name, without accents
        ["rach gia", "11"],
        ["TP. Hà Tiên", "12"],
        ["Thành phố Phú Quốc", "13"],
        ["KIÊN HẢI", "14"],
    ]
    assert run(health, csv_file(rows), dry_run=False).ok
    assert [value(c, "ca_cong_dong") for c in ("899", "900", "911", "912")] == [11, 12, 13, 14]


def test_a_name_two_districts_share_asks_for_the_code_and_codes_excel_shortened_are_found(health, root):
    OrgUnit.objects.create(code="0915", name="Thị xã Kiên Hải", level="district", parent=root)
    rows = [["district", "ca_cong_dong"], ["Kiên Hải", "1"], ["Huyện Kiên Hải", "2"], ["915", "3"]]
    problem = only_problem(run(health, csv_file(rows)))
    assert (problem.line, problem.message) == (2, _("more than one district has this name; use the code."))
    result = run(health, csv_file([rows[0], *rows[2:]]), dry_run=False)
    assert result.ok and (value("912", "ca_cong_dong"), value("0915", "ca_cong_dong")) == (2, 3)


def test_an_unknown_district_is_named_with_its_line(health, root):
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong"], ["899", "1"], ["Huyện Đảo Xa", "1"]])))
    assert (problem.line, problem.unit) == (3, "Huyện Đảo Xa")
    assert problem.message == _("no district of %(root)s has this code or name.") % {"root": root.name}


def test_an_unknown_indicator_column_is_refused_naming_the_header(health):
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong", "ca_nhap_canh"], ["899", "1", "2"]])))
    assert (problem.line, problem.field) == (1, "ca_nhap_canh")
    assert "ca_cong_dong" in problem.message


def test_a_district_twice_on_one_day_is_refused_but_on_two_days_is_fine(health):
    rows = [["date", "district", "ca_cong_dong"], ["", "899", "1"], ["", "Rạch Giá", "2"]]
    problem = only_problem(run(health, csv_file(rows)))
    assert (problem.line, problem.unit, problem.message) == (3, unit("899").name, _("appears twice."))
    rows[1][2] = str(value("899", "ca_cong_dong") + 1)
    rows[2] = [f"{YESTERDAY:%d/%m/%Y}", "Rạch Giá", str(value("899", "ca_cong_dong", YESTERDAY))]
    result = run(health, csv_file(rows))
    assert result.ok and (result.new, result.changed, result.unchanged) == (0, 1, 1)


def test_the_same_column_twice_is_refused(health):
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong", "Mới (cộng đồng)"], ["899", "1", "2"]])))
    assert (problem.line, problem.field) == (1, "Mới (cộng đồng)")


@pytest.mark.parametrize(
    "cell, message",
    [
        ("-3", lambda: _("a count cannot be negative.")),
        ("3,5", lambda: _("“%(text)s” is not a whole number.") % {"text": "3,5"}),
        ("ba", lambda: _("“%(text)s” is not a whole number.") % {"text": "ba"}),
        ("1" * 5000, lambda: _("at most %(max)s.") % {"max": "100.000.000"}),
        ("100000001", lambda: _("at most %(max)s.") % {"max": "100.000.000"}),
    ],
    ids=["negative", "decimal", "text", "thousands-of-digits", "huge"],
)
def test_a_value_that_is_not_a_count_is_refused_naming_line_district_and_indicator(health, cell, message):
    problem = only_problem(run(health, csv_file([["district", "ca_cach_ly"], ["905", cell]])))
    assert (problem.line, problem.unit, problem.field) == (2, unit("905").name, short("ca_cach_ly"))
    assert problem.message == message()


def test_thousands_written_with_dots_or_spaces_are_counts(health):
    rows = [["district", "xet_nghiem"], ["912", f"{value('912', 'xet_nghiem', YESTERDAY) + 1000:,}".replace(",", ".")]]
    assert run(health, csv_file(rows), dry_run=False).ok
    assert value("912", "xet_nghiem") == value("912", "xet_nghiem", YESTERDAY) + 1000


def test_control_characters_in_a_note_are_refused_with_the_line(health):
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong", "note"], ["912", "1", "sửa\x07lỗi"]])))
    assert (problem.line, problem.field) == (2, _("Note"))


def test_a_nul_byte_refuses_the_whole_file(health):
    data = csv_file([["district", "ca_cong_dong", "note"], ["912", "1", "sửa\x00lỗi"]])
    problem = only_problem(run(health, data))
    assert problem.line is None and "NUL" in problem.message


def test_a_row_date_in_the_future_or_not_a_date_is_named(health):
    tomorrow = TODAY + datetime.timedelta(days=1)
    rows = [["date", "district", "ca_cong_dong"], [f"{tomorrow:%d/%m/%Y}", "912", "1"], ["08/2021", "914", "1"]]
    result = run(health, csv_file(rows))
    assert [(p.line, p.field) for p in result.problems] == [(2, _("Date")), (3, _("Date"))]
    assert result.problems[0].message == _("The date %(date)s is in the future.") % {"date": f"{tomorrow:%d/%m/%Y}"}


def test_rows_without_figures_and_rows_of_totals_are_skipped(health):
    rows = [["district", "ca_cong_dong"], ["912", "3"], ["914", ""], ["Tổng cộng", "999"]]
    result = run(health, csv_file(rows))
    assert result.ok and (result.rows, result.skipped, result.new) == (3, 2, 1)


def test_a_file_of_empty_rows_or_only_a_header_is_refused(health):
    problem = only_problem(run(health, importer.template_csv(fig.root_unit(), TODAY)))
    assert problem.message == _("The file has no figures: every row is empty.")
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong"]])))
    assert problem.message == _("The file has a header but no rows.")


def test_a_file_without_a_district_column_is_refused(health):
    problem = only_problem(run(health, csv_file([["huyen_x", "ca_cong_dong"], ["899", "1"]])))
    assert problem.line == 1 and "district" in problem.message


# Formats and encodings ----------------------------------------------------------------------------


def test_windows_1258_semicolons_and_utf16_tabs_are_read(health):
    rows = [["Huyện", "Ghi chú", "ca_cong_dong"], ["Kiên Hải", "Bổ sung muộn", "6"]]
    text = "\r\n".join(";".join(r) for r in rows) + "\r\n"
    assert run(health, cp1258(text), dry_run=False).ok
    assert value("912", "ca_cong_dong") == 6
    assert Figure.objects.get(org_unit__code="912", indicator__code="ca_cong_dong", date=TODAY).note == "Bổ sung muộn"
    text = "\r\n".join("\t".join(r) for r in [rows[0], ["Giang Thành", "", "8"]]) + "\r\n"
    assert run(health, text.encode("utf-16"), dry_run=False).ok
    assert value("914", "ca_cong_dong") == 8


def test_bytes_that_are_no_text_encoding_are_refused(health):
    data = b"district,ca_cong_dong\r\n899,1\r\n" + bytes(range(128, 256)) * 20
    problem = only_problem(run(health, data))
    assert problem.line is None and problem.message


def test_utf8_with_a_broken_byte_is_refused_not_read_as_windows_1258(health):
    text = "district,ca_cong_dong,note\r\n" + "".join(f"{c},1,Bổ sung số liệu ngày hôm qua\r\n" for c in ("899", "900"))
    data = text.encode().replace("ổ".encode(), b"\xe1\xbb", 1)  # a character cut short
    problem = only_problem(run(health, data))
    position = data.index(b"\xe1\xbb") + 1
    assert problem.message == _("The file is not valid UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8”.") % {
        "pos": position
    }


def test_a_workbook_with_title_lines_typed_cells_and_several_days(health):
    data = xlsx_file(
        [
            ["SỐ LIỆU DỊCH BỆNH THEO HUYỆN"],
            [],
            ["Ngày", "Mã huyện", "Tên huyện", "Mới (cộng đồng)", "Mới (cách ly)", "Ghi chú"],
            [datetime.datetime.combine(TODAY, datetime.time()), 912, "Huyện Kiên Hải", 3, 4.0, None],
            [None, "914", "Huyện Giang Thành", 0, None, None],
            ["Tổng cộng", None, None, 3, 4, None],
        ]
    )
    result = run(health, data, dry_run=False)
    assert result.ok, [str(p) for p in result.problems]
    assert (value("912", "ca_cong_dong"), value("912", "ca_cach_ly"), value("914", "ca_cong_dong")) == (3, 4, 0)


def test_a_decimal_in_a_workbook_is_refused_naming_its_row(health):
    problem = only_problem(run(health, xlsx_file([["district", "ca_cach_ly"], ["912", 2.5]])))
    assert (problem.line, problem.field) == (2, short("ca_cach_ly"))
    assert problem.message == _("enter a whole number, without decimals.")


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", lambda: _("The file is empty.")),
        (b"  \r\n\r\n", lambda: _("The file is empty.")),
        (
            _zip({"[Content_Types].xml": "<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (5 * 2**20)}),
            lambda: _("The workbook unpacks to more than %(mb)d MB; save only the sheet to import.") % {"mb": 20},
        ),
        (_zip({"hello.txt": "xin chào"}), lambda: _("The file is not a readable XLSX workbook.")),
        (b"PK\x03\x04" + b"\x00garbage" * 100, lambda: _("The file is not a readable XLSX workbook.")),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            lambda: _(
                "This is an Excel 97–2003 workbook (.xls) or a workbook with a password. Open it in Excel "
                "and save it as “Excel Workbook (.xlsx)” without a password, or as “CSV UTF-8”."
            ),
        ),
        (b"x" * (2 * 2**20 + 1), lambda: _("The file is larger than %(mb)d MB.") % {"mb": 2}),
    ],
    ids=["empty", "blank", "zip-bomb", "zip-not-workbook", "broken-zip", "xls", "over-2-mb"],
)
def test_hostile_or_malformed_files_are_refused_with_a_message_and_change_nothing(health, data, message):
    before = snapshot()
    problem = only_problem(run(health, data, dry_run=False))
    assert problem.message == message()
    assert snapshot() == before


def test_more_rows_than_the_limit_are_refused(health):
    rows = [["district", "ca_cong_dong"]] + [["899", "1"]] * (importer.MAX_ROWS + 1)
    problem = only_problem(run(health, csv_file(rows)))
    assert problem.message == _("At most %(n)d rows in one file: split it.") % {"n": importer.MAX_ROWS}
    # Far beyond it, the text reader stops early: the message still says our limit.
    many = b"district,ca_cong_dong\n" + b"1,1\n" * 100_100
    problem = only_problem(run(health, many))
    assert problem.message == _("At most %(n)d rows in one file: split it.") % {"n": importer.MAX_ROWS}


def test_a_row_wider_than_the_limit_is_refused(health):
    row = ["899", "1"] + [""] * 150 + ["x"]
    problem = only_problem(run(health, csv_file([["district", "ca_cong_dong"], row])))
    assert str(importer.MAX_COLUMNS) in problem.message


# Template and export ------------------------------------------------------------------------------


def test_the_template_has_a_row_per_district_for_the_day_and_imports_back(health, root):
    data = importer.template_csv(root, TODAY)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["date", "district_code", "district", *(i.code for i in fig.indicators()), "note"]
    assert [r[1] for r in rows[1:]] == [u.code for u in fig.districts(root)]
    assert {r[0] for r in rows[1:]} == {f"{TODAY:%d/%m/%Y}"}
    filled = [r if r[1] != "912" else [*r[:3], "5", *r[4:]] for r in rows]
    assert run(health, csv_file(filled, bom=False), dry_run=False).ok
    assert value("912", "ca_cong_dong") == 5


def test_the_days_export_imports_back_unchanged(health, root):
    result = run(health, fig.day_csv(fig.day_table(root, TODAY)))
    assert result.ok and result.new == 0 and result.changed == 0
    assert result.unchanged == Figure.objects.filter(date=TODAY).count()


# The page -----------------------------------------------------------------------------------------

URL = reverse("situation:import")


def test_the_page_dry_runs_then_applies_and_goes_to_the_days_figures(login, health):
    client = login(health)
    assert client.get(URL).status_code == 200
    data = csv_file([["district", "ca_cong_dong", "ca_cach_ly"], ["912", "2", "5"]])
    before = snapshot()
    response = client.post(URL, {"date": TODAY.isoformat(), "file": _file(data)})
    assert response.status_code == 200
    assert response.context["result"].dry_run and response.context["result"].new == 2
    assert snapshot() == before
    token = response.context["token"]
    assert token and token in client.session["situation_imports"]
    response = client.post(URL, {"token": token, "action": "confirm"})
    assert response.status_code == 302
    assert response["Location"] == reverse("situation:entry") + f"?date={TODAY.isoformat()}"
    assert value("912", "ca_cong_dong") == 2
    assert token not in client.session["situation_imports"]
    # The same token cannot apply the file twice.
    response = client.post(URL, {"token": token, "action": "confirm"})
    assert response.status_code == 302 and response["Location"] == URL


def _file(data, name="so-lieu.csv"):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_a_token_of_another_session_applies_nothing(login, health, people, client):
    data = csv_file([["district", "ca_cong_dong"], ["912", "2"]])
    token = login(health).post(URL, {"date": TODAY.isoformat(), "file": _file(data)}).context["token"]
    client.logout()
    other = login(people[Role.ADMIN])
    response = other.post(URL, {"token": token, "action": "confirm"})
    assert response.status_code == 302 and value("912", "ca_cong_dong") is None


def test_cancel_forgets_the_file(login, health):
    client = login(health)
    data = csv_file([["district", "ca_cong_dong"], ["912", "2"]])
    token = client.post(URL, {"date": TODAY.isoformat(), "file": _file(data)}).context["token"]
    assert client.post(URL, {"token": token, "action": "cancel"}).status_code == 302
    assert token not in client.session["situation_imports"] and value("912", "ca_cong_dong") is None


def test_the_page_shows_problems_with_422_and_keeps_no_file(login, health):
    client = login(health)
    response = client.post(
        URL, {"date": TODAY.isoformat(), "file": _file(csv_file([["district", "ca_cong_dong"], ["912", "-1"]]))}
    )
    assert response.status_code == 422 and not response.context["token"]
    assert _("a count cannot be negative.") in response.content.decode()


@pytest.mark.parametrize(
    "data, name",
    [
        (b"PK\x03\x04not a zip at all", "so-lieu.xlsx"),
        (b"<html><body><table><tr><td>899</td></tr></table></body></html>", "so-lieu.xlsx"),
        (bytes(range(256)) * 8, "so-lieu.csv"),
    ],
    ids=["broken-xlsx", "web-page-named-xlsx", "binary"],
)
def test_the_page_answers_malformed_files_with_a_message_never_a_500(login, health, data, name):
    """Refused by what the file is (core.filetypes) before the import reads it: the field named."""
    response = login(health).post(URL, {"date": TODAY.isoformat(), "file": _file(data, name)})
    assert response.status_code == 400 and "file" in response.context["form"].errors


def test_the_page_refuses_a_future_date_and_a_file_over_2_mb(login, health):
    client = login(health)
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(URL, {"date": tomorrow.isoformat(), "file": _file(b"district\n899\n")})
    assert response.status_code == 400 and "date" in response.context["form"].errors
    response = client.post(URL, {"date": TODAY.isoformat(), "file": _file(b"x" * (2 * 2**20 + 1))})
    assert response.status_code == 400 and "file" in response.context["form"].errors


def test_the_template_downloads_as_csv_for_the_chosen_day(login, health):
    response = login(health).get(URL, {"template": "1", "date": YESTERDAY.isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"mau-so-lieu-{YESTERDAY.isoformat()}.csv" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").splitlines()[1].startswith(f"{YESTERDAY:%d/%m/%Y},")


@pytest.mark.parametrize("role", [Role.PRESS, Role.FOCAL_POINT, Role.DISTRICT_CULTURE])
def test_only_the_health_data_officer_and_admin_import(login, people, role):
    client = login(people[role])
    assert client.get(URL).status_code == 403
    assert (
        client.post(URL, {"date": TODAY.isoformat(), "file": _file(b"district,ca_cong_dong\n912,1\n")}).status_code
        == 403
    )
    assert value("912", "ca_cong_dong") is None
