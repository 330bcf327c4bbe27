"""Indicator plans per region (issue 8.3): the region column, nullable until 0007 fills it (each step its
own migration: PostgreSQL refuses index and constraint changes on a table with pending deferred checks)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cnppm", "0001_initial"),
        ("monitoring", "0005_report_run_computation"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="indicatorplan", name="indicator_plan_unique"),
        migrations.AddField(
            model_name="indicatorplan",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="indicator_plans",
                to="cnppm.region",
                verbose_name="регион",
            ),
        ),
    ]
