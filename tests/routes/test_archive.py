"""Archives of cards: the task (eager in tests) writes a ZIP with one PDF per route of the scope and
nothing outside it; the run is recorded; downloads are scoped to who asked."""

import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError
from routes.choices import RouteStatus
from routes.models import CardArchiveRun
from routes.services.exports import card_archive_request, card_archive_run
from tests.cnppm.factories import make_person
from tests.helpers import assert_matrix, login
from tests.routes.factories import make_route


@pytest.fixture
def routes_m1_m2(world):
    r1 = make_route(world["teacher"])
    t2 = make_person(Role.TEACHER, organization=world["o2"], last_name="Второва")
    r2 = make_route(t2)
    r3 = make_route(world["other_teacher"])  # M2
    t4 = make_person(Role.TEACHER, organization=world["o1"], last_name="Отменова")
    cancelled = make_route(t4, status=RouteStatus.CANCELLED)
    return {"o1": r1, "o2": r2, "m2": r3, "cancelled": cancelled}


def zip_names_and_texts(path):
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        texts = {
            n: " ".join(PdfReader(io.BytesIO(zf.read(n))).pages[0].extract_text().split()) for n in names
        }
    return names, texts


def test_municipality_archive_has_one_pdf_per_route_and_nothing_else(
    client, world, routes_m1_m2, django_capture_on_commit_callbacks
):
    login(client, world["municipal_methodist"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routes:archives"), {"municipality": world["m1"].pk}, follow=True)
    assert "Архив заказан: карт — 2." in response.content.decode()
    run = CardArchiveRun.objects.get()
    assert run.status == CardArchiveRun.Status.DONE
    assert (run.routes_total, run.routes_done) == (2, 2)
    assert run.started_at and run.finished_at and run.requested_by == world["municipal_methodist"].user
    names, texts = zip_names_and_texts(run.file.path)
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    joined = " ".join(texts.values())
    assert world["teacher"].full_name in joined and "Второва" in joined
    assert world["other_teacher"].full_name not in joined and "Отменова" not in joined
    assert "/media/" not in run.file.path and "private_media" in run.file.path
    page = client.get(reverse("routes:archives")).content.decode()
    assert "Первый район" in page and "готов" in page and "2 из 2" in page and "Скачать ZIP" in page
    download = client.get(reverse("routes:archive_download", args=[run.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert (
        zipfile.ZipFile(io.BytesIO(body)).namelist()
        and len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == 2
    )
    assert PersonalDataAccess.objects.filter(action="export", object_type="route_card_archive").count() == 2


def test_organization_archive(world, routes_m1_m2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = card_archive_request(actor=world["school_head"].user, organization=world["o1"])
    run.refresh_from_db()
    names, texts = zip_names_and_texts(run.file.path)
    assert len(names) == 1 and world["teacher"].full_name in next(iter(texts.values()))


def test_municipal_methodist_cannot_archive_other_municipality(client, world, routes_m1_m2):
    with pytest.raises(DomainError, match="вне вашей области доступа"):
        card_archive_request(actor=world["other_municipal_methodist"].user, municipality=world["m1"])
    with pytest.raises(DomainError, match="вне вашей области доступа"):
        card_archive_request(actor=world["other_municipal_methodist"].user, organization=world["o1"])
    with pytest.raises(DomainError, match="вне вашей области доступа"):
        card_archive_request(actor=world["school_head"].user, municipality=world["m1"])
    login(client, world["other_municipal_methodist"])
    response = client.post(reverse("routes:archives"), {"municipality": world["m1"].pk}, follow=True)
    assert "Выберите организацию или муниципалитет" in response.content.decode()
    assert not CardArchiveRun.objects.exists()


def test_scope_rechecked_when_run_builds(world, routes_m1_m2, django_capture_on_commit_callbacks):
    """The task re-applies the requester's scope: a route moved out meanwhile is not exported."""
    run = card_archive_request(actor=world["municipal_methodist"].user, municipality=world["m1"])
    world["teacher"].organization = world["o3"]
    world["teacher"].save()
    run = card_archive_run(run_id=run.pk)
    names, texts = zip_names_and_texts(run.file.path)
    assert len(names) == 1 and "Второва" in next(iter(texts.values()))


def test_empty_scope_refused(world):
    with pytest.raises(DomainError, match="нет карт ИОМ"):
        card_archive_request(actor=world["operator"].user, organization=world["o2"])


def test_download_is_only_for_the_requester(client, world, routes_m1_m2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = card_archive_request(actor=world["operator"].user, municipality=world["m1"])
    url = reverse("routes:archive_download", args=[run.pk])
    assert_matrix(client, world, url, {"operator"})
    assert_matrix(
        client,
        world,
        reverse("routes:archives"),
        {"operator", "regional_methodist", "municipal_methodist", "other_municipal_methodist", "school_head"},
    )


def test_failed_run_is_recorded(world, routes_m1_m2, monkeypatch):
    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])

    def boom(route, card=None):
        raise RuntimeError("шрифт не найден")

    monkeypatch.setattr("routes.exports.render_card_pdf", boom)
    run = card_archive_run(run_id=run.pk)
    assert run.status == CardArchiveRun.Status.FAILED
    assert "шрифт не найден" in run.error and not run.file
