"""The report pages: request, list with status (htmx), scoped download, the ministry's quarterly page."""
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from cnppm.models import PersonalDataAccess
from monitoring.choices import RunStatus
from monitoring.models import ReportRun
from monitoring.services.reports import report_request, report_run_execute
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)

REPORT_PAGE_ROLES = {
    "operator",
    "regional_methodist",
    "ministry",
    "municipal_methodist",
    "other_municipal_methodist",
}
REGION_ROLES = {"operator", "regional_methodist", "ministry"}


def make_run(world, kind="analytic", fmt="pdf", actor="operator", **kwargs):
    run = report_request(
        actor=world[actor].user, kind=kind, format=fmt, period=world["q2"], enqueue=False, **kwargs
    )
    return report_run_execute(run_id=run.pk)


def test_permission_matrix_of_the_pages(client, report_world):
    assert_matrix(client, report_world, reverse("monitoring:reports"), REPORT_PAGE_ROLES)
    assert_matrix(client, report_world, reverse("monitoring:reports_runs"), REPORT_PAGE_ROLES)
    assert_matrix(client, report_world, reverse("monitoring:quarterly_reports"), REGION_ROLES)


def test_permission_matrix_of_downloads(client, report_world):
    region_run = make_run(report_world)
    letter = make_run(report_world, kind="municipal_letter", municipality=report_world["m1"])
    assert letter.status == RunStatus.DONE
    # The operator's (full) rendering is not the ministry's: it gets the de-identified one of its own.
    full_roles = REGION_ROLES - {"ministry"}
    assert_matrix(
        client, report_world, reverse("monitoring:report_download", args=[region_run.pk]), full_roles
    )
    aggregate_run = make_run(report_world, actor="ministry")
    assert aggregate_run.audience == "aggregate" and aggregate_run.pk != region_run.pk
    assert_matrix(
        client, report_world, reverse("monitoring:report_download", args=[aggregate_run.pk]), REGION_ROLES
    )
    # The municipal methodist of M1 downloads M1's letter; the methodist of M2 gets 404 as for a missing id.
    assert_matrix(
        client,
        report_world,
        reverse("monitoring:report_download", args=[letter.pk]),
        full_roles | {"municipal_methodist"},
    )
    login(client, report_world["other_municipal_methodist"])
    assert client.get(reverse("monitoring:report_download", args=[999999])).status_code == 404


def test_request_renders_and_lists_with_download(client, report_world, django_capture_on_commit_callbacks):
    login(client, report_world["regional_methodist"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("monitoring:reports"),
            {"kind": "analytic", "period": report_world["q2"].pk, "format": "xlsx"},
            follow=True,
        )
    assert response.status_code == 200
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE and run.file.name.endswith("analytic_2022-Q2.xlsx")
    assert "поставлен в очередь" in response.content.decode()
    text = client.get(reverse("monitoring:reports")).content.decode()
    assert "Аналитический отчёт об учёте ИОМ" in text and "готово" in text and "every 3s" not in text
    download = client.get(reverse("monitoring:report_download", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content)
    assert content[:2] == b"PK"
    # An aggregate report is not a personal-data export.
    assert not PersonalDataAccess.objects.exists()


def test_pending_runs_are_polled_by_htmx(client, report_world):
    report_request(
        actor=report_world["operator"].user,
        kind="analytic",
        format="pdf",
        period=report_world["q2"],
        enqueue=False,
    )
    login(client, report_world["operator"])
    fragment = client.get(reverse("monitoring:reports_runs")).content.decode()
    assert 'hx-trigger="every 3s"' in fragment and "в очереди" in fragment


def test_municipal_methodist_cannot_request_another_municipality(client, report_world):
    login(client, report_world["municipal_methodist"])
    page = client.get(reverse("monitoring:reports")).content.decode()
    assert "Муниципальный мониторинг (письмо)" in page
    assert "Аналитический отчёт" not in page  # region reports are not offered
    response = client.post(
        reverse("monitoring:reports"),
        {
            "kind": "municipal_letter",
            "period": report_world["q2"].pk,
            "format": "pdf",
            "municipality": report_world["m2"].pk,
        },
    )
    assert "Выберите муниципалитет из вашей области доступа." in response.content.decode()
    response = client.post(
        reverse("monitoring:reports"),
        {"kind": "municipal_letter", "period": report_world["q2"].pk, "format": "pdf"},
    )
    assert "Для этого отчёта выберите муниципалитет." in response.content.decode()
    assert not ReportRun.objects.exists()


def test_double_submit_queues_one_run(report_world):
    kwargs = {
        "actor": report_world["operator"].user,
        "kind": "analytic",
        "format": "pdf",
        "period": report_world["q2"],
        "enqueue": False,
    }
    first = report_request(**kwargs)
    second = report_request(**kwargs)
    assert first.pk == second.pk and ReportRun.objects.count() == 1


def test_quarterly_page_lists_pdfs_and_logs_the_download(
    client, report_world, django_capture_on_commit_callbacks
):
    login(client, report_world["ministry"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("monitoring:quarterly_request"), {"period": report_world["q2"].pk}, follow=True
        )
    assert "Ежеквартальный отчёт за период 2022-Q2 поставлен в очередь." in response.content.decode()
    text = client.get(reverse("monitoring:quarterly_reports")).content.decode()
    assert "Скачать PDF" in text and "01.04.2022 – 30.06.2022" in text
    make_run(report_world, kind="analytic", actor="ministry")  # not quarterly: not listed
    full = make_run(report_world, kind="quarterly")  # the operator's, with names: not the ministry's
    run = ReportRun.objects.get(kind="quarterly", audience="aggregate")
    page = client.get(reverse("monitoring:quarterly_reports")).content.decode()
    assert page.count("Скачать PDF") == 1
    response = client.get(reverse("monitoring:report_download", args=[run.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("monitoring:report_download", args=[full.pk])).status_code == 404
    # The ministry's rendering counts staff without names: no personal-data export.
    assert not PersonalDataAccess.objects.exists()
    # The full form names the trained staff: its download is logged.
    login(client, report_world["operator"])
    response = client.get(reverse("monitoring:report_download", args=[full.pk]))
    assert response.status_code == 200
    log = PersonalDataAccess.objects.get()
    assert log.action == "export" and log.object_type == "report:quarterly"


def test_quarterly_request_with_a_foreign_period(client, report_world):
    login(client, report_world["ministry"])
    response = client.post(reverse("monitoring:quarterly_request"), {"period": "999999"}, follow=True)
    assert "Выберите период из списка." in response.content.decode()
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("url_name", ["monitoring:reports", "monitoring:quarterly_reports"])
def test_list_query_count_does_not_grow(client, report_world, url_name):
    login(client, report_world["ministry"])
    make_run(report_world, kind="quarterly", actor="ministry")
    make_run(report_world, kind="quarterly", fmt="xlsx", actor="ministry")
    client.get(reverse(url_name))  # warm-up: first-request caches
    small = count_queries(lambda: client.get(reverse(url_name)))
    for fmt in ("pdf", "xlsx"):
        for kind in ("quarterly", "analytic"):
            for _ in range(3):
                run = make_run(report_world, kind=kind, fmt=fmt, actor="ministry")
                ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE)
    large = count_queries(lambda: client.get(reverse(url_name)))
    assert_same_queries(small, large)
