"""Monitoring: indicator definitions with yearly plans, monitoring periods, stored snapshots of computed
values with their inputs, computation runs, report runs, and the Centre's regional events."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cnppm.jobs import JobRun
from cnppm.models import Municipality, Organization, Region

from .choices import (
    IndicatorCode,
    IndicatorUnit,
    PeriodKind,
    ReportAudience,
    ReportFormat,
    ReportKind,
    RunStatus,
    ScopeLevel,
)


class IndicatorDefinition(models.Model):
    """An indicator of the Centre's monitoring (F2, IOM_SHARE, …): what it counts, described in words
    for the interface (numerator, denominator), and its unit."""

    code = models.CharField("код", max_length=30, choices=IndicatorCode.choices, unique=True)
    name = models.CharField("наименование", max_length=500)
    numerator_text = models.TextField("числитель", blank=True)
    denominator_text = models.TextField("знаменатель", blank=True)
    formula_text = models.CharField("формула", max_length=300, blank=True)
    unit = models.CharField(
        "единица", max_length=10, choices=IndicatorUnit.choices, default=IndicatorUnit.PERCENT
    )
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "показатель"
        verbose_name_plural = "показатели"
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code}: {self.name}"


class IndicatorPlan(models.Model):
    """The planned value of an indicator for a year in a region (Kirov's form shows plan and achieved);
    each region's operator plans their own region."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="indicator_plans", verbose_name="регион")
    indicator = models.ForeignKey(
        IndicatorDefinition, models.CASCADE, related_name="plans", verbose_name="показатель"
    )
    year = models.PositiveSmallIntegerField("год")
    value = models.DecimalField("плановое значение", max_digits=12, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )
    entered_at = models.DateTimeField("внесено", auto_now=True)

    class Meta:
        verbose_name = "плановое значение"
        verbose_name_plural = "плановые значения"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year"], name="indicator_plan_unique_region"
            )
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.year}: {self.value}"


class Period(models.Model):
    """A monitoring period: quarter, half-year, year or diagnostics wave, e.g. 2022-Q2. A closed period's
    snapshots are final: reports for it read the snapshots, not live data."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="periods", verbose_name="регион")
    code = models.CharField("код", max_length=20)
    kind = models.CharField("вид", max_length=10, choices=PeriodKind.choices)
    starts_on = models.DateField("начало")
    ends_on = models.DateField("окончание")
    is_closed = models.BooleanField("закрыт", default=False)

    class Meta:
        verbose_name = "период мониторинга"
        verbose_name_plural = "периоды мониторинга"
        ordering = ["-ends_on", "kind"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="period_unique_code")]

    def __str__(self):
        return self.code


class ComputationRun(JobRun):
    """One computation of all indicators for a period (Celery task), with progress; its lifecycle
    (lease, heartbeat, attempts) comes from cnppm.jobs.JobRun."""

    job_task = "monitoring.tasks.compute_period"

    period = models.ForeignKey(Period, models.CASCADE, related_name="runs", verbose_name="период")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="запустил",
    )
    status = models.CharField("статус", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    created_at = models.DateTimeField("запрошено", auto_now_add=True)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "расчёт показателей"
        verbose_name_plural = "расчёты показателей"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Расчёт {self.period_id} ({self.get_status_display()})"


class IndicatorSnapshot(models.Model):
    """A computed value of an indicator for a period and scope, with its inputs, stored so that a
    closed period's report does not change when data changes later."""

    run = models.ForeignKey(
        ComputationRun, models.SET_NULL, null=True, related_name="snapshots", verbose_name="расчёт"
    )
    period = models.ForeignKey(Period, models.CASCADE, related_name="snapshots", verbose_name="период")
    indicator = models.ForeignKey(
        IndicatorDefinition, models.CASCADE, related_name="snapshots", verbose_name="показатель"
    )
    cumulative = models.BooleanField("нарастающим итогом", default=True)
    scope_level = models.CharField("уровень", max_length=15, choices=ScopeLevel.choices)
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="организация"
    )
    numerator = models.DecimalField("числитель", max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField("знаменатель", max_digits=14, decimal_places=2, null=True, blank=True)
    value = models.DecimalField("значение", max_digits=14, decimal_places=4, null=True, blank=True)
    inputs = models.JSONField("исходные данные", default=dict, blank=True)
    note = models.CharField("примечание", max_length=500, blank=True)
    computed_at = models.DateTimeField("рассчитано", auto_now=True)

    class Meta:
        verbose_name = "значение показателя"
        verbose_name_plural = "значения показателей"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "cumulative", "scope_level", "municipality", "organization"],
                name="snapshot_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["period", "scope_level"])]

    def __str__(self):
        return f"{self.indicator_id} {self.period_id} {self.scope_level}: {self.value}"


class ReportRun(JobRun):
    """A report requested for a period (and municipality), rendered by a Celery task and stored; its
    lifecycle (lease, heartbeat, attempts) comes from cnppm.jobs.JobRun."""

    job_task = "monitoring.tasks_reports.render_report_run"

    kind = models.CharField("отчёт", max_length=30, choices=ReportKind.choices)
    format = models.CharField("формат", max_length=5, choices=ReportFormat.choices)
    # The aggregate rendering is a separate file: a full one (with names) never reaches the ministry.
    audience = models.CharField(
        "для кого", max_length=10, choices=ReportAudience.choices, default=ReportAudience.FULL
    )
    period = models.ForeignKey(Period, models.PROTECT, related_name="reports", verbose_name="период")
    compare_with = models.ForeignKey(
        Period, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="сравнить с периодом"
    )
    municipality = models.ForeignKey(
        Municipality,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="муниципалитет",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="запросил",
    )
    status = models.CharField("статус", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # The computation whose snapshots the file prints (the dashboard's), and when it computed them.
    computation = models.ForeignKey(
        ComputationRun,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="расчёт показателей",
    )
    computed_at = models.DateTimeField("показатели рассчитаны", null=True, blank=True)
    file = models.FileField("файл", upload_to="reports/%Y/%m/", blank=True)
    error = models.TextField("ошибка", blank=True)
    created_at = models.DateTimeField("запрошен", auto_now_add=True)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("сформирован", null=True, blank=True)

    class Meta:
        verbose_name = "отчёт"
        verbose_name_plural = "отчёты"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_id} ({self.get_status_display()})"


class RegionalEvent(models.Model):
    """A regional event held by the Centre (REGIONAL_EVENTS; the quarterly form lists them)."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="events", verbose_name="регион")
    title = models.CharField("название", max_length=500)
    kind = models.CharField("форма", max_length=100, blank=True)
    held_on = models.DateField("дата проведения")
    participants = models.PositiveIntegerField("участников", default=0)
    organizer = models.CharField("организатор", max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )
    entered_at = models.DateTimeField("внесено", auto_now=True)

    class Meta:
        verbose_name = "региональное мероприятие ЦНППМ"
        verbose_name_plural = "региональные мероприятия ЦНППМ"
        ordering = ["-held_on"]

    def __str__(self):
        return self.title
