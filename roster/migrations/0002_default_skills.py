from django.db import migrations

SKILLS = [
    ("network", "Mạng"),
    ("database", "Cơ sở dữ liệu"),
    ("security", "An toàn thông tin"),
    ("server", "Máy chủ, ảo hóa"),
    ("video", "Họp trực tuyến"),
]


def add(apps, schema_editor):
    Skill = apps.get_model("roster", "Skill")
    for code, name in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("roster", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
