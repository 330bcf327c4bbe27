"""The subject areas of the seed (Stavropol order, seed 004), so a fresh install has them. Existing
rows with the same code are left as they are; operators add regional ones in the admin."""

from django.db import migrations

SUBJECTS = [
    ("physics", "физика"),
    ("chemistry", "химия"),
    ("biology", "биология"),
    ("history", "история"),
    ("social-studies", "обществознание"),
    ("russian", "русский язык"),
    ("literature", "литература"),
    ("mathematics", "математика"),
    ("informatics", "информатика"),
    ("english", "английский язык"),
    ("geography", "география"),
    ("primary", "начальная школа"),
    ("school-heads", "руководители ОО"),
    ("municipal-services", "муниципальные методические службы"),
]


def add(apps, schema_editor):
    Subject = apps.get_model("cnppm", "Subject")
    for order, (code, name) in enumerate(SUBJECTS, start=1):
        if not Subject.objects.filter(code=code).exists() and not Subject.objects.filter(name=name).exists():
            Subject.objects.create(code=code, name=name, order=order)


class Migration(migrations.Migration):
    dependencies = [("cnppm", "0002_consent_document_v1")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
