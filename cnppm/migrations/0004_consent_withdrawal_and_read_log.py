from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cnppm", "0003_default_subjects"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="consent_withdrawn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="согласие на обработку ПДн отозвано"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="consent_withdrawn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="согласие на обработку ПДн отозвано"
            ),
        ),
        migrations.AddField(
            model_name="personaldataaccess",
            name="person_ids",
            field=models.JSONField(blank=True, default=list, verbose_name="чьи данные (id людей)"),
        ),
    ]
