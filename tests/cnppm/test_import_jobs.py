"""Imports as jobs, through the web pages: every upload page stores the file, runs (here eagerly) the
import as an ImportJob and redirects to the job page, which shows the Russian refusal of a hostile
file while nothing is written; the job page is scoped; a redelivered job is idempotent; the stored
file is gone when the job ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cnppm.choices import ImportKind, ImportStatus
from cnppm.import_jobs import import_job_execute, import_job_submit
from cnppm.importers import ROSTER_COLUMNS, STRUCTURE_SHEETS
from cnppm.models import ImportJob, Municipality, Person, ReferenceStatistic
from cnppm.spreadsheets import open_workbook, reporting_progress
from diagnostics.models import Attempt, Item
from routes.importers import HEADERS as CATALOGUE_HEADERS
from routes.models import Activity
from tests.cnppm import hostile
from tests.cnppm.xlsx_helpers import workbook_bytes
from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument
from tests.diagnostics.import_helpers import draft_instrument, sample_blocks
from tests.helpers import assert_matrix, login

BOMB_MESSAGE = (
    "данные в строке 1\u00a0048\u00a0576, а допускается не более 150\u00a0000 строк (IMPORT_MAX_ROWS)"
)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return list((root / "imports").glob("*")) if (root / "imports").exists() else []


def post(client, url, data):
    response = client.post(url, data, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/imports/jobs/")
    return response.content.decode()


def job_page_shows_refusal(html: str, headline: str, message: str) -> None:
    assert headline in html, html[:3000]
    assert message in html
    assert "hx-trigger" not in html  # finished: no more polling


# --- every import path through its page ---------------------------------------------------------


def test_roster_and_structure_pages_refuse_the_dimension_bomb(client, world, private_media):
    login(client, world["operator"])
    people, munis = Person.objects.count(), Municipality.objects.count()
    bombs = {
        "roster": hostile.dimension_bomb(list(ROSTER_COLUMNS), "Реестр"),
        "structure": hostile.dimension_bomb(list(STRUCTURE_SHEETS["Муниципалитеты"]), "Муниципалитеты"),
    }
    for kind, bomb in bombs.items():
        upload = SimpleUploadedFile(f"{kind}.xlsx", bomb)
        html = post(client, reverse(f"imports_{kind}"), {f"{kind}-file": upload})
        job_page_shows_refusal(html, "Файл не загружен, ничего не записано.", BOMB_MESSAGE)
    assert (Person.objects.count(), Municipality.objects.count()) == (people, munis)
    assert stored_files(private_media) == []


def test_catalogue_page_refuses_the_dimension_bomb(client, world, private_media):
    login(client, world["operator"])
    html = post(
        client,
        reverse("routes:catalogue_import"),
        {"file": SimpleUploadedFile("c.xlsx", hostile.dimension_bomb(list(CATALOGUE_HEADERS)))},
    )
    job_page_shows_refusal(html, "Импорт отменён, ничего не добавлено. Ошибок: 1.", BOMB_MESSAGE)
    assert not Activity.objects.exists()
    assert stored_files(private_media) == []


def test_items_page_refuses_huge_gift_deep_xml_and_bomb(client, world, settings, private_media):
    sample_blocks()
    instrument = draft_instrument()
    login(client, world["operator"])
    url = reverse("diagnostics:items_import")
    settings.IMPORT_MAX_ITEMS = 100  # the 195 000-question bank is measured in test_spreadsheets
    cases = [
        (
            "bank.gift",
            hostile.huge_gift(150),
            "Слишком много вопросов: в файле 150 вопросов, а допускается не более 100",
        ),
        ("bank.xml", hostile.deep_moodle_xml(), "вложенность XML глубже 64 уровней"),
        ("bank.xlsx", hostile.dimension_bomb(["Вариант", "Блок", "Тип", "Формулировка"]), BOMB_MESSAGE),
    ]
    for name, data, message in cases:
        # The bank is read at once for its preview (issue 10.1): the refusal is on the upload page.
        html = client.post(
            url, {"instrument": instrument.pk, "default_variant": 1, "file": SimpleUploadedFile(name, data)}
        ).content.decode()
        assert "Файл не загружен: ни одно задание не сохранено." in html and message in html
    assert not Item.objects.filter(variant__instrument=instrument).exists()
    assert stored_files(private_media) == []


def test_results_page_refuses_the_dimension_bomb(client, world, private_media):
    block = CompetenceBlockFactory(code="subject", name="Предметные", order=1)
    instrument = make_instrument(blocks=[block], variants=1, code="fioko-2025")
    login(client, world["operator"])
    html = post(
        client,
        reverse("diagnostics:results_import"),
        {
            "instrument": instrument.pk,
            "source": "ФИОКО",
            "file": SimpleUploadedFile("r.xlsx", hostile.dimension_bomb(["E-mail", "Предметные"])),
        },
    )
    job_page_shows_refusal(html, "Файл не загружен: ни один результат не сохранён. Ошибок: 1.", BOMB_MESSAGE)
    assert not Attempt.objects.exists()
    assert stored_files(private_media) == []


def test_reference_page_refuses_the_dimension_bomb_and_oversize(client, world, settings, private_media):
    login(client, world["operator"])
    html = post(
        client,
        reverse("monitoring:statistics_import"),
        {"imp-file": SimpleUploadedFile("s.xlsx", hostile.dimension_bomb(["Муниципалитет"]))},
    )
    job_page_shows_refusal(html, "Файл не загружен, ничего не изменено.", BOMB_MESSAGE)
    # The size limit the other imports have: refused before anything is stored.
    settings.IMPORT_MAX_BYTES = 1000
    response = client.post(
        reverse("monitoring:statistics_import"),
        {"imp-file": SimpleUploadedFile("s.xlsx", hostile.dimension_bomb(["Муниципалитет"]) * 2)},
        follow=True,
    )
    assert "Файл не загружен, ничего не изменено. Файл слишком большой:" in response.content.decode()
    assert not ReferenceStatistic.objects.exists()
    assert stored_files(private_media) == []


# --- the job page -------------------------------------------------------------------------------


def roster_bytes(world) -> bytes:
    row = dict.fromkeys(ROSTER_COLUMNS, "")
    row.update(
        {
            "Муниципалитет": world["m1"].name,
            "Организация": world["o1"].short_name,
            "Фамилия": "Петрова",
            "Имя": "Анна",
            "Email": "petrova@example.ru",
            "Роль": "педагог",
        }
    )
    return workbook_bytes({"Реестр": [list(ROSTER_COLUMNS), [row[c] for c in ROSTER_COLUMNS]]})


def test_job_page_is_scoped_to_its_uploader_and_their_region(client, world):
    job = import_job_submit(
        actor=world["operator"].user,
        kind=ImportKind.ROSTER,
        upload=SimpleUploadedFile("r.xlsx", roster_bytes(world)),
        params={"dry_run": True},
    )
    assert job.status == ImportStatus.DONE
    url = reverse("import_job", kwargs={"pk": job.pk})
    assert_matrix(client, world, url, {"operator"})
    login(client, world["operator"])
    html = client.get(url).content.decode()
    assert "Проверка прошла успешно, ничего не записано: строк: 1, будет создано карточек: 1" in html
    assert (
        reverse("import_job", kwargs={"pk": job.pk + 1000})
        and client.get(reverse("import_job", kwargs={"pk": job.pk + 1000})).status_code == 404
    )


def test_queued_job_polls_then_shows_result(
    client, world, settings, private_media, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    login(client, world["operator"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("imports_roster"), {"roster-file": SimpleUploadedFile("r.xlsx", roster_bytes(world))}
        )
    assert len(callbacks) == 1  # the task is queued after the commit, not run in the request
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import_job", kwargs={"pk": job.pk})
    html = client.get(response["Location"]).content.decode()
    assert "В очереди на обработку" in html and 'hx-trigger="every 2s"' in html
    assert len(stored_files(private_media)) == 1
    assert not Person.objects.filter(email="petrova@example.ru").exists()

    assert import_job_execute(job.pk) == ImportStatus.DONE  # what the worker does
    html = client.get(response["Location"]).content.decode()
    assert "Импорт выполнен: строк: 1, создано карточек: 1" in html and "hx-trigger" not in html
    assert Person.objects.filter(email="petrova@example.ru").count() == 1
    assert stored_files(private_media) == []

    # Redelivered after it finished: nothing happens again.
    assert import_job_execute(job.pk) == ImportStatus.DONE
    assert Person.objects.filter(email="petrova@example.ru").count() == 1


def test_running_job_is_left_alone_unless_its_heartbeat_is_stale(world, settings, private_media):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = import_job_submit(
        actor=world["operator"].user,
        kind=ImportKind.ROSTER,
        upload=SimpleUploadedFile("r.xlsx", roster_bytes(world)),
    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempts=1, started_at=now, heartbeat_at=now
    )
    assert import_job_execute(job.pk) == ImportStatus.RUNNING  # another worker has it
    assert not Person.objects.filter(email="petrova@example.ru").exists()
    stale = now - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS + 60)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale, started_at=stale)
    assert import_job_execute(job.pk) == ImportStatus.DONE  # its worker died: taken over
    job.refresh_from_db()
    assert job.attempts == 2 and job.result["summary"].startswith("Импорт выполнен")
    assert Person.objects.filter(email="petrova@example.ru").count() == 1
    assert stored_files(private_media) == []


def test_oversize_upload_is_refused_before_it_is_stored(client, world, settings, private_media):
    settings.IMPORT_MAX_BYTES = 100
    login(client, world["operator"])
    response = client.post(
        reverse("imports_roster"), {"roster-file": SimpleUploadedFile("r.xlsx", roster_bytes(world))}
    )
    assert response.status_code == 400 and "Файл слишком большой" in response.content.decode()
    assert not ImportJob.objects.exists() and stored_files(private_media) == []


def test_reader_reports_progress_every_thousand_rows():
    data = workbook_bytes({"Лист": [["n"]] + [[n] for n in range(2500)]})
    seen = []
    with reporting_progress(seen.append):
        rows = list(open_workbook(data).worksheets[0].iter_rows(values_only=True))
    # Reported as rows come out of each parsed chunk: at least every thousand rows, rising.
    assert len(rows) == 2501 and len(seen) == 2 and 1000 <= seen[0] < seen[1] <= 2501


def test_job_given_up_by_the_sweeper_loses_its_file(
    client, world, settings, private_media, django_capture_on_commit_callbacks
):
    from cnppm import jobs

    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = import_job_submit(
        actor=world["operator"].user,
        kind=ImportKind.ROSTER,
        upload=SimpleUploadedFile("r.xlsx", roster_bytes(world)),
    )
    stale = timezone.now() - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS + 60)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempts=settings.JOB_MAX_ATTEMPTS, started_at=stale, heartbeat_at=stale
    )
    assert len(stored_files(private_media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and stored_files(private_media) == []
    login(client, world["operator"])
    html = client.get(reverse("import_job", kwargs={"pk": job.pk})).content.decode()
    assert "Файл не загружен, ничего не изменено." in html and "Обработчик задачи перестал отвечать" in html
    assert not Person.objects.filter(email="petrova@example.ru").exists()
