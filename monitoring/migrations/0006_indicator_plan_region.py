"""Indicator plans per region (issue 8.3): existing plans go to the only region, or are copied to
each region when there are several, so no plan is lost."""

import django.db.models.deletion
from django.db import migrations, models


def assign_regions(apps, schema_editor):
    Region = apps.get_model("cnppm", "Region")
    IndicatorPlan = apps.get_model("monitoring", "IndicatorPlan")
    region_ids = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    plans = list(IndicatorPlan.objects.filter(region__isnull=True))
    if not plans:
        return
    if not region_ids:
        # No region to plan for: a plan of no region means nothing (and the field becomes required).
        IndicatorPlan.objects.filter(region__isnull=True).delete()
        return
    first, others = region_ids[0], region_ids[1:]
    copies = [
        IndicatorPlan(
            region_id=region_id,
            indicator_id=p.indicator_id,
            year=p.year,
            value=p.value,
            entered_by_id=p.entered_by_id,
        )
        for p in plans
        for region_id in others
    ]
    IndicatorPlan.objects.filter(region__isnull=True).update(region_id=first)
    IndicatorPlan.objects.bulk_create(copies)


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
        migrations.RunPython(assign_regions, migrations.RunPython.noop),
    ]
