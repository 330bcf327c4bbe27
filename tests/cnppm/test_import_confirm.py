"""A dry run confirmed by its job's id (issue 10.4): the roster is checked once, its preview (counts,
errors) shown, and the very file it checked is written by `POST /api/v1/import-jobs/<id>/confirm/` or by
the job page's button, through the import's own service; once, by its uploader, before the file
expires; a region whose data changed since the check refuses the file as a second upload would."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cnppm import import_jobs
from cnppm.choices import ImportStatus, Role
from cnppm.models import ImportJob, Person, RoleAssignment
from tests.cnppm.factories import make_person
from tests.cnppm.xlsx_helpers import roster_file, roster_row
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db

EMAIL = "confirm.teacher@example.ru"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return list((root / "imports").glob("*")) if (root / "imports").exists() else []


def _file(email: str = EMAIL, **overrides) -> io.BytesIO:
    buffer = roster_file([roster_row(Email=email, Фамилия="Подтверждаемая", Предметы="", **overrides)])
    buffer.name = "roster.xlsx"
    return buffer


def _api(person) -> APIClient:
    api = APIClient()
    login(api, person)
    return api


def _dry_run(api, file=None) -> dict:
    response = api.post(
        "/api/v1/imports/roster/", {"file": file or _file(), "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    return response.json()


def _confirm(api, job_id: int):
    return api.post(f"/api/v1/import-jobs/{job_id}/confirm/")


def test_api_dry_run_preview_then_confirm_writes_that_file_once(world, private_media):
    api = _api(world["operator"])
    job = _dry_run(api)
    # The preview: what would be written, no error, the file kept for confirmation.
    assert job["status"] == ImportStatus.DONE and job["errors"] == []
    assert job["counts"] == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "accounts_created": 1,
        "details": {},
    }
    assert job["summary"].startswith("Проверка прошла успешно, ничего не записано")
    assert job["confirmable"] is True and job["confirm_until"] and job["confirmed_by"] is None
    assert len(stored_files(private_media)) == 1
    assert not Person.objects.filter(email=EMAIL).exists()

    response = _confirm(api, job["id"])
    assert response.status_code == 202, response.content
    written = response.json()
    assert written["id"] != job["id"] and written["confirms"] == job["id"]
    assert written["status"] == ImportStatus.DONE and written["params"]["dry_run"] is False
    assert written["summary"].startswith("Импорт выполнен") and written["counts"]["created"] == 1
    assert written["confirmable"] is False
    assert Person.objects.filter(email=EMAIL).count() == 1
    assert stored_files(private_media) == []  # the written file is gone like any finished import's
    again = api.get(f"/api/v1/import-jobs/{job['id']}/").json()
    assert again["confirmed_by"] == written["id"] and again["confirmable"] is False

    # A double submit: a clear refusal, no new job, nobody written twice.
    jobs = ImportJob.objects.count()
    response = _confirm(api, job["id"])
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"Эта проверка уже подтверждена: файл записывается загрузкой №{written['id']}. "
        "Повторно подтверждать не нужно."
    )
    assert ImportJob.objects.count() == jobs and Person.objects.filter(email=EMAIL).count() == 1


def test_page_offers_the_same_confirmation(client, world, private_media):
    login(client, world["operator"])
    response = client.post(
        reverse("imports_roster"), {"roster-file": _file(), "roster-dry_run": "on"}, follow=True
    )
    html = response.content.decode()
    dry = ImportJob.objects.get()
    assert "Проверка прошла успешно, ничего не записано" in html
    assert "Записать данные из этого файла" in html
    assert reverse("import_job_confirm", args=[dry.pk]) in html
    response = client.post(reverse("import_job_confirm", args=[dry.pk]), follow=True)
    written = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response.redirect_chain[-1][0] == reverse("import_job", args=[written.pk])
    html = response.content.decode()
    assert "Импорт выполнен: строк: 1, создано карточек: 1" in html
    assert (
        f'Запись файла, проверенного <a href="{reverse("import_job", args=[dry.pk])}">загрузкой №{dry.pk}'
        in html
    )
    assert Person.objects.filter(email=EMAIL).count() == 1
    html = client.get(reverse("import_job", args=[dry.pk])).content.decode()
    assert "Проверка подтверждена: файл записывается" in html and "Записать данные из этого файла" not in html
    # Submitted again (a second tab, a double click): the refusal on the dry run's page.
    response = client.post(reverse("import_job_confirm", args=[dry.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("import_job", args=[dry.pk])
    assert "Эта проверка уже подтверждена" in response.content.decode()
    assert ImportJob.objects.count() == 2 and Person.objects.filter(email=EMAIL).count() == 1


def test_only_a_clean_unexpired_dry_run_of_ones_own_is_confirmed(world, private_media):
    api = _api(world["operator"])
    # A real import is no dry run.
    real = api.post("/api/v1/imports/roster/", {"file": _file("real@example.ru")}, format="multipart").json()
    response = _confirm(api, real["id"])
    assert response.status_code == 400 and response.json()["detail"] == (
        "Подтвердить можно только проверку файла (загрузку с отметкой «Только проверить»)."
    )
    # A dry run that found errors keeps no file and writes nothing.
    bad = _dry_run(api, _file("bad@example.ru", Муниципалитет="Марс"))
    assert bad["status"] == ImportStatus.FAILED and bad["errors"] and bad["confirmable"] is False
    response = _confirm(api, bad["id"])
    assert response.status_code == 400 and response.json()["detail"] == (
        "Проверка нашла ошибки: исправьте файл и загрузите его снова."
    )
    assert stored_files(private_media) == []
    # A colleague of the region follows the job but does not write another's upload.
    colleague = make_person(Role.OPERATOR, organization=world["centre"], username="colleague")
    job = _dry_run(api)
    other = _api(colleague)
    seen = other.get(f"/api/v1/import-jobs/{job['id']}/")
    assert seen.status_code == 200 and seen.json()["confirmable"] is False
    response = _confirm(other, job["id"])
    assert response.status_code == 400 and response.json()["detail"] == (
        "Подтвердить проверку может только оператор, загрузивший файл, пока он работает в регионе загрузки."
    )
    # Expired: past CONFIRM_TTL the sweep deletes the file, and the confirmation is refused.
    ImportJob.objects.filter(pk=job["id"]).update(finished_at=timezone.now() - dt.timedelta(days=2))
    assert api.get(f"/api/v1/import-jobs/{job['id']}/").json()["confirm_until"] is None
    assert import_jobs.dry_runs_discard_expired() == 1 and stored_files(private_media) == []
    response = _confirm(api, job["id"])
    assert response.status_code == 400 and response.json()["detail"] == (
        "Срок подтверждения проверки истёк, файл удалён: загрузите его снова (проверенный файл хранится сутки)."
    )
    # A file cleaned from the storage before its time: the same refusal.
    fresh = _dry_run(api)
    for path in stored_files(private_media):
        path.unlink()
    assert _confirm(api, fresh["id"]).status_code == 400
    assert not Person.objects.filter(email=EMAIL).exists()
    # Nobody else reaches the job at all.
    login(api, world["regional_methodist"])
    assert _confirm(api, fresh["id"]).status_code == 404


def test_a_dry_run_still_being_checked_is_not_confirmed(
    world, settings, private_media, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    api = _api(world["operator"])
    with django_capture_on_commit_callbacks(execute=False):
        job = _dry_run(api)
    assert job["status"] == ImportStatus.QUEUED
    response = _confirm(api, job["id"])
    assert response.status_code == 400
    assert response.json()["detail"] == "Проверка ещё не закончена: дождитесь её итога."
    assert import_jobs.import_job_execute(job["id"]) == ImportStatus.DONE  # the worker's run keeps the file
    assert len(stored_files(private_media)) == 1
    # Redelivered after it finished: the file stays for the confirmation.
    assert import_jobs.import_job_execute(job["id"]) == ImportStatus.DONE
    assert len(stored_files(private_media)) == 1


def test_region_data_changed_since_the_check_refuses_as_the_page_does(world, private_media):
    """Between the check and the confirmation another account took the file's e-mail: the
    confirmation runs the import's own checks on the region as it is now, so it is refused with the
    row's error, exactly as uploading the same file again on the page is, and nothing is written."""
    api = _api(world["operator"])
    job = _dry_run(api)
    get_user_model().objects.create_user(username="taken", email=EMAIL, password="x")
    response = _confirm(api, job["id"])
    assert response.status_code == 202
    written = response.json()
    assert written["status"] == ImportStatus.FAILED
    assert written["summary"] == "Найдено ошибок: 1. Ничего не записано."
    assert written["errors"] == [
        {
            "sheet": "",
            "row": 2,
            "column": "Email",
            "message": f"{EMAIL} уже занят другой учётной записью портала",
        }
    ]
    again = api.post("/api/v1/imports/roster/", {"file": _file()}, format="multipart").json()
    assert again["errors"] == written["errors"]  # the second upload's refusal, word for word
    assert not Person.objects.filter(email=EMAIL).exists()
    assert stored_files(private_media) == []


def test_the_uploader_who_left_the_region_cannot_confirm(world, private_media):
    api = _api(world["operator"])
    job = _dry_run(api)
    RoleAssignment.objects.filter(person=world["operator"], role=Role.OPERATOR).delete()
    response = _confirm(_api(world["operator"]), job["id"])
    assert (
        response.status_code == 400 and "может только оператор, загрузивший файл" in response.json()["detail"]
    )
    assert not Person.objects.filter(email=EMAIL).exists() and len(stored_files(private_media)) == 1


def test_confirm_permission_matrix(client, world):
    api = _api(world["operator"])
    cases = (
        ("api@example.ru", lambda pk: f"/api/v1/import-jobs/{pk}/confirm/", 202),
        ("page@example.ru", lambda pk: reverse("import_job_confirm", args=[pk]), 302),
    )
    for email, url_of, ok in cases:
        job = _dry_run(api, _file(email))
        assert_matrix(client, world, url_of(job["id"]), {"operator"}, method="post", data={}, ok=(ok,))
        assert ImportJob.objects.get(pk=job["id"]).result["confirmed_by"]
        assert Person.objects.filter(email=email).count() == 1


def test_jobs_list_with_dry_runs_keeps_its_query_count(world):
    api = _api(world["operator"])
    _dry_run(api)
    small = count_queries(lambda: api.get("/api/v1/import-jobs/"))
    for _ in range(4):
        _dry_run(api)
    large = count_queries(lambda: api.get("/api/v1/import-jobs/"))
    assert_same_queries(small, large)
    listed = api.get("/api/v1/import-jobs/").json()["results"]
    assert len(listed) == 5 and all(j["confirmable"] for j in listed)
