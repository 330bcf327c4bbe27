"""Exports of ИОМ cards: the archive of an organization's or a municipality's cards, built in the
background (Celery) from the cards' stored PDFs (routes.services.card_pdfs), the stale ones laid out
by a chord of chunks over the workers, into a ZIP on disk, with its run and progress recorded."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cnppm import access, jobs
from cnppm.models import Municipality, Organization, PersonalDataAccess
from cnppm.services import DomainError, event_record, personal_data_log

from ..choices import RouteStatus
from ..exports import private_storage
from ..models import CardArchiveRun, Route

PROGRESS_EVERY = 25


def archive_routes(*, user, organization_id=None, municipality_id=None, academic_year=None) -> QuerySet:
    """Routes (not cancelled) of the organization or municipality, inside the user's scope."""
    qs = Route.objects.exclude(status=RouteStatus.CANCELLED)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    elif municipality_id:
        qs = qs.filter(organization__municipality_id=municipality_id)
    else:
        return Route.objects.none()
    if academic_year:
        qs = qs.filter(academic_year=academic_year)
    return access.restrict(user, qs).filter(Q(organization__in=access.person_level_organizations(user)))


@transaction.atomic
def card_archive_request(
    *,
    actor,
    organization: Organization | None = None,
    municipality: Municipality | None = None,
    academic_year: int | None = None,
) -> CardArchiveRun:
    """Record an archive run and enqueue its build after the transaction commits. The organization or
    municipality must be one whose people the actor sees as a whole."""
    if (organization is None) == (municipality is None):
        raise DomainError("Выберите организацию или муниципалитет (что-то одно).")
    if (
        organization is not None
        and not access.person_level_organizations(actor).filter(pk=organization.pk).exists()
    ):
        raise DomainError("Организация не найдена или вне вашей области доступа.")
    if (
        municipality is not None
        and not access.person_level_municipalities(actor).filter(pk=municipality.pk).exists()
    ):
        raise DomainError("Муниципалитет не найден или вне вашей области доступа.")
    total = archive_routes(
        user=actor,
        organization_id=getattr(organization, "pk", None),
        municipality_id=getattr(municipality, "pk", None),
        academic_year=academic_year,
    ).count()
    if total == 0:
        raise DomainError(
            "В выбранной области нет карт ИОМ"
            + (f" за {academic_year}/{academic_year + 1} учебный год." if academic_year else ".")
        )
    run = CardArchiveRun.objects.create(
        requested_by=actor,
        organization=organization,
        municipality=municipality,
        academic_year=academic_year,
        routes_total=total,
    )
    event_record(
        actor=actor, target=run, verb="card_archive_requested", new=run.scope_label, comment=f"карт: {total}"
    )
    personal_data_log(
        actor=actor,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="route_card_archive",
        object_id=run.pk,
        records=total,
    )
    from ..tasks import card_archive_build

    transaction.on_commit(lambda: card_archive_build.delay(run.pk))
    return run


def card_archive_run(*, run_id: int) -> CardArchiveRun:
    """Build the archive (the task routes.tasks.card_archive_build). The scope is re-checked against
    the requester's scope now. Cards whose stored PDF is their current version (routes.card_pdf) are
    taken as they are; the stale ones are laid out by a Celery chord of chunks spread over the workers
    (`card_archive_chunk`), whose body zips the stored PDFs (`card_archive_merge`); with nothing stale
    the ZIP is written at once. The attempt's partial file exists from the start and the ZIP replaces
    it only when complete: a failed, interrupted or taken-over build leaves no file of personal data
    behind (cnppm.jobs). A run that is finished, or built by a live worker, is left as it is (a
    redelivered task); a run whose worker died is taken over and planned again (what the dead attempt
    had laid out is stored and is not laid out twice)."""
    with jobs.run_guard(CardArchiveRun, run_id) as lease:
        if lease is not None:
            _archive_plan(lease, CardArchiveRun.objects.select_related("requested_by").get(pk=run_id))
    return CardArchiveRun.objects.get(pk=run_id)


def chunk_size() -> int:
    """Cards per chunk of the chord: small enough that the workers finish close together (the last
    chunk alone is the tail), large enough that a chunk's fetch and task overhead stay small."""
    return max(int(getattr(settings, "CARD_ARCHIVE_CHUNK", 10)), 1)


def _archive_ids(run: CardArchiveRun) -> list[int]:
    return list(
        archive_routes(
            user=run.requested_by,
            organization_id=run.organization_id,
            municipality_id=run.municipality_id,
            academic_year=run.academic_year,
        )
        .order_by("organization__short_name", "teacher__last_name", "teacher__first_name", "pk")
        .values_list("pk", flat=True)
    )


def _cards(ids: list[int]):
    """(route, version) of the cards, fetched a chunk at a time with their context's prefetches."""
    from ..card_pdf import card_version, template_fingerprint
    from ..selectors import card_queryset

    fingerprint = template_fingerprint()
    size = chunk_size() * 5
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        routes = card_queryset().in_bulk(part)
        for pk in part:
            route = routes.get(pk)
            if route is not None:
                yield route, card_version(route, fingerprint=fingerprint)


def _archive_plan(lease: jobs.Lease, run: CardArchiveRun) -> None:
    from celery import chord

    from ..tasks import card_archive_chunk as chunk_task
    from ..tasks import card_archive_merge as merge_task
    from .card_pdfs import is_stored

    lease.beat(routes_done=0)
    # The attempt's file exists (empty) while the cards are laid out; the merge fills and places it.
    open(lease.partial_path(private_storage()), "wb").close()
    ids = _archive_ids(run)
    fresh: dict[int, str] = {}
    stale: list[int] = []
    for n, (route, version) in enumerate(_cards(ids), 1):
        if is_stored(route.pk, version):
            fresh[route.pk] = version
        else:
            stale.append(route.pk)
        if n % PROGRESS_EVERY == 0:
            lease.beat()
    lease.beat(routes_done=len(fresh), routes_total=len(ids))
    if not stale:
        _archive_merge(lease, run, ids, known=fresh)
        return
    size = chunk_size()
    lease.hand_over()
    header = [chunk_task.si(run.pk, lease.attempt, stale[i : i + size]) for i in range(0, len(stale), size)]
    chord(header)(merge_task.si(run.pk, lease.attempt))


def card_archive_chunk(*, run_id: int, attempt: int, route_ids: list[int]) -> int:
    """Lay out and store the chunk's cards (those still stale: another chunk, a download or the
    debounced task may have done some meanwhile), counting each in the run's progress."""
    from ..card_pdf import card_version
    from ..selectors import card_context, card_queryset
    from .card_pdfs import card_pdf_store, is_stored

    rendered = 0
    with jobs.step_guard(CardArchiveRun, run_id, attempt) as lease:
        if lease is None:
            return 0
        routes = card_queryset().in_bulk(route_ids)
        for pk in route_ids:
            route = routes.get(pk)
            if route is not None:
                card = card_context(route)  # built once: for the version and for the layout
                version = card_version(route, card)
                if not is_stored(pk, version):
                    card_pdf_store(route, version, card)
                    rendered += 1
            lease.beat(routes_done=F("routes_done") + 1)
    return rendered


def card_archive_merge(*, run_id: int, attempt: int) -> str:
    """The chord's body: zip the archive's stored PDFs (checking each card's version once more: a
    card edited while the chunks ran is laid out again here, never zipped stale) and finish the run."""
    with jobs.step_guard(CardArchiveRun, run_id, attempt) as lease:
        if lease is not None:
            run = CardArchiveRun.objects.select_related("requested_by").get(pk=run_id)
            _archive_merge(lease, run, _archive_ids(run))
    return CardArchiveRun.objects.get(pk=run_id).status


def _archive_merge(lease: jobs.Lease, run: CardArchiveRun, ids: list[int], known=None) -> None:
    """Write the ZIP from the stored PDFs of `ids` (in their order) into the attempt's partial file
    and move it into place. `known` maps cards to versions just checked (the plan found nothing
    stale); otherwise each card's version is checked here."""
    from ..exports import card_filename, fetch_card
    from .card_pdfs import card_pdf_store, stored_path

    storage = private_storage()
    partial = lease.partial_path(storage)
    if known is not None:
        routes = Route.objects.select_related("teacher").in_bulk(list(known))
        cards = ((routes[pk], known[pk]) for pk in ids if pk in routes and pk in known)
    else:
        cards = _cards(ids)
    done = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
        for route, version in cards:
            path = stored_path(route.pk, version)
            try:
                zf.write(path, card_filename(route, "pdf"))
            except FileNotFoundError:  # stale after all: edited meanwhile, or its file was cleaned
                path = card_pdf_store(fetch_card(route.pk), version)
                zf.write(path, card_filename(route, "pdf"))
            done += 1
            if done % PROGRESS_EVERY == 0:
                lease.beat()
    started = timezone.localtime(run.started_at or timezone.now())
    name = lease.place(
        storage, partial, f"card_archives/{started:%Y/%m}/ИОМ_архив_{run.pk}_{started:%Y%m%d-%H%M%S}.zip"
    )
    lease.finish(file=name, routes_done=done, routes_total=done)


def archive_runs(*, user) -> QuerySet:
    """The user's own archive runs (an archive is downloadable only by who asked for it)."""
    return CardArchiveRun.objects.filter(requested_by_id=user.pk).select_related(
        "organization", "municipality"
    )
