"""What the ministry (aggregate only) gets from monitoring: report files without names (a rendering of
its own, which nobody's full file replaces), small groups' figures hidden in the reports and on the
dashboards, with their complements (cnppm.disclosure); operators still see everything."""
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring.reports.base import HIDDEN
from monitoring.services.reports import report_build, report_request, report_run_execute
from tests.helpers import login
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)


def xlsx_text(content: bytes) -> str:
    wb = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def requested(world, role, kind="quarterly", fmt="pdf", **kwargs):
    run = report_request(
        actor=world[role].user, kind=kind, format=fmt, period=world["q2"], enqueue=False, **kwargs
    )
    return report_run_execute(run_id=run.pk)


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_the_ministry_quarterly_counts_staff_without_names(report_world, fmt):
    curator = report_world["curator"]
    read = pdf_text if fmt == "pdf" else xlsx_text
    full = requested(report_world, "operator", fmt=fmt)
    aggregate = requested(report_world, "ministry", fmt=fmt)
    assert (full.audience, aggregate.audience) == ("full", "aggregate") and full.pk != aggregate.pk
    full_text = read(full.file.read())
    assert curator.last_name in full_text
    text = read(aggregate.file.read())
    for name in (curator.last_name, curator.first_name, curator.full_name):
        assert name not in text
    assert "Тьюторское сопровождение" not in text  # the programmes named the person too
    assert "Обезличенный вариант" in text and "Сотрудников, чел." in text
    # The trained curator's position is held by fewer than five: counted with the other positions.
    assert "другие должности (менее 5 чел. на должность)" in text


def test_a_full_file_is_never_served_to_the_ministry(client, report_world):
    full = requested(report_world, "operator")
    login(client, report_world["ministry"])
    assert client.get(reverse("monitoring:report_download", args=[full.pk])).status_code == 404
    assert client.get(f"/api/v1/monitoring/reports/{full.pk}/download/").status_code == 404
    assert client.get("/api/v1/monitoring/reports/").json()["results"] == []
    # The ministry's request makes its own run, not the operator's cached one.
    own = requested(report_world, "ministry")
    assert own.pk != full.pk
    ids = [r["id"] for r in client.get("/api/v1/monitoring/reports/").json()["results"]]
    assert ids == [own.pk]
    # The operator sees both runs, the ministry's marked as the de-identified one.
    login(client, report_world["operator"])
    page = client.get(reverse("monitoring:reports_runs")).content.decode()
    assert page.count("<td>Ежеквартальный мониторинг показателей ЦНППМ") == 2
    assert page.count('<span class="badge bg-secondary">обезличенный</span>') == 1


def test_small_blocks_are_hidden_in_the_aggregate_analytic_and_comparison(report_world, settings):
    """Five teachers took each block: with a threshold of 6, the aggregate rendering hides the levels
    (analytic) and mean, minimum and maximum (comparison); the full rendering keeps them."""
    settings.SMALL_GROUP_THRESHOLD = 6
    q1, q2 = report_world["q1"], report_world["q2"]

    def table(kind, audience, key):
        run = type("Run", (), {"kind": kind, "period": q2, "municipality": None, "compare_with": q1})
        run.audience = audience
        return report_build(run).build_context()["table"][key]

    deficits = {r[0]: r for r in table("analytic", "aggregate", "deficits").rows}
    assert deficits["Предметные"][1:] == [5, *[HIDDEN] * 6]
    assert {r[0]: r[2] for r in table("analytic", "full", "deficits").rows}["Предметные"] == 5
    stats = table("comparison", "aggregate", "diagnostics")
    assert all(r[2:] == [HIDDEN] * 3 for r in stats.rows) and "менее 6 человек" in stats.note
    assert all(r[2] != HIDDEN for r in table("comparison", "full", "diagnostics").rows)
    settings.SMALL_GROUP_THRESHOLD = 5
    assert deficits and all(r[2] != HIDDEN for r in table("analytic", "aggregate", "deficits").rows)


# --- Dashboards -----------------------------------------------------------------------------------


def deficit_row(html: str, block: str) -> str:
    table = html[html.index("Число результатов по уровням дефицита") :]
    start = table.index(f'<th scope="row">{block}</th>')
    return table[start : table.index("</tr>", start)]


def test_the_ministry_sees_no_levels_of_a_municipality_of_four(client, monitored):
    """M1 has 4 diagnosed, M2 has 2: the ministry sees the region's levels (6) but neither
    municipality's; the operator sees all."""
    m1 = reverse("monitoring:municipality", args=[monitored["m1"].pk]) + "?period=2022-Q2"
    region = reverse("monitoring:dashboard") + "?period=2022-Q2"
    login(client, monitored["operator"])
    assert '<td class="text-end">4</td><td class="text-end">0</td>' in deficit_row(
        client.get(m1).content.decode(), "ict"
    )
    login(client, monitored["ministry"])
    row = deficit_row(client.get(m1).content.decode(), "ict")
    assert row.count("—") == 3 and '<td class="text-end">4</td>' in row  # the head count stays
    assert 'id="deficits-note"' in client.get(m1).content.decode()
    row = deficit_row(client.get(region).content.decode(), "ict")
    assert '<td class="text-end">6</td><td class="text-end">0</td>' in row


def test_a_municipality_is_hidden_as_the_complement_of_a_small_one(client, monitored, settings):
    """Threshold 3: M1 (4) could be shown, but the region (6) minus M1 would give M2 (2) back: M1 is
    hidden too."""
    settings.SMALL_GROUP_THRESHOLD = 3
    login(client, monitored["ministry"])
    for muni in ("m1", "m2"):
        url = reverse("monitoring:municipality", args=[monitored[muni].pk]) + "?period=2022-Q2"
        assert deficit_row(client.get(url).content.decode(), "ict").count("—") == 3, muni
    region = reverse("monitoring:dashboard") + "?period=2022-Q2"
    assert "—" not in deficit_row(client.get(region).content.decode(), "ict")
