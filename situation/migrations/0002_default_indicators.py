"""The indicators the Health Department reported daily in 2021 (Ministry of Health bulletins).
They are rows: an administrator adds, renames or retires one without a code change."""

from django.db import migrations

# (code, name, short name, kind, unit, new cases, in summary, order, definition)
DEFAULTS = [
    (
        "ca_cong_dong",
        "Ca mắc mới trong cộng đồng",
        "Mới (cộng đồng)",
        "daily",
        "ca",
        True,
        True,
        10,
        "Ca dương tính mới được phát hiện ngoài khu cách ly, phong tỏa trong ngày.",
    ),
    (
        "ca_cach_ly",
        "Ca mắc mới trong khu cách ly, phong tỏa",
        "Mới (cách ly)",
        "daily",
        "ca",
        True,
        True,
        20,
        "Ca dương tính mới đã được cách ly hoặc ở trong khu phong tỏa trước khi có kết quả xét nghiệm.",
    ),
    (
        "dang_dieu_tri",
        "Đang điều trị",
        "Đang điều trị",
        "level",
        "ca",
        False,
        True,
        30,
        "Người bệnh đang điều trị tại các cơ sở y tế và tại nhà vào cuối ngày.",
    ),
    (
        "khoi_benh",
        "Khỏi bệnh (cộng dồn)",
        "Khỏi bệnh",
        "cumulative",
        "ca",
        False,
        True,
        40,
        "Tổng số người bệnh đã được công bố khỏi bệnh từ đầu đợt dịch.",
    ),
    (
        "tu_vong",
        "Tử vong (cộng dồn)",
        "Tử vong",
        "cumulative",
        "ca",
        False,
        True,
        50,
        "Tổng số ca tử vong do Covid-19 từ đầu đợt dịch.",
    ),
    (
        "f1_cach_ly",
        "F1 đang cách ly",
        "F1 cách ly",
        "level",
        "người",
        False,
        True,
        60,
        "Người tiếp xúc gần đang cách ly tập trung hoặc tại nhà vào cuối ngày.",
    ),
    (
        "xet_nghiem",
        "Mẫu xét nghiệm (cộng dồn)",
        "Xét nghiệm",
        "cumulative",
        "mẫu",
        False,
        False,
        70,
        "Tổng số mẫu xét nghiệm SARS-CoV-2 (RT-PCR và test nhanh) đã thực hiện từ đầu đợt dịch.",
    ),
    (
        "tiem_mui_1",
        "Tiêm vắc xin mũi 1 (cộng dồn)",
        "Mũi 1",
        "cumulative",
        "liều",
        False,
        False,
        80,
        "Tổng số liều vắc xin phòng Covid-19 mũi 1 đã tiêm.",
    ),
    (
        "tiem_mui_2",
        "Tiêm vắc xin mũi 2 (cộng dồn)",
        "Mũi 2",
        "cumulative",
        "liều",
        False,
        False,
        90,
        "Tổng số liều vắc xin phòng Covid-19 mũi 2 đã tiêm.",
    ),
]


def create(apps, schema_editor):
    Indicator = apps.get_model("situation", "Indicator")
    for code, name, short, kind, unit, new_cases, headline, order, definition in DEFAULTS:
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": kind,
                "unit": unit,
                "new_cases": new_cases,
                "headline": headline,
                "order": order,
                "definition": definition,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("situation", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
