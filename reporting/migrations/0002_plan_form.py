"""The form attached to Plan 52/KH-STTTT ("Báo cáo nhanh kết quả tuyên truyền về phòng, chống dịch
Covid-19"), as data: it exists in every installation; a new field or form is added the same way
(or in the admin), without code."""

from django.db import migrations

CODE = "bao-cao-nhanh-tuyen-truyen"
SECTIONS = [
    ("vhtt", "Phòng Văn hóa và Thông tin", "Phòng VHTT", "culture_office", [
        ("portal_items", "Số lượng tin/bài tuyên truyền trên Cổng TTĐT thành phần", "Cổng TTĐT (tin, bài)", "", "count", True, True),
        ("content", "Nội dung tuyên truyền", "", "Nội dung tuyên truyền", "text", True, False),
        ("communes", "Phạm vi tuyên truyền: xã, phường, thị trấn", "", "Phạm vi tuyên truyền", "communes", False, False),
        ("scope_note", "Phạm vi tuyên truyền (ghi thêm)", "", "Phạm vi tuyên truyền", "text", False, False),
        ("unusual", "Các thông tin bất thường xảy ra trên địa bàn (nếu có)", "", "Các thông tin bất thường xảy ra trên địa bàn", "text", False, False),
    ]),
    ("truyenthanh", "Trung tâm Văn hóa, Thể thao và Truyền thanh", "Đài Truyền thanh", "broadcast_centre", [
        ("loudspeaker_items", "Số lượng tin/bài tuyên truyền trên hệ thống loa truyền thanh cơ sở", "Loa truyền thanh (tin, bài)", "", "count", True, True),
        ("loudspeaker_minutes", "Tổng thời lượng phát sóng tuyên truyền trên hệ thống loa truyền thanh cơ sở (phút)", "Thời lượng phát (phút)", "", "minutes", True, False),
        ("content", "Nội dung tuyên truyền", "", "Nội dung tuyên truyền", "text", True, False),
        ("communes", "Phạm vi tuyên truyền: xã, phường, thị trấn", "", "Phạm vi tuyên truyền", "communes", False, False),
        ("scope_note", "Phạm vi tuyên truyền (ghi thêm)", "", "Phạm vi tuyên truyền", "text", False, False),
        ("unusual", "Các thông tin bất thường xảy ra trên địa bàn (nếu có)", "", "Các thông tin bất thường xảy ra trên địa bàn", "text", False, False),
    ]),
]


def create(apps, schema_editor):
    ReportForm = apps.get_model("reporting", "ReportForm")
    FormSection = apps.get_model("reporting", "FormSection")
    FormField = apps.get_model("reporting", "FormField")
    form, _ = ReportForm.objects.get_or_create(
        code=CODE, defaults={"title": "Báo cáo nhanh kết quả tuyên truyền về phòng, chống dịch Covid-19"}
    )
    for order, (code, title, short, kind, fields) in enumerate(SECTIONS):
        section, _ = FormSection.objects.get_or_create(
            form=form, code=code, defaults={"title": title, "short_title": short, "owner_kind": kind, "order": order}
        )
        for forder, (fcode, label, short, part, fkind, required, in_total) in enumerate(fields):
            FormField.objects.get_or_create(section=section, code=fcode, defaults={
                "label": label, "short_label": short, "part": part, "kind": fkind,
                "required": required, "in_total": in_total, "order": forder,
            })


def remove(apps, schema_editor):
    apps.get_model("reporting", "ReportForm").objects.filter(code=CODE, cycles__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
