"""The plan's region becomes required once 0007 gave every plan one (a separate migration: PostgreSQL
refuses to alter a table with pending deferred constraint checks from the data step)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0007_indicator_plan_region_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="indicatorplan",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="indicator_plans",
                to="cnppm.region",
                verbose_name="регион",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicatorplan",
            constraint=models.UniqueConstraint(
                fields=("region", "indicator", "year"), name="indicator_plan_unique_region"
            ),
        ),
    ]
