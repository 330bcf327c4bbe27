"""The competence blocks of DOMAIN.md (teachers and managers, plus unscored self-analysis), so a
fresh install has them. Regions add their own as data."""

from django.db import migrations

BLOCKS = [
    ("subject", "Предметные компетенции", "teachers", True),
    ("methodical", "Методические компетенции", "teachers", True),
    ("psychological", "Психолого-педагогические компетенции", "teachers", True),
    ("communicative", "Коммуникативные компетенции", "teachers", True),
    ("ict", "ИКТ-компетенции", "teachers", True),
    ("self-analysis", "Самоанализ", "teachers", False),
    ("mgmt-processes", "Управление процессами", "managers", True),
    ("mgmt-resources", "Управление ресурсами", "managers", True),
    ("mgmt-staff", "Управление кадрами", "managers", True),
    ("mgmt-results", "Управление результатами", "managers", True),
    ("mgmt-information", "Управление информацией", "managers", True),
    ("mgmt-self-analysis", "Самоанализ руководителя", "managers", False),
]


def add(apps, schema_editor):
    CompetenceBlock = apps.get_model("diagnostics", "CompetenceBlock")
    for order, (code, name, audience, scored) in enumerate(BLOCKS, start=1):
        CompetenceBlock.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "is_scored": scored, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
