"""Exports of ИОМ cards: the archive of an organization's or a municipality's cards, built in the
background (Celery) one card at a time into a ZIP on disk, with its run recorded."""

from __future__ import annotations

import zipfile

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cnppm import access, jobs
from cnppm.models import Municipality, Organization, PersonalDataAccess
from cnppm.services import DomainError, event_record, personal_data_log

from ..choices import RouteStatus
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
    """Build the archive: one PDF per route of the scope (re-checked against the requester's scope now),
    rendered and written one at a time, so memory stays bounded whatever the number of cards. The ZIP
    is written to a partial path and moved into place only when complete: a failed, interrupted or
    taken-over build leaves no file of personal data behind (cnppm.jobs). A run that is finished, or
    built by a live worker, is left as it is (a redelivered task); a run whose worker died is taken over."""
    with jobs.run_guard(CardArchiveRun, run_id) as lease:
        if lease is not None:
            _archive_build(lease, CardArchiveRun.objects.select_related("requested_by").get(pk=run_id))
    return CardArchiveRun.objects.get(pk=run_id)


def _archive_build(lease: jobs.Lease, run: CardArchiveRun) -> None:
    from ..exports import card_filename, fetch_card, private_storage, render_card_pdf

    lease.beat(routes_done=0)
    ids = list(
        archive_routes(
            user=run.requested_by,
            organization_id=run.organization_id,
            municipality_id=run.municipality_id,
            academic_year=run.academic_year,
        )
        .order_by("organization__short_name", "teacher__last_name", "teacher__first_name", "pk")
        .values_list("pk", flat=True)
    )
    storage = private_storage()
    partial = lease.partial_path(storage)
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for n, pk in enumerate(ids, 1):
            route = fetch_card(pk)
            zf.writestr(card_filename(route, "pdf"), render_card_pdf(route))
            del route
            if n % PROGRESS_EVERY == 0:
                lease.beat(routes_done=n, routes_total=len(ids))
    started = timezone.localtime(run.started_at or timezone.now())
    name = lease.place(
        storage, partial, f"card_archives/{started:%Y/%m}/ИОМ_архив_{run.pk}_{started:%Y%m%d-%H%M%S}.zip"
    )
    lease.finish(file=name, routes_done=len(ids), routes_total=len(ids))


def archive_runs(*, user) -> QuerySet:
    """The user's own archive runs (an archive is downloadable only by who asked for it)."""
    return CardArchiveRun.objects.filter(requested_by_id=user.pk).select_related(
        "organization", "municipality"
    )
