"""Every upload is recognised by its content (core.filetypes), never by its name or the browser's
Content-Type (issue 10): at each upload point a real file of the right kind is taken, and a
disguised one (a program named report.xlsx, a web page named figures.csv, a zip bomb, a Word
document named .xlsx) is refused with a message naming the field, and nothing changes."""

import csv
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core import filetypes
from core.models import AuditEvent, OrgUnit
from core.roles import Role
from listening.models import Post, Source
from misinfo.models import Case, Evidence, Tip
from reporting.models import ReportCycle
from situation.models import Figure

# --- Files, real and disguised ------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run."
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EML = (
    b"From: Nguyen Van Binh <binh@example.com>\r\nTo: thanhtra@example.invalid\r\n"
    b"Subject: Tin don tren Zalo ve vaccine\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Nhom Zalo lan truyen tin tiem vaccine gay vo sinh, de nghi kiem tra.\r\n"
)


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def docx() -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Báo cáo tuần")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A real workbook with one more part: 300 MB of zeros, a few hundred kilobytes packed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["a"]]))) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in book.infolist():
            dst.writestr(item, book.read(item.filename))
        with dst.open("xl/media/image1.bin", "w") as handle:
            chunk = b"\x00" * 2**20
            for _ in range(300):
                handle.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def disguised():
    """By the name they came with; "tail.png": text for 9 KB, then a program."""
    return {
        "report.xlsx": EXE,
        "figures.csv": HTML,
        "bomb.xlsx": zip_bomb(),
        "letter.xlsx": docx(),
        "tail.png": b"Bai dang " * 1000 + EXE,
    }


def upload(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
    """The browser's Content-Type claims whatever the name suggests: it must not matter."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def field_label(form_class, name) -> str:
    from django.utils import translation

    with translation.override("vi"):
        return filetypes.short_label(form_class.base_fields[name].label)


def stored_files(folder: str) -> int:
    try:
        return len(default_storage.listdir(folder)[1])
    except FileNotFoundError:
        return 0


def refused(response, label: str) -> bool:
    return response.status_code == 400 and f"“{label}”:" in response.text


# --- The recogniser -------------------------------------------------------------------------------


def test_kinds_are_told_by_content(disguised):
    table = "Tệp"
    assert filetypes.check_table(xlsx([["a", "b"]]), table) == "xlsx"
    assert filetypes.check_table(csv_bytes([["a", "b"], ["đ", "ư"]]), table) == "csv"
    assert filetypes.check_table("a;b\nđ;ư\n".encode("cp1258"), table, encodings=("utf-8", "cp1258")) == "csv"
    assert filetypes.check_table("a\tb\n".encode("utf-16"), table, encodings=("utf-8", "utf-16")) == "csv"
    assert filetypes.zip_kind(disguised["letter.xlsx"], table) == "docx"
    assert filetypes.check_capture(PNG, table) == "png" and filetypes.check_capture(PDF, table) == "pdf"
    assert filetypes.check_capture(HTML, table) == "html"
    assert filetypes.check_email(EML, table) == "eml"


@pytest.mark.parametrize(
    "data, words",
    [
        (EXE, "một chương trình máy tính"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 20, "một chương trình máy tính"),
        (HTML, "một trang web (HTML)"),
        (b"<?xml version='1.0'?><Workbook/>", "một trang web (HTML) hoặc tệp XML"),
        (PDF, "một tài liệu PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel hoặc Word 97–2003"),
        (b"PK\x03\x04 not really a zip", "tệp bị hỏng"),
        (b"a,b\n1,\x002\n", "byte NUL"),
        (b"a,b\n\xc3\x28\n", "không đọc được byte thứ 5"),
        (b"", "tệp trống"),
    ],
)
def test_what_a_table_import_refuses(data, words):
    with pytest.raises(filetypes.Refused) as refusal:
        filetypes.check_table(data, "Tệp CSV hoặc XLSX (tối đa 2 MB)")
    assert refusal.value.message.startswith("“Tệp CSV hoặc XLSX”: ") and words in refusal.value.message


def test_zip_bombs_are_refused_before_anything_is_unpacked(disguised):
    with pytest.raises(filetypes.Refused, match="bom zip"):
        filetypes.check_table(disguised["bomb.xlsx"], "Tệp")  # one part packed a thousand times
    big = io.BytesIO()  # many parts
    with zipfile.ZipFile(big, "w") as archive:
        archive.writestr("[Content_Types].xml", b'<Types><Override ContentType="%s"/></Types>' % filetypes.XLSX_MAIN)
        for i in range(filetypes.MAX_PARTS + 1):
            archive.writestr(f"p{i}", b"")
    with pytest.raises(filetypes.Refused, match="bom zip"):
        filetypes.check_table(big.getvalue(), "Tệp")
    with pytest.raises(filetypes.Refused, match="bom zip"):  # more than the import's own limit
        filetypes.check_table(xlsx([["x" * 1000]] * 3000), "Tệp", max_unpacked=2**20)


def test_a_csv_import_takes_no_workbook():
    with pytest.raises(filetypes.Refused, match="bảng tính Excel"):
        filetypes.check_csv(xlsx([["code"]]), "Tệp CSV")


def test_text_after_a_good_beginning_is_checked_too():
    with pytest.raises(filetypes.Refused, match="nhị phân"):
        filetypes.check_capture(b"Bai dang " * 1000 + EXE, "Bản lưu")


# --- Each upload point ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.xlsx", "figures.csv", "bomb.xlsx", "letter.xlsx"])
def test_org_unit_import(login, people, disguised, name):
    from core.forms import OrgUnitImportForm

    client = login(people[Role.ADMIN])
    url = reverse("core:orgunit_import")
    good = "code,name,level,parent_code\nT9,Tỉnh Thử,province,\nT9A,Huyện Thử,district,T9\n".encode()
    response = client.post(url, {"file": upload("units.csv", good, "text/csv"), "apply": "1"})
    assert response.status_code == 302 and OrgUnit.objects.filter(code="T9A").exists()
    before = (OrgUnit.objects.count(), AuditEvent.objects.count())
    response = client.post(url, {"file": upload(name, disguised[name], "text/csv"), "apply": "1"})
    assert response.status_code == 200 and f"“{field_label(OrgUnitImportForm, 'file')}”:" in response.text
    assert (OrgUnit.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("name", ["report.xlsx", "figures.csv", "bomb.xlsx", "letter.xlsx"])
def test_weekly_report_import(login, people, disguised, name):
    from reporting import importer
    from reporting.forms import CycleImportForm

    cycle = ReportCycle.objects.filter(kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()
    client = login(people[Role.FOCAL_POINT])
    url = reverse("reporting:cycle_import", args=[cycle.pk])
    columns = importer.columns_for(cycle.form)
    sub = cycle.submissions.filter(section__code="vhtt").select_related("org_unit").first()
    good = xlsx([columns, [sub.org_unit.code, "vhtt"] + [""] * (len(columns) - 2)])
    response = client.post(url, {"file": upload("bao-cao.xlsx", good), "dry_run": "on"})
    assert "file" not in response.context["form"].errors and response.context["result"] is not None
    states = list(cycle.submissions.values_list("pk", "state", "updated_at"))
    events = AuditEvent.objects.count()
    response = client.post(url, {"file": upload(name, disguised[name]), "dry_run": ""})
    assert refused(response, field_label(CycleImportForm, "file")), response.text[:300]
    assert list(cycle.submissions.values_list("pk", "state", "updated_at")) == states
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("name", ["report.xlsx", "figures.csv", "bomb.xlsx", "letter.xlsx"])
def test_listening_export_upload(login, people, disguised, name):
    from listening.forms import UploadForm

    source = Source.objects.get(kind="csv")
    client = login(people[Role.INSPECTOR])
    url = reverse("listening:source_upload", args=[source.pk])
    good = xlsx([["ID", "Nội dung", "Link"], ["u1", "Bài đăng thử nghiệm về vaccine", "https://example.com/1"]])
    response = client.post(url, {"file": upload("export.xlsx", good)})
    assert response.status_code == 302 and "token=" in response["Location"]
    waiting, posts = stored_files("uploads-waiting"), Post.objects.count()
    response = client.post(url, {"file": upload(name, disguised[name])})
    assert refused(response, field_label(UploadForm, "file"))
    assert stored_files("uploads-waiting") == waiting and Post.objects.count() == posts  # nothing kept


@pytest.mark.parametrize("name", ["report.xlsx", "figures.csv", "bomb.xlsx", "letter.xlsx"])
def test_daily_figures_import(login, people, disguised, name):
    from situation.views.imports import ImportForm

    client = login(people[Role.HEALTH_DATA])
    url = reverse("situation:import")
    today = timezone.localdate().isoformat()
    good = csv_bytes([["district", "ca_cong_dong"], ["912", "2"]])
    response = client.post(url, {"date": today, "file": upload("so-lieu.csv", good, "text/csv")})
    assert response.status_code == 200 and response.context["result"].ok
    waiting, figures, events = stored_files("uploads-waiting"), Figure.objects.count(), AuditEvent.objects.count()
    response = client.post(url, {"date": today, "file": upload(name, disguised[name], "text/csv")})
    assert refused(response, field_label(ImportForm, "file"))
    assert (stored_files("uploads-waiting"), Figure.objects.count(), AuditEvent.objects.count()) == (
        waiting,
        figures,
        events,
    )


@pytest.mark.parametrize("name", ["report.xlsx", "bomb.xlsx", "letter.xlsx", "tail.png"])
def test_evidence_copy(login, people, disguised, name):
    from misinfo.forms import EvidenceForm

    case = Case.objects.exclude(state="closed").filter(org_unit__code="899").first()
    client = login(people[Role.INSPECTOR])
    url = reverse("misinfo:evidence_add", args=[case.pk])
    response = client.post(url, {"file": upload("chup-man-hinh.png", PNG, "image/png"), "url": "", "note": ""})
    assert response.status_code == 302 and case.evidence.filter(content_type="image/png").exists()
    kept, count = stored_files("evidence"), Evidence.objects.count()
    response = client.post(url, {"file": upload(name.replace(".xlsx", ".png"), disguised[name], "image/png")})
    assert refused(response, field_label(EvidenceForm, "file"))
    assert Evidence.objects.count() == count and stored_files("evidence") == kept


@pytest.mark.parametrize("name", ["report.xlsx", "bomb.xlsx", "letter.xlsx", "tail.png"])
def test_public_tip_attachment(client, disguised, name):
    from misinfo.forms import PublicTipForm

    data = {"text": "Ảnh chụp bài đăng nói uống nước muối ấm diệt sạch virus corona trong cổ họng.", "website": ""}
    url = reverse("public:report")
    before, kept = Tip.objects.count(), stored_files("evidence")
    response = client.post(url, {**data, "attachment": upload(name.replace(".xlsx", ".pdf"), disguised[name])})
    assert refused(response, field_label(PublicTipForm, "attachment"))
    assert Tip.objects.count() == before and stored_files("evidence") == kept
    response = client.post(url, {**data, "attachment": upload("bai-bao.pdf", PDF, "application/pdf")})
    assert response.status_code == 200 and Tip.objects.latest("pk").attachment_type == "application/pdf"


@pytest.mark.parametrize("name", ["report.xlsx", "figures.csv", "letter.xlsx"])
def test_email_import(login, people, disguised, name):
    client = login(people[Role.INSPECTOR])
    url = reverse("misinfo:email_import")
    before = Tip.objects.count()
    files = [upload("tin.eml", EML, "message/rfc822"), upload(name.rsplit(".")[0] + ".eml", disguised[name])]
    response = client.post(url, {"files": files})
    assert response.status_code == 400
    assert f"{name.rsplit('.')[0]}.eml: “Thư điện tử”:" in response.text  # the file, and the field
    assert Tip.objects.count() == before  # all or nothing: the good one is not kept either
    response = client.post(url, {"files": [upload("tin.eml", EML, "message/rfc822")]})
    assert response.status_code == 302 and Tip.objects.count() == before + 1
