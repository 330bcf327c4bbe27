"""Imports and one's own profile in the API (issue 10.4): an upload of every registered kind queues
the same job as its page; the dry run checks and writes nothing, the real run writes; the job is
followed with its errors; the jobs list is scoped and its queries do not grow; the profile and the
consent withdrawal do what the cabinet does."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from cnppm.choices import ImportStatus
from cnppm.models import ImportJob, Person, ReferenceStatistic
from tests.cnppm.xlsx_helpers import roster_file, roster_row, workbook_bytes
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _file(data: bytes | io.BytesIO, name: str = "file.xlsx") -> io.BytesIO:
    buffer = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    buffer.name = name
    buffer.seek(0)
    return buffer


def test_roster_dry_run_then_import(world):
    api = APIClient()
    login(api, world["operator"])
    row = roster_row(Email="new.teacher@example.ru", Предметы="")
    response = api.post(
        "/api/v1/imports/roster/", {"file": _file(roster_file([row])), "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == ImportStatus.DONE and job["params"]["dry_run"] is True
    assert not Person.objects.filter(email="new.teacher@example.ru").exists()
    response = api.post("/api/v1/imports/roster/", {"file": _file(roster_file([row]))}, format="multipart")
    assert response.status_code == 202 and response.json()["status"] == ImportStatus.DONE
    assert Person.objects.filter(email="new.teacher@example.ru").exists()
    followed = api.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()
    assert followed["summary"] and followed["errors"] == []


def test_refused_file_lists_its_errors_and_writes_nothing(world):
    api = APIClient()
    login(api, world["operator"])
    bad = workbook_bytes({"Лист": [["Муниципалитет", "Год"], ["Первый район", "не год"]]})
    response = api.post("/api/v1/imports/reference/", {"file": _file(bad)}, format="multipart")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == ImportStatus.FAILED and job["errors"] and job["summary"]
    assert not ReferenceStatistic.objects.exists()
    # no file: the page form's message
    response = api.post("/api/v1/imports/reference/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_upload_permissions_and_jobs_scope(client, world):
    data = {"file": _file(roster_file([roster_row(Предметы="")]))}
    for kind in ("roster", "structure", "reference", "items", "results"):
        assert_matrix(
            client, world, f"/api/v1/imports/{kind}/", {"operator"}, method="post", data={}, ok=(400,)
        )
    catalogue = {"operator", "municipal_methodist", "other_municipal_methodist"}
    assert_matrix(client, world, "/api/v1/imports/catalogue/", catalogue, method="post", data={}, ok=(400,))
    api = APIClient()
    login(api, world["operator"])
    job_id = api.post("/api/v1/imports/roster/", data, format="multipart").json()["id"]
    signed_in = {"operator"}
    assert_matrix(client, world, f"/api/v1/import-jobs/{job_id}/", signed_in)
    small = count_queries(lambda: api.get("/api/v1/import-jobs/"))
    for _ in range(5):
        ImportJob.objects.create(kind="roster", actor=world["operator"].user, filename="x.xlsx")
    large = count_queries(lambda: api.get("/api/v1/import-jobs/"))
    assert_same_queries(small, large)
    assert api.get("/api/v1/import-jobs/").json()["count"] == 6
    login(api, world["teacher"])
    assert api.get("/api/v1/import-jobs/").json()["count"] == 0


def test_own_profile_and_consent_withdrawal(client, world):
    everyone = {role for role in world if hasattr(world[role], "user")}
    assert_matrix(client, world, "/api/v1/me/profile/", everyone)
    Person.objects.filter(pk=world["teacher"].pk).update(qualification_category="first")
    api = APIClient()
    login(api, world["teacher"])
    before = api.get("/api/v1/me/profile/").json()
    assert before["id"] == world["teacher"].pk
    response = api.patch("/api/v1/me/profile/", {"experience_years": 12}, format="json")
    assert response.status_code == 200 and response.json()["changed"] == ["experience_years"]
    teacher = Person.objects.get(pk=world["teacher"].pk)
    assert teacher.experience_years == 12 and teacher.last_name == before["last_name"]
    response = api.patch("/api/v1/me/profile/", {"experience_years": 700}, format="json")
    assert response.status_code == 400 and Person.objects.get(pk=teacher.pk).experience_years == 12
    from cnppm import services
    from cnppm.models import ConsentDocument

    document = ConsentDocument.objects.create(version="1.0", title="Согласие", text="Текст", is_current=True)
    services.consent_give(actor=world["teacher"].user, document=document)
    assert api.post("/api/v1/me/consent/withdraw/").json() == {"withdrawn": 1}
    response = api.get("/api/v1/me/profile/")
    assert response.status_code == 403 and "согласие" in response.json()["detail"]
