"""Card PDFs laid out once per version (issue 11.1): the version moves with every kind of edit the
card shows, an unchanged card is served from storage without layout, a changed one is never served
stale, an archive lays out only the stale cards (a chord of chunks) and zips the stored ones.

The layout itself (WeasyPrint) is replaced by the card's HTML wrapped as bytes: what is counted is
how often the layout runs, and the bytes show which state of the card they were made from."""

import io
import os
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cnppm.choices import Role
from diagnostics.choices import InstrumentKind
from diagnostics.models import BlockResult
from routes import exports
from routes.card_pdf import card_version
from routes.choices import ActivityOutcome
from routes.models import CardArchiveRun, Route, RouteActivity
from routes.services.card_pdfs import card_pdf_bytes, is_stored
from routes.services.exports import card_archive_request, card_archive_run
from tests.cnppm.factories import make_person
from tests.helpers import login
from tests.routes.factories import (
    CompetenceBlockFactory,
    CorrectionFactory,
    RouteActivityFactory,
    make_attempt,
    make_route,
    teacher_blocks,
)


@pytest.fixture
def layouts(monkeypatch):
    """Counts the layouts (routes.exports.render_card_pdf) and makes them cheap."""
    card_html = exports.card_html
    calls = []

    def fake_render(route, card=None):
        calls.append(route.pk)
        return b"%PDF-fake\n" + card_html(route, card).encode()

    monkeypatch.setattr(exports, "render_card_pdf", fake_render)
    return calls


def version_of(pk) -> str:
    return card_version(exports.fetch_card(pk))


@pytest.fixture
def route(world):
    return make_route(world["teacher"])


def test_version_is_stable_and_moves_with_every_kind_of_edit(world, route):
    seen = [version_of(route.pk)]
    assert version_of(route.pk) == seen[0]  # nothing changed, nothing moves

    def moved(what):
        now = version_of(route.pk)
        assert now not in seen, f"версия не изменилась: {what}"
        seen.append(now)

    # The route's own fields (a queryset update: no signal, no service, still seen).
    Route.objects.filter(pk=route.pk).update(final_event_title="Мастер-класс для коллег района")
    moved("заключительное мероприятие")
    Route.objects.filter(pk=route.pk).update(final_event_done=True)
    moved("отметка о заключительном мероприятии")
    Route.objects.filter(pk=route.pk).update(conclusions="Дефициты устранены.")
    moved("выводы")
    Route.objects.filter(pk=route.pk).update(conclusions_signed_by_methodist=world["regional_methodist"])
    moved("подпись методиста")
    Route.objects.filter(pk=route.pk).update(conclusions_acknowledged_at=timezone.now())
    moved("ознакомление педагога")

    # Activities and their competences.
    activity = RouteActivityFactory(route=route, title="Курс по функциональной грамотности")
    moved("новое мероприятие")
    RouteActivity.objects.filter(pk=activity.pk).update(outcome=ActivityOutcome.DONE)
    moved("отметка о выполнении мероприятия")
    activity.competences.add(CompetenceBlockFactory(name="Оценивание"))
    moved("компетенции мероприятия")

    # Corrections (Appendix 1) and their acknowledgement.
    correction = CorrectionFactory(route=route, reason="Курс перенесён")
    moved("корректировка")
    type(correction).objects.filter(pk=correction.pk).update(acknowledged_at=timezone.now())
    moved("ознакомление с корректировкой")

    # The teacher's profile and organization (section 1 and the headings).
    teacher = world["teacher"]
    teacher.position = "учитель информатики"
    teacher.save()
    moved("должность педагога")
    organization = teacher.organization
    organization.full_name = "Муниципальное общеобразовательное учреждение «Школа № 1»"
    organization.save()
    moved("организация педагога")

    # The final diagnostics (Appendix 2) and a re-scored result.
    final = make_attempt(teacher, {teacher_blocks()[0]: 95}, kind=InstrumentKind.FINAL)
    Route.objects.filter(pk=route.pk).update(final_attempt=final)
    moved("итоговая диагностика")
    BlockResult.objects.filter(attempt=final).update(percent=Decimal("81"))
    moved("результат итоговой диагностики")


def test_unchanged_card_is_served_from_storage_and_a_changed_one_never_stale(client, world, route, layouts):
    login(client, world["teacher"])
    url = reverse("routes:card_pdf", args=[route.pk])
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert layouts == [route.pk]
    again = client.get(url)
    assert again.content == first.content and layouts == [route.pk]  # no layout: from storage
    assert "attachment" in again["Content-Disposition"]

    # An edit no signal sees (prerender is off in tests anyway): the download checks the version.
    Route.objects.filter(pk=route.pk).update(final_event_title="Открытый урок для района")
    changed = client.get(url)
    assert layouts == [route.pk, route.pk]
    assert "Открытый урок для района" in changed.content.decode()
    assert "Открытый урок для района" not in first.content.decode()
    # Only the current version stays stored.
    assert os.listdir(exports.private_storage().path(f"card_pdfs/{route.pk}")) == [
        f"{version_of(route.pk)}.pdf"
    ]


def test_download_of_an_unchanged_card_does_a_handful_of_queries(
    client, world, route, layouts, django_assert_max_num_queries
):
    login(client, world["teacher"])
    url = reverse("routes:card_pdf", args=[route.pk])
    client.get(url)
    RouteActivityFactory.create_batch(5, route=route)
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200 and len(layouts) == 2


def test_edits_lay_the_card_out_after_commit_once_per_burst(
    world, route, layouts, settings, django_capture_on_commit_callbacks
):
    settings.CARD_PDF_PRERENDER = True
    with django_capture_on_commit_callbacks(execute=True):
        activity = RouteActivityFactory(route=route, title="Семинар «Формирующее оценивание»")
        activity.competences.add(CompetenceBlockFactory())
        CorrectionFactory(route=route, reason="Добавлен семинар")
    # Three edits in one transaction: one layout (eager here; on a worker, after the debounce).
    assert layouts == [route.pk]
    assert is_stored(route.pk, version_of(route.pk))
    assert "Формирующее оценивание" in card_pdf_bytes(exports.fetch_card(route.pk)).decode()
    assert layouts == [route.pk]  # the download that follows lays nothing out


def test_withdrawn_consent_removes_the_stored_cards(
    world, route, layouts, django_capture_on_commit_callbacks
):
    card_pdf_bytes(exports.fetch_card(route.pk))
    assert is_stored(route.pk, version_of(route.pk))
    teacher = world["teacher"]
    with django_capture_on_commit_callbacks(execute=True):
        teacher.consent_withdrawn_at = timezone.now()
        teacher.save()
    assert not os.path.exists(exports.private_storage().path(f"card_pdfs/{route.pk}"))


def test_archive_lays_out_only_the_stale_cards_in_chunks(world, layouts, settings):
    settings.CARD_ARCHIVE_CHUNK = 1  # a chord of several chunks, eagerly
    routes = [make_route(world["teacher"])] + [
        make_route(make_person(Role.TEACHER, organization=world["o1"], last_name=f"Карточкина{i}"))
        for i in range(3)
    ]
    for r in routes[:3]:
        card_pdf_bytes(exports.fetch_card(r.pk))  # stored: current
    Route.objects.filter(pk=routes[0].pk).update(conclusions="Маршрут выполнен полностью.")  # now stale
    layouts.clear()

    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    run = card_archive_run(run_id=run.pk)
    assert run.status == CardArchiveRun.Status.DONE, run.error
    assert sorted(layouts) == sorted([routes[0].pk, routes[3].pk])  # the changed and the new one
    assert (run.routes_done, run.routes_total) == (4, 4)
    with zipfile.ZipFile(run.file.path) as zf:
        names = zf.namelist()
        assert len(names) == 4
        changed = next(n for n in names if n.endswith(f"_{routes[0].pk}.pdf"))
        assert "Маршрут выполнен полностью." in zf.read(changed).decode()

    # Nothing changed since: the next archive lays nothing out and zips the same files.
    layouts.clear()
    again = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    again = card_archive_run(run_id=again.pk)
    assert again.status == CardArchiveRun.Status.DONE and layouts == []
    with zipfile.ZipFile(again.file.path) as zf:
        assert sorted(zf.namelist()) == sorted(names)


def test_archive_merge_never_zips_a_card_edited_while_the_chunks_ran(world, layouts, settings, monkeypatch):
    settings.CARD_ARCHIVE_CHUNK = 1
    first = make_route(world["teacher"])
    second = make_route(make_person(Role.TEACHER, organization=world["o1"], last_name="Второва"))
    card_pdf_bytes(exports.fetch_card(first.pk))
    layouts.clear()
    from routes.services import exports as svc

    chunk = svc.card_archive_chunk

    def chunk_then_edit(**kwargs):
        done = chunk(**kwargs)
        Route.objects.filter(pk=first.pk).update(conclusions="Изменено во время выгрузки.")
        return done

    monkeypatch.setattr(svc, "card_archive_chunk", chunk_then_edit)
    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    run = card_archive_run(run_id=run.pk)
    assert run.status == "done", run.error
    with zipfile.ZipFile(run.file.path) as zf:
        text = zf.read(next(n for n in zf.namelist() if n.endswith(f"_{first.pk}.pdf"))).decode()
    assert "Изменено во время выгрузки." in text
    assert sorted(layouts) == sorted([second.pk, first.pk])


def test_archive_page_shows_the_progress_of_a_running_build(client, world, route):
    run = CardArchiveRun.objects.create(
        requested_by=world["operator"].user,
        organization=world["o1"],
        status=CardArchiveRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        routes_total=40,
        routes_done=10,
    )
    login(client, world["operator"])
    page = client.get(reverse("routes:archives")).content.decode()
    assert "выполняется, 25 %" in page and "10 из 40" in page
    assert run.progress == 25


def test_zip_of_the_archive_holds_pdf_bytes(world, route, layouts):
    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    run = card_archive_run(run_id=run.pk)
    with zipfile.ZipFile(io.BytesIO(open(run.file.path, "rb").read())) as zf:
        (name,) = zf.namelist()
        assert zf.read(name).startswith(b"%PDF")
