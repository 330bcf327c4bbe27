"""Periods and the computation of indicators: `period_get_or_create(code)`, closing and reopening a
period (event rows), requesting a computation (a Celery task after commit) and executing it
(snapshots of every indicator, for all scopes, cumulative and for the period alone).

Where the region enters (issue 10.3): a Period belongs to one region (unique region + code), so a
computation is keyed by its period and computes that region alone: `period_get_or_create(code,
region=…)` (requests resolve the region with `access.write_region`, the command with --region, the
beat task loops over regions), the "already running" check and the lock are per period, every query of
monitoring.indicators / distributions filters on `period.region_id`, and the snapshots replaced are the
period's only. Two regions computing the same code never touch each other's rows."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from cnppm import access, jobs
from cnppm.models import Region
from cnppm.services import DomainError, event_record

from ..choices import PeriodKind
from ..models import ComputationRun, IndicatorDefinition, IndicatorSnapshot, Period

PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>Q[1-4]|H[12]|W[12]))?$")
PERIOD_HELP = "Код периода: 2024 (год), 2024-Q2 (квартал), 2024-H1 (полугодие), 2024-W1 (волна январь–апрель), 2024-W2 (волна сентябрь–декабрь)."


def parse_period_code(code: str) -> tuple[str, date, date]:
    """'2022-Q2' → (kind, starts_on, ends_on). Raises DomainError with the accepted forms."""
    m = PERIOD_RE.match((code or "").strip().upper())
    if not m:
        raise DomainError(f"Неверный код периода «{code}». {PERIOD_HELP}")
    year = int(m["year"])
    if not 2000 <= year <= 2100:
        raise DomainError(f"Неверный год периода «{code}».")
    part = m["part"]

    def months(first: int, last: int) -> tuple[date, date]:
        return date(year, first, 1), date(year, last, monthrange(year, last)[1])

    if part is None:
        return (PeriodKind.YEAR, *months(1, 12))
    n = int(part[1])
    if part[0] == "Q":
        return (PeriodKind.QUARTER, *months(3 * n - 2, 3 * n))
    if part[0] == "H":
        return (PeriodKind.HALF_YEAR, *(months(1, 6) if n == 1 else months(7, 12)))
    return (PeriodKind.WAVE, *(months(1, 4) if n == 1 else months(9, 12)))


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


def only_region() -> Region:
    """The portal's region when there is exactly one (shell commands, tests); with several the
    caller must name it: never "the first region"."""
    regions = list(Region.objects.all()[:2])
    if len(regions) != 1:
        raise DomainError("Укажите регион периода." if regions else "В системе не заведён регион.")
    return regions[0]


def period_get_or_create(code: str, *, region: Region | None = None) -> Period:
    """The period with this code in the region, created on demand. Requests resolve the region from
    the actor's scope (`access.write_region`); without one, the only region (see `only_region`)."""
    kind, starts_on, ends_on = parse_period_code(code)
    region = region or only_region()
    period, _ = Period.objects.get_or_create(
        region=region,
        code=normalize_code(code),
        defaults={"kind": kind, "starts_on": starts_on, "ends_on": ends_on},
    )
    return period


def current_period_codes(today: date | None = None) -> list[str]:
    """The periods that contain today: the quarter, the half-year, the year, and the wave if any."""
    today = today or timezone.localdate()
    codes = [
        f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        f"{today.year}-H{1 if today.month <= 6 else 2}",
        str(today.year),
    ]
    if today.month <= 4:
        codes.append(f"{today.year}-W1")
    elif today.month >= 9:
        codes.append(f"{today.year}-W2")
    return codes


def _require_region(actor, period: Period) -> None:
    """A person changes only their own region's periods (the shell command and the beat task act
    without an actor). Another region's period answers like a missing one."""
    if actor is not None and period.region_id not in access.region_ids_for_write(actor):
        raise DomainError("Период не найден.", code="not_found")


@transaction.atomic
def period_close(*, actor, period: Period, comment: str = "") -> Period:
    """Close a period: its snapshots become final (reports read them; recomputation is refused)."""
    _require_region(actor, period)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise DomainError(f"Период {period.code} уже закрыт.")
    if not period.snapshots.exists():
        raise DomainError(f"Период {period.code} ещё не рассчитан: сначала выполните расчёт показателей.")
    period.is_closed = True
    period.save(update_fields=["is_closed"])
    event_record(
        actor=actor,
        target=period,
        verb="period_closed",
        field="is_closed",
        old=False,
        new=True,
        comment=comment,
    )
    return period


@transaction.atomic
def period_reopen(*, actor, period: Period, reason: str) -> Period:
    """Reopen a closed period so that it may be recomputed; the reason is required and recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите причину, по которой период открывается для пересчёта.")
    _require_region(actor, period)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise DomainError(f"Период {period.code} не закрыт.")
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    event_record(
        actor=actor,
        target=period,
        verb="period_reopened",
        field="is_closed",
        old=True,
        new=False,
        comment=reason,
    )
    return period


@transaction.atomic
def computation_request(*, actor, period: Period, enqueue: bool = True) -> ComputationRun:
    """Queue a computation of all indicators for the period (the Celery task starts after commit;
    with `enqueue=False` the caller runs `computation_execute` itself, as the shell command does).
    Refused for a closed period, and while another computation of it is queued or running."""
    _require_region(actor, period)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise DomainError(
            f"Период {period.code} закрыт: его значения окончательные. Чтобы пересчитать, сначала откройте период."
        )
    # "Already running" only while the run's worker is alive: a run whose heartbeat is stale is failed.
    jobs.supersede_stale(period.runs.all())
    if period.runs.filter(jobs.live_q()).exists():
        raise DomainError(f"Расчёт за период {period.code} уже выполняется. Дождитесь его окончания.")
    run = ComputationRun.objects.create(
        period=period, requested_by=actor if getattr(actor, "pk", None) else None
    )
    event_record(actor=actor, target=run, verb="computation_requested", new=period.code)

    if enqueue:
        from ..tasks import compute_period

        transaction.on_commit(lambda: compute_period.delay(run.pk))
    return run


def computation_execute(*, run_id: int) -> ComputationRun:
    """Compute every indicator for the run's period, cumulative and for the period alone, for all
    scopes; replace the period's snapshots in one transaction; record progress and the outcome. A run
    that is finished, or computed by a live worker, is left as it is (a redelivered task); a run whose
    worker died is taken over (cnppm.jobs). A broken computation is not retried: the error is raised
    after it is recorded."""
    with jobs.run_guard(ComputationRun, run_id, reraise=True) as lease:
        if lease is not None:
            _compute(lease, ComputationRun.objects.select_related("period").get(pk=run_id))
    return ComputationRun.objects.get(pk=run_id)


def _compute(lease: jobs.Lease, run: ComputationRun) -> None:
    from ..definitions import ensure_definitions
    from ..distributions import compute_by_municipality, merge
    from ..indicators import compute_all, materialised, window_for

    period = run.period
    if period.is_closed:
        raise DomainError("Период закрыт: пересчёт не выполняется.")
    lease.beat(progress=0)
    ensure_definitions()
    definitions = dict(IndicatorDefinition.objects.values_list("code", "id"))
    computed = {}
    steps = 2
    # The indicators and the distributions of a window read one set of routes and attempts.
    with materialised():
        for step, cumulative in enumerate((True, False)):

            def progress(done, total, step=step):
                lease.beat(progress=int(100 * (step * total + done) / (steps * total)) - 1)

            computed[cumulative] = compute_all(period, cumulative, progress=progress)

        dists = {c: compute_by_municipality(period.region_id, window_for(period, c)) for c in (True, False)}

    rows = []
    for cumulative, by_code in computed.items():
        for code, found in by_code.items():
            if code not in definitions:
                continue
            for row in found:
                inputs = row.inputs
                if code == "F2" and row.scope_level == "region":
                    per_muni = dists[cumulative]
                    inputs = dict(inputs) | {
                        "distributions": {
                            "region": merge(per_muni.values()),
                            "by_municipality": {str(k): v for k, v in per_muni.items() if k is not None},
                        }
                    }
                rows.append(_snapshot_row(definitions[code], cumulative, row, inputs))
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        if locked.is_closed:
            raise DomainError("Период закрыт во время расчёта: значения не изменены.")
        IndicatorSnapshot.objects.filter(period=period).delete()
        snapshots_insert(run=run, rows=rows)
        # Inside the transaction: an attempt that lost its lease rolls its snapshots back.
        lease.finish(progress=100)


# --- Writing the snapshots: one INSERT … SELECT ----------------------------------------------------

# The columns a computed row fills (the run, the period and the time are the same for all rows).
SNAPSHOT_COLUMNS = (
    ("indicator_id", "int", "integer"),
    ("cumulative", "boolean", "integer"),
    ("scope_level", "text", "text"),
    ("municipality_id", "int", "integer"),
    ("organization_id", "int", "integer"),
    ("numerator", "numeric", "numeric"),
    ("denominator", "numeric", "numeric"),
    ("value", "numeric", "numeric"),
    ("inputs", "jsonb", "json"),
    ("note", "text", "text"),
)


def _number(value):
    return None if value is None else str(value)


def _snapshot_row(indicator_id: int, cumulative: bool, row, inputs: dict) -> dict:
    return {
        "indicator_id": indicator_id,
        "cumulative": cumulative,
        "scope_level": str(row.scope_level),
        "municipality_id": row.municipality_id,
        "organization_id": row.organization_id,
        "numerator": _number(row.numerator),
        "denominator": _number(row.denominator),
        "value": _number(row.value),
        "inputs": inputs,
        "note": row.note[:500],
    }


def snapshots_insert(*, run: ComputationRun, rows: list[dict]) -> int:
    """Store a computation's rows with one statement whatever their number: the rows travel as one
    JSON array and the database unpacks them (PostgreSQL `jsonb_to_recordset`, SQLite `json_each`),
    instead of a parameter list compiled per row. Numbers travel as decimal strings (exact), `inputs`
    as JSON; what is read back is what `bulk_create` stored. Returns the number of rows."""
    if not rows:
        return 0
    table = connection.ops.quote_name(IndicatorSnapshot._meta.db_table)
    names = [c for c, _, _ in SNAPSHOT_COLUMNS]
    target = ", ".join(["run_id", "period_id", "computed_at", *names])
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    if connection.vendor == "postgresql":
        record = ", ".join(f"{c} {pg}" for c, pg, _ in SNAPSHOT_COLUMNS)
        sql = (
            f"INSERT INTO {table} ({target}) SELECT %s, %s, %s, {', '.join('r.' + c for c in names)} "
            f"FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
        )
    else:
        # json_extract gives SQL values (numbers from strings by the columns' numeric affinity);
        # `inputs` is kept as JSON text, the way JSONField stores it on SQLite.
        picks = ", ".join(
            f"json(json_extract(j.value, '$.{c}'))" if kind == "json" else f"json_extract(j.value, '$.{c}')"
            for c, _, kind in SNAPSHOT_COLUMNS
        )
        sql = f"INSERT INTO {table} ({target}) SELECT %s, %s, %s, {picks} FROM json_each(%s) AS j"
    computed_at = IndicatorSnapshot._meta.get_field("computed_at").get_db_prep_value(
        timezone.now(), connection
    )
    with connection.cursor() as cur:
        cur.execute(sql, [run.pk, run.period_id, computed_at, payload])
    return len(rows)
