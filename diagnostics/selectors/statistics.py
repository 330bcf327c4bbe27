"""Statistics of an instrument for operators, methodists, school heads and the ministry: per block,
by municipality, organization, qualification category and experience band; item facility and
discrimination. Everything is aggregated in the database (GROUP BY with Count/Avg/Min/Max; the
median with PERCENTILE_CONT on PostgreSQL, or one ordered values_list per table elsewhere).

Which results count: the latest final attempt of each participant (external results included),
made in an organization whose aggregates the user may see (`access.aggregate_organization_q`, on the
organization recorded in the attempt: people are counted where they were)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from cnppm import access, disclosure
from cnppm.choices import ExperienceBand, QualificationCategory, Role
from diagnostics.choices import AttemptStatus, DeficitLevel, ItemType
from diagnostics.models import Answer, Attempt, BlockResult, CompetenceBlock, Instrument, Item

# Who may open statistics pages; rows are narrowed further by aggregate_organization_q.
STATISTICS_ROLES = (
    Role.OPERATOR,
    Role.REGIONAL_METHODIST,
    Role.MUNICIPAL_METHODIST,
    Role.SCHOOL_HEAD,
    Role.MINISTRY,
)

LEVELS = (DeficitLevel.HIGH, DeficitLevel.MEDIUM, DeficitLevel.MINIMAL)
FACILITY_HIGH = 0.9  # nearly everybody answers correctly
FACILITY_LOW = 0.1  # nearly nobody answers correctly
DISCRIMINATION_LOW = 0.2

GROUPINGS = {
    "municipality": "Муниципалитет",
    "organization": "Организация",
    "category": "Квалификационная категория",
    "experience": "Педагогический стаж",
}


def pct(value) -> Decimal | None:
    """One decimal, rounded half up (DOMAIN.md 'Monitoring')."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Median(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous median."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_in_sql() -> bool:
    return connection.vendor == "postgresql"


def _median_of_sorted(values: list) -> float | None:
    if not values:
        return None
    n = len(values)
    mid = n // 2
    if n % 2:
        return float(values[mid])
    return (float(values[mid - 1]) + float(values[mid])) / 2


@dataclass
class Row:
    """One line of a statistics table."""

    key: object
    label: str
    participants: int
    mean: Decimal | None
    median: Decimal | None
    min: Decimal | None
    max: Decimal | None
    levels: dict[str, int] = field(default_factory=dict)
    suppressed: bool = False
    parent: object = None  # an organization's municipality (the table that adds its rows up)

    def suppress(self) -> None:
        """Hide the figures of a group (cnppm.disclosure decides which); the head count stays."""
        self.mean = self.median = self.min = self.max = None
        self.levels = {}
        self.suppressed = True

    def hide_extremes(self) -> None:
        """Minimum and maximum are one person's result each: hidden when a group of this total is."""
        self.min = self.max = None

    @property
    def suppression_note(self) -> str:
        if not self.suppressed:
            return ""
        if self.participants < disclosure.threshold():
            return f"менее {disclosure.threshold()} участников: показатели скрыты"
        return "показатели скрыты, чтобы по разности нельзя было вычислить малую группу"

    @property
    def level_shares(self) -> dict[str, Decimal | None]:
        return {
            lvl: pct(Decimal(n) * 100 / self.participants) if self.participants else None
            for lvl, n in self.levels.items()
        }

    @property
    def level_cells(self) -> list[tuple[int | None, Decimal | None]]:
        if self.suppressed:
            return [(None, None) for _ in LEVELS]
        shares = self.level_shares
        return [(self.levels.get(lvl, 0), shares.get(lvl)) for lvl in LEVELS]


@dataclass
class ItemRow:
    item_id: int
    variant_number: int
    number: int
    block: str
    type_label: str
    topic: str
    answered: int
    facility: Decimal | None  # share of the maximum, 0..1
    discrimination: Decimal | None  # item-total correlation (point-biserial for 0/1 items)
    flag: str


@dataclass
class InstrumentStatistics:
    instrument: Instrument
    overall: Row
    blocks: list[Row]
    groups: dict[str, list[Row]]
    group_source: str  # "" for the overall result, or the block's name
    items: list[ItemRow]
    external: int


# --- building blocks ------------------------------------------------------------------------------


def final_attempts(*, user, instrument: Instrument) -> QuerySet:
    """The latest final attempt of each participant inside the user's aggregate scope."""
    later = Attempt.objects.filter(
        person_id=OuterRef("person_id"),
        instrument_id=OuterRef("instrument_id"),
        status=AttemptStatus.FINAL,
        number__gt=OuterRef("number"),
    )
    return (
        Attempt.objects.filter(instrument=instrument, status=AttemptStatus.FINAL, percent__isnull=False)
        .filter(access.aggregate_organization_q(user, "organization"), access.consenting_q("person"))
        .filter(~Exists(later))
    )


def _experience_expr(prefix: str):
    years = f"{prefix}person__experience_years"
    return Case(
        When(**{f"{years}__isnull": True}, then=Value("")),
        When(**{f"{years}__lte": 5}, then=Value(ExperienceBand.UNDER_5.value)),
        When(**{f"{years}__lte": 20}, then=Value(ExperienceBand.FROM_6_TO_20.value)),
        default=Value(ExperienceBand.OVER_20.value),
        output_field=CharField(),
    )


def _grouping(kind: str, prefix: str):
    """(annotations, group fields, label function) for a grouping, `prefix` leading to the attempt."""
    if kind == "municipality":
        fields = [f"{prefix}organization__municipality_id", f"{prefix}organization__municipality__name"]
        return {}, fields, lambda r: r[fields[1]], lambda r: r[fields[0]]
    if kind == "organization":
        fields = [
            f"{prefix}organization_id",
            f"{prefix}organization__short_name",
            f"{prefix}organization__municipality__name",
            f"{prefix}organization__municipality_id",
        ]
        return {}, fields, lambda r: f"{r[fields[1]]} ({r[fields[2]]})", lambda r: r[fields[0]]
    if kind == "category":
        fields = [f"{prefix}person__qualification_category"]
        labels = dict(QualificationCategory.choices)
        return {}, fields, lambda r: labels.get(r[fields[0]], "не указана"), lambda r: r[fields[0]]
    if kind == "experience":
        labels = dict(ExperienceBand.choices)
        return (
            {"band": _experience_expr(prefix)},
            ["band"],
            lambda r: labels.get(r["band"], "не указан"),
            lambda r: r["band"],
        )
    raise ValueError(kind)


def _aggregates(qs: QuerySet) -> dict:
    aggs = {
        "n": Count("id"),
        "mean": Avg("percent"),
        "lo": Min("percent"),
        "hi": Max("percent"),
        **{f"lvl_{lvl}": Count("id", filter=Q(level=lvl)) for lvl in LEVELS},
    }
    if _median_in_sql():
        aggs["med"] = Median("percent")
    return aggs


def _row(key, label, data: dict, median) -> Row:
    return Row(
        key=key,
        label=label,
        participants=data["n"] or 0,
        mean=pct(data["mean"]),
        median=pct(median if median is not None else data.get("med")),
        min=pct(data["lo"]),
        max=pct(data["hi"]),
        levels={lvl: data[f"lvl_{lvl}"] or 0 for lvl in LEVELS},
    )


def _medians_by(qs: QuerySet, key_fields: list[str], annotations: dict) -> dict:
    """SQLite fallback: one ordered values_list for the whole table, split by group in Python."""
    if _median_in_sql():
        return {}
    rows = qs.annotate(**annotations).order_by(*key_fields, "percent").values_list(*key_fields, "percent")
    groups: dict = {}
    for *key, value in rows:
        groups.setdefault(tuple(key), []).append(value)
    return {k: _median_of_sorted(v) for k, v in groups.items()}


def summary(qs: QuerySet, label: str = "Все участники") -> Row:
    data = qs.aggregate(**_aggregates(qs))
    median = None
    if not _median_in_sql():
        median = _median_of_sorted(list(qs.order_by("percent").values_list("percent", flat=True)))
    return _row(None, label, data, median)


def grouped(qs: QuerySet, kind: str, *, prefix: str = "") -> list[Row]:
    """`qs` is of Attempt (prefix "") or BlockResult (prefix "attempt__")."""
    annotations, fields, label_of, key_of = _grouping(kind, prefix)
    base = qs.annotate(**annotations) if annotations else qs
    data = base.values(*fields).annotate(**_aggregates(qs)).order_by(*fields)
    medians = _medians_by(qs, fields, annotations)
    rows = []
    for d in data:
        key = tuple(d[f] for f in fields)
        row = _row(key_of(d), label_of(d), d, medians.get(key))
        if kind == "organization":
            row.parent = d[fields[3]]
        rows.append(row)
    return rows


def block_rows(attempts: QuerySet) -> list[Row]:
    results = BlockResult.objects.filter(attempt__in=attempts.values("id"))
    fields = ["block_id", "block__name", "block__order"]
    data = results.values(*fields).annotate(**_aggregates(results)).order_by("block__order", "block__name")
    medians = _medians_by(results, ["block_id"], {})
    return [_row(d["block_id"], d["block__name"], d, medians.get((d["block_id"],))) for d in data]


def item_rows(attempts: QuerySet) -> list[ItemRow]:
    """Facility (mean share of the item's points) and discrimination (the correlation of the item's
    score with the participant's percent), from sums computed in the database: per item over the
    answers, per variant over the attempts (an unanswered item scores 0)."""
    attempts = attempts.filter(is_external=False, variant__isnull=False)
    per_variant = {
        v["variant_id"]: v
        for v in attempts.values("variant_id").annotate(
            n=Count("id"),
            sy=Sum(Cast("percent", FloatField())),
            syy=Sum(Cast("percent", FloatField()) * Cast("percent", FloatField())),
        )
    }
    if not per_variant:
        return []
    score = Cast("points", FloatField()) / Cast("item__points", FloatField())
    per_item = {
        a["item_id"]: a
        for a in Answer.objects.filter(
            attempt__in=attempts.values("id"), points__isnull=False, item__points__gt=0
        )
        .values("item_id")
        .annotate(
            answered=Count("id"),
            sx=Sum(score),
            sxx=Sum(score * score),
            sxy=Sum(score * Cast("attempt__percent", FloatField())),
        )
    }
    items = (
        Item.objects.filter(variant_id__in=per_variant.keys(), block__is_scored=True)
        .exclude(type=ItemType.SELF_ANALYSIS)
        .select_related("variant", "block")
        .order_by("variant__number", "number")
    )
    type_labels = dict(ItemType.choices)
    rows = []
    for item in items:
        v = per_variant[item.variant_id]
        a = per_item.get(item.id, {"answered": 0, "sx": 0.0, "sxx": 0.0, "sxy": 0.0})
        n = v["n"]
        sx, sxx, sxy = a["sx"] or 0.0, a["sxx"] or 0.0, a["sxy"] or 0.0
        sy, syy = v["sy"] or 0.0, v["syy"] or 0.0
        facility = sx / n if n else None
        disc = None
        denom = (n * sxx - sx * sx) * (n * syy - sy * sy)
        if n > 1 and denom > 1e-12:
            disc = (n * sxy - sx * sy) / math.sqrt(denom)
        flag = ""
        if facility is not None and facility >= FACILITY_HIGH:
            flag = "почти все справились"
        elif facility is not None and facility <= FACILITY_LOW:
            flag = "почти никто не справился"
        elif disc is not None and disc < DISCRIMINATION_LOW:
            flag = "слабо различает участников"
        rows.append(
            ItemRow(
                item_id=item.id,
                variant_number=item.variant.number,
                number=item.number,
                block=item.block.name,
                type_label=type_labels.get(item.type, item.type),
                topic=item.topic,
                answered=a["answered"],
                facility=Decimal(str(facility)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if facility is not None
                else None,
                discrimination=Decimal(str(disc)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if disc is not None
                else None,
                flag=flag,
            )
        )
    return rows


# --- the public selectors ------------------------------------------------------------------------


def suppress_for_aggregate_viewers(
    overall: Row, blocks: list[Row], groups: dict[str, list[Row]], block: CompetenceBlock | None
) -> None:
    """The ministry's view (cnppm.disclosure): small groups hidden with their complements, in each
    grouping (a partition of the overall result, or of the chosen block's row) and for organizations
    also within their municipality; the minimum and maximum of every total once any group is hidden."""
    limit = disclosure.threshold()
    for row in [overall, *blocks]:  # blocks count the same people again: no partition to difference
        if row.participants < limit:
            row.suppress()
    total = overall if block is None else next((r for r in blocks if r.key == block.pk), None)
    hidden = disclosure.suppress_rows(total, groups["municipality"])
    hidden_munis = {r.key for r in groups["municipality"] if id(r) in hidden}
    hidden |= disclosure.suppress_rows(
        total, groups["organization"], nest=lambda r: r.parent, hidden_parents=hidden_munis
    )
    for kind in ("category", "experience"):
        hidden |= disclosure.suppress_rows(total, groups[kind])
    if hidden:
        for row in [overall, *blocks]:
            row.hide_extremes()


def statistics_instruments(*, user) -> QuerySet:
    """Instruments with the number of participants the user may count (published or archived)."""
    later = Attempt.objects.filter(
        person_id=OuterRef("person_id"),
        instrument_id=OuterRef("instrument_id"),
        status=AttemptStatus.FINAL,
        number__gt=OuterRef("number"),
    )
    counted = Q(attempts__status=AttemptStatus.FINAL) & Q(
        attempts__in=Attempt.objects.filter(access.aggregate_organization_q(user, "organization"))
        .filter(access.consenting_q("person"), status=AttemptStatus.FINAL)
        .filter(~Exists(later))
        .values("id")
    )
    return (
        Instrument.objects.exclude(status="draft")
        .select_related("subject")
        .annotate(participants=Count("attempts", filter=counted, distinct=True))
        .order_by("-created_at", "id")
    )


def instrument_statistics(
    *, user, instrument: Instrument, block: CompetenceBlock | None = None
) -> InstrumentStatistics:
    attempts = final_attempts(user=user, instrument=instrument)
    if block is not None:
        source = BlockResult.objects.filter(attempt__in=attempts.values("id"), block=block)
        prefix = "attempt__"
    else:
        source, prefix = attempts, ""
    overall, blocks = summary(attempts), block_rows(attempts)
    groups = {kind: grouped(source, kind, prefix=prefix) for kind in GROUPINGS}
    items = item_rows(attempts)
    if disclosure.aggregate_only(user):
        suppress_for_aggregate_viewers(overall, blocks, groups, block)
        for item in items:  # an item answered by two: its facility is their answers
            if item.answered < disclosure.threshold():
                item.facility = item.discrimination = None
                item.flag = ""
    return InstrumentStatistics(
        instrument=instrument,
        overall=overall,
        blocks=blocks,
        groups=groups,
        group_source=block.name if block is not None else "",
        items=items,
        external=attempts.filter(is_external=True).count(),
    )


__all__ = [
    "GROUPINGS",
    "LEVELS",
    "STATISTICS_ROLES",
    "InstrumentStatistics",
    "final_attempts",
    "instrument_statistics",
    "pct",
    "statistics_instruments",
]
