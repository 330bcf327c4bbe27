from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import ComputationRun, IndicatorSnapshot, Period
from monitoring.services.computation import current_period_codes, period_close
from monitoring.tasks import compute_current_period

pytestmark = pytest.mark.django_db


def test_command_computes_and_prints(monitored):
    out = StringIO()
    call_command("compute_indicators", "--period", "2022-Q2", stdout=out)
    text = out.getvalue()
    assert "F2: 66,7 % (4 / 6)" in text
    assert "IOM_SHARE: 1,0 % (4 / 400)" in text


def test_command_bad_code_and_closed_period(monitored):
    with pytest.raises(CommandError, match="Неверный код периода"):
        call_command("compute_indicators", "--period", "2022-Q9", stdout=StringIO())
    period_close(actor=monitored["operator"].user, period=monitored["period"])
    with pytest.raises(CommandError, match="закрыт"):
        call_command("compute_indicators", "--period", "2022-Q2", stdout=StringIO())


def test_nightly_task_computes_current_periods_and_skips_closed(world):
    done = compute_current_period()
    codes = current_period_codes()
    assert done == [f"RG:{c}" for c in codes]
    quarter = Period.objects.get(code=codes[0])
    assert IndicatorSnapshot.objects.filter(period=quarter).exists()
    period_close(actor=world["operator"].user, period=quarter)
    done = compute_current_period()
    assert f"RG:{codes[0]}" not in done
    assert ComputationRun.objects.filter(period=quarter).count() == 1


def test_request_runs_task_after_commit(monitored, django_capture_on_commit_callbacks):
    from monitoring.services.computation import computation_request, period_get_or_create

    with django_capture_on_commit_callbacks(execute=True):
        run = computation_request(actor=monitored["operator"].user, period=period_get_or_create("2022-Q3"))
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 100


def test_demo_seed_computes_dashboards(world, client):
    from datetime import date

    from cnppm.demo import DemoContext
    from monitoring.demo import seed
    from monitoring.models import IndicatorPlan, RegionalEvent
    from tests.helpers import login

    ctx = DemoContext(
        region=world["m1"].region,
        municipalities=[world["m1"], world["m2"]],
        organizations=[world["o1"], world["o2"], world["o3"], world["centre"]],
        teachers=[world["teacher"], world["other_teacher"]],
        by_role={"operator": [world["operator"]]},
        today=date(2025, 5, 15),
    )
    seed(ctx)
    seed(ctx)  # running it again changes nothing
    assert IndicatorPlan.objects.filter(year=2025, region=world["m1"].region).count() == 8
    assert RegionalEvent.objects.count() == 3
    closed = Period.objects.filter(is_closed=True).values_list("code", flat=True)
    assert sorted(closed) == ["2024-Q3", "2024-Q4"]
    login(client, world["ministry"])
    html = client.get("/monitoring/?period=2025-Q2").content.decode()
    assert "План и достигнутые значения (регион)" in html and "Первый район" in html
