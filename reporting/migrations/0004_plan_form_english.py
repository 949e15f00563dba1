"""English wording of the plan's form, shown when a page is in English."""

from django.db import migrations

SECTIONS = {
    "vhtt": ("Culture and Information Office", "Culture office"),
    "truyenthanh": ("Culture, Sports and Broadcasting Centre", "Broadcasting centre"),
}
FIELDS = {
    "portal_items": ("News items and articles on the district's web portal", "Web portal (items)"),
    "loudspeaker_items": ("News items on the grassroots loudspeaker system", "Loudspeakers (items)"),
    "loudspeaker_minutes": ("Total loudspeaker broadcast time (minutes)", "Broadcast (minutes)"),
    "content": ("Content of the communication", ""),
    "communes": ("Scope: communes, wards and towns reached", ""),
    "scope_note": ("Scope (other details)", ""),
    "unusual": ("Unusual information in the area (if any)", ""),
}


def add(apps, schema_editor):
    FormSection = apps.get_model("reporting", "FormSection")
    FormField = apps.get_model("reporting", "FormField")
    for code, (title, short) in SECTIONS.items():
        FormSection.objects.filter(form__code="bao-cao-nhanh-tuyen-truyen", code=code, title_en="").update(
            title_en=title, short_title_en=short
        )
    for code, (label, short) in FIELDS.items():
        FormField.objects.filter(
            section__form__code="bao-cao-nhanh-tuyen-truyen", code=code, label_en=""
        ).update(label_en=label, short_label_en=short)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_english_labels")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
