"""The report API: request, status, download; scoped; in the OpenAPI schema."""
# ruff: noqa: F811

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from monitoring.models import ReportRun
from monitoring.services.reports import report_request, report_run_execute
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)

LIST = "/api/v1/monitoring/reports/"
REPORT_ROLES = {
    "operator",
    "regional_methodist",
    "ministry",
    "municipal_methodist",
    "other_municipal_methodist",
}
REGION_ROLES = {"operator", "regional_methodist", "ministry"}


def make_run(world, actor="operator", **kwargs):
    kwargs = {"kind": "analytic", "format": "pdf", "period": world["q2"], **kwargs}
    run = report_request(actor=world[actor].user, enqueue=False, **kwargs)
    return report_run_execute(run_id=run.pk)


def test_matrix_of_the_endpoints(client, report_world):
    region_run = make_run(report_world)
    letter = make_run(report_world, kind="municipal_letter", municipality=report_world["m1"])
    assert_matrix(client, report_world, LIST, REPORT_ROLES)
    # The operator's (full) renderings are not the ministry's; its own de-identified one is.
    full_roles = REGION_ROLES - {"ministry"}
    assert_matrix(client, report_world, f"{LIST}{region_run.pk}/", full_roles)
    assert_matrix(client, report_world, f"{LIST}{region_run.pk}/download/", full_roles)
    aggregate_run = make_run(report_world, actor="ministry")
    login(client, report_world["ministry"])
    assert client.get(f"{LIST}{aggregate_run.pk}/").json()["audience"] == "aggregate"
    assert_matrix(client, report_world, f"{LIST}{aggregate_run.pk}/download/", REGION_ROLES)
    assert_matrix(client, report_world, f"{LIST}{letter.pk}/download/", full_roles | {"municipal_methodist"})


def test_request_poll_download(client, report_world, django_capture_on_commit_callbacks):
    login(client, report_world["municipal_methodist"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIST,
            {"kind": "municipal_letter", "format": "pdf", "period": "2022-q2", "municipality": "M1"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    status = client.get(f"{LIST}{response.json()['id']}/").json()
    assert (
        status["status"] == "done" and status["status_display"] == "готово" and status["municipality"] == "M1"
    )
    download = client.get(status["download_url"])
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages
    )
    assert "F₂ = 3 / 4 · 100 % = 75,0" in text
    listed = client.get(LIST).json()["results"]
    assert [r["id"] for r in listed] == [status["id"]]


def test_bad_requests_answer_in_russian_and_change_nothing(client, report_world):
    login(client, report_world["municipal_methodist"])
    cases = [
        (
            {"kind": "municipal_letter", "format": "pdf", "period": "2030-Q1", "municipality": "M1"},
            "Период «2030-Q1» не найден",
        ),
        (
            {"kind": "municipal_letter", "format": "pdf", "period": "2022-Q2", "municipality": "M2"},
            "Муниципалитет «M2» не найден",
        ),
        (
            {"kind": "municipal_letter", "format": "pdf", "period": "2022-Q2"},
            "Для этого отчёта выберите муниципалитет.",
        ),
        ({"kind": "analytic", "format": "pdf", "period": "2022-Q2"}, "Этот отчёт вам недоступен"),
        ({"kind": "analytic", "format": "doc", "period": "2022-Q2"}, "doc"),
    ]
    for payload, message in cases:
        response = client.post(LIST, payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert message in response.content.decode(), response.content.decode()
    assert not ReportRun.objects.exists()


def test_comparison_request_needs_an_earlier_period(client, report_world):
    login(client, report_world["operator"])
    response = client.post(
        LIST,
        {"kind": "comparison", "format": "xlsx", "period": "2022-Q1", "compare_with": "2022-Q2"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "должен заканчиваться раньше" in response.json()["detail"]


def test_list_query_count_does_not_grow(client, report_world):
    login(client, report_world["ministry"])
    make_run(report_world, actor="ministry")
    client.get(LIST)
    small = count_queries(lambda: client.get(LIST))
    for fmt in ("pdf", "xlsx"):
        make_run(report_world, kind="quarterly", format=fmt, actor="ministry")
        make_run(
            report_world,
            kind="municipal_letter",
            municipality=report_world["m1"],
            format=fmt,
            actor="ministry",
        )
    ReportRun.objects.update(status="done")
    large = count_queries(lambda: client.get(LIST))
    assert len(client.get(LIST).json()["results"]) == 5
    assert_same_queries(small, large)


def test_schema_lists_the_report_endpoints(client, report_world):
    login(client, report_world["operator"])
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/monitoring/reports/",
        "/api/v1/monitoring/reports/{id}/",
        "/api/v1/monitoring/reports/{id}/download/",
    ):
        assert path in schema
