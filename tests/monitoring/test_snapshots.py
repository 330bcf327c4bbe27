"""Snapshots: stored with their inputs, a closed period does not change when data changes, a total
row equals the sum of its rows, recomputation refused for a closed period until it is reopened."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from monitoring import selectors
from monitoring.choices import RunStatus
from monitoring.models import IndicatorSnapshot
from monitoring.services.computation import (
    computation_request,
    parse_period_code,
    period_close,
    period_get_or_create,
    period_reopen,
)
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory
from tests.helpers import assert_same_queries, count_queries
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db


def f2_region(period, cumulative=True):
    return IndicatorSnapshot.objects.get(
        period=period, indicator__code="F2", scope_level="region", cumulative=cumulative
    )


@pytest.mark.parametrize(
    "code,kind,start,end",
    [
        ("2022-Q2", "quarter", "2022-04-01", "2022-06-30"),
        ("2024-H1", "half", "2024-01-01", "2024-06-30"),
        ("2024-h2", "half", "2024-07-01", "2024-12-31"),
        ("2023", "year", "2023-01-01", "2023-12-31"),
        ("2023-W1", "wave", "2023-01-01", "2023-04-30"),
        ("2023-W2", "wave", "2023-09-01", "2023-12-31"),
        ("2024-Q1", "quarter", "2024-01-01", "2024-03-31"),
    ],
)
def test_period_codes(code, kind, start, end):
    k, s, e = parse_period_code(code)
    assert (k, s.isoformat(), e.isoformat()) == (kind, start, end)


@pytest.mark.parametrize("bad", ["2022-Q5", "22-Q1", "2022Q1", "", "2022-W3"])
def test_bad_period_code_is_refused_in_russian(bad):
    with pytest.raises(DomainError, match="Неверный код периода"):
        parse_period_code(bad)


def test_snapshot_stores_inputs_and_both_modes(monitored):
    s = f2_region(monitored["period"])
    assert (s.numerator, s.denominator, s.value) == (4, 6, Decimal("66.7"))
    assert s.inputs["B2"] == 4 and s.inputs["C2"] == 6
    assert f2_region(monitored["period"], cumulative=False).value == Decimal("66.7")
    assert s.run.status == RunStatus.DONE and s.run.progress == 100


def test_closed_period_does_not_change_when_data_changes(monitored):
    period = monitored["period"]
    period_close(actor=monitored["operator"].user, period=period)
    before = list(IndicatorSnapshot.objects.filter(period=period).values_list("id", "value", "numerator"))
    # New data inside the period arrives later.
    p = f.teacher(monitored["o1"])
    f.route(p, entry=f.attempt(p))
    with pytest.raises(DomainError, match="закрыт"):
        computation_request(actor=monitored["operator"].user, period=period)
    after = list(IndicatorSnapshot.objects.filter(period=period).values_list("id", "value", "numerator"))
    assert before == after
    table = selectors.snapshot_table(period, "F2", "region", monitored["operator"].user)
    assert table["rows"][0]["numerator"] == 4
    # Reopened with a reason (an event row), recomputed: now it counts the new route.
    with pytest.raises(DomainError, match="причину"):
        period_reopen(actor=monitored["operator"].user, period=period, reason=" ")
    period_reopen(actor=monitored["operator"].user, period=period, reason="Поступили данные ФИОКО")
    assert AuditEvent.objects.filter(verb="period_reopened", comment="Поступили данные ФИОКО").exists()
    compute("2022-Q2")
    assert f2_region(period).numerator == 5


def test_open_period_recompute_replaces_snapshots(monitored):
    p = f.teacher(monitored["o1"])
    f.attempt(p)
    compute("2022-Q2")
    assert f2_region(monitored["period"]).denominator == 7
    assert (
        IndicatorSnapshot.objects.filter(
            period=monitored["period"], indicator__code="F2", scope_level="region"
        ).count()
        == 2
    )


def test_close_requires_computed_period_and_double_close_refused(world):
    period = period_get_or_create("2021-Q1")
    with pytest.raises(DomainError, match="ещё не рассчитан"):
        period_close(actor=world["operator"].user, period=period)
    compute("2021-Q1")
    period_close(actor=world["operator"].user, period=period)
    with pytest.raises(DomainError, match="уже закрыт"):
        period_close(actor=world["operator"].user, period=period)


def test_total_row_equals_sum_of_rows(monitored):
    table = selectors.snapshot_table(
        monitored["period"], "IOM_SHARE", "municipality", monitored["operator"].user
    )
    rows = table["rows"]
    assert [r["municipality"] for r in rows] == ["Второй район", "Первый район"]
    assert table["total"]["numerator"] == sum(r["numerator"] for r in rows) == 4
    assert table["total"]["denominator"] == sum(r["denominator"] for r in rows) == 400
    assert table["total"]["value"] == Decimal("1.0")
    f2 = selectors.snapshot_table(monitored["period"], "F2", "municipality", monitored["operator"].user)
    assert (
        f2["total"]["numerator"] == 4
        and f2["total"]["denominator"] == 6
        and f2["total"]["value"] == Decimal("66.7")
    )
    assert f2["highest"]["municipality"] == "Первый район" and f2["highest"]["value"] == Decimal("75.0")
    assert f2["lowest"]["municipality"] == "Второй район" and f2["lowest"]["value"] == Decimal("50.0")


def test_double_request_while_running_is_refused(monitored):
    period = period_get_or_create("2022-Q3")
    computation_request(actor=monitored["operator"].user, period=period, enqueue=False)
    with pytest.raises(DomainError, match="уже выполняется"):
        computation_request(actor=monitored["operator"].user, period=period, enqueue=False)


def _region(n_munis: int, tag: str):
    for i in range(n_munis):
        m = MunicipalityFactory(name=f"{tag} МО {i}", code=f"{tag}{i}")
        f.refstat(m, 2022, teachers_total=100, schools_total=3)
        for j in range(2):
            org = OrganizationFactory(municipality=m, short_name=f"{tag} школа {i}-{j}")
            p = f.teacher(org)
            a = f.attempt(p, results={"ict": "high"})
            f.route(p, entry=a, activities=[{"competences": ["ict"]}], verdicts=[("minor", "2022-05-25")])
            f.orgfact(org, 2022, implements_mentoring=True)


def _without_batched_inserts(qc):
    """The snapshots are written by bulk_create; the database's parameter limit (SQLite: 999) splits
    a large insert into batches, which is not a query per municipality. Everything else must match."""
    kept = [
        q
        for q in qc.ctx.captured_queries
        if not q["sql"].startswith('INSERT INTO "monitoring_indicatorsnapshot"')
    ]
    return SimpleNamespace(
        count=len(kept), sql="\n".join(f"{i}. {q['sql'][:300]}" for i, q in enumerate(kept, 1))
    )


def test_computation_query_count_does_not_grow_with_municipalities(db):
    from django.contrib.contenttypes.models import ContentType

    from monitoring.models import ComputationRun

    _region(2, "A")
    period_get_or_create("2022-Q2")  # created once, outside the measured computation
    ContentType.objects.get_for_model(ComputationRun)  # the content-type cache is warm in a running site
    small = _without_batched_inserts(count_queries(lambda: compute("2022-Q2")))
    _region(6, "B")  # 8 municipalities, 16 organizations
    large = _without_batched_inserts(count_queries(lambda: compute("2022-Q2")))
    assert_same_queries(small, large)
    assert (
        IndicatorSnapshot.objects.filter(
            period__code="2022-Q2", indicator__code="F2", scope_level="municipality"
        ).count()
        == 16
    )
