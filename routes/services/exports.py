"""Exports of ИОМ cards: the archive of an organization's or a municipality's cards, built in the
background (Celery) one card at a time into a ZIP on disk, with its run recorded."""

from __future__ import annotations

import logging
import os
import zipfile

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cnppm import access
from cnppm.models import Municipality, Organization, PersonalDataAccess
from cnppm.services import DomainError, event_record, personal_data_log

from ..choices import RouteStatus
from ..models import CardArchiveRun, Route

logger = logging.getLogger(__name__)

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
    rendered and written one at a time, so memory stays bounded whatever the number of cards."""
    from ..exports import card_filename, fetch_card, private_storage, render_card_pdf

    run = CardArchiveRun.objects.select_related("requested_by").get(pk=run_id)
    if run.status not in (CardArchiveRun.Status.QUEUED, CardArchiveRun.Status.FAILED):
        return run  # a duplicate delivery of the task: the first one owns the run
    run.status = CardArchiveRun.Status.RUNNING
    run.started_at = timezone.now()
    run.error = ""
    run.routes_done = 0
    run.save(update_fields=["status", "started_at", "error", "routes_done"])
    storage = private_storage()
    stamp = run.started_at.strftime("%Y%m%d-%H%M%S")
    name = storage.get_available_name(f"card_archives/{run.started_at:%Y/%m}/ИОМ_архив_{run.pk}_{stamp}.zip")
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
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
        run.routes_total = len(ids)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for n, pk in enumerate(ids, 1):
                route = fetch_card(pk)
                zf.writestr(card_filename(route, "pdf"), render_card_pdf(route))
                del route
                if n % PROGRESS_EVERY == 0:
                    CardArchiveRun.objects.filter(pk=run.pk).update(routes_done=n, routes_total=len(ids))
        run.routes_done = len(ids)
        run.file.name = name
        run.status = CardArchiveRun.Status.DONE
    except Exception as exc:  # recorded on the run and shown to the user
        logger.exception("card archive %s failed", run.pk)
        if os.path.exists(path):
            os.remove(path)
        run.status = CardArchiveRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "file", "routes_total", "routes_done", "finished_at", "error"])
    return run


def archive_runs(*, user) -> QuerySet:
    """The user's own archive runs (an archive is downloadable only by who asked for it)."""
    return CardArchiveRun.objects.filter(requested_by_id=user.pk).select_related(
        "organization", "municipality"
    )
