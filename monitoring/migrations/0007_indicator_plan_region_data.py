"""Existing indicator plans go to the only region, or are copied to each region when there are
several, so no plan is lost (issue 8.3)."""

from django.db import migrations


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


def keep_one_per_year(apps, schema_editor):
    """Backwards: plans had no region, so one plan per indicator and year stays (the earliest row)."""
    from django.db.models import Min

    IndicatorPlan = apps.get_model("monitoring", "IndicatorPlan")
    keep = IndicatorPlan.objects.values("indicator_id", "year").annotate(first=Min("pk")).values("first")
    IndicatorPlan.objects.exclude(pk__in=[row["first"] for row in keep]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cnppm", "0001_initial"),
        ("monitoring", "0006_indicator_plan_region"),
    ]

    operations = [migrations.RunPython(assign_regions, keep_one_per_year)]
