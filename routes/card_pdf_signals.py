"""Edits that may change an ИОМ card ask for its PDF to be laid out again (debounced, after commit:
routes.services.card_pdfs.card_pdf_schedule). This is only the warm-up of the store: a write that
no signal sees (a queryset update) is still never served stale, because every download and every
archive checks the card's version (routes.card_pdf)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cnppm.models import Organization, Person
from diagnostics.models import Attempt

from .models import Correction, Route, RouteActivity
from .services.card_pdfs import card_pdf_schedule, card_pdfs_discard


def _raw(kwargs) -> bool:
    return bool(kwargs.get("raw"))  # fixtures being loaded


@receiver(post_save, sender=Route, dispatch_uid="card_pdf_route_saved")
def _route_saved(sender, instance, **kwargs):
    if not _raw(kwargs):
        card_pdf_schedule([instance.pk])


@receiver(post_delete, sender=Route, dispatch_uid="card_pdf_route_deleted")
def _route_deleted(sender, instance, **kwargs):
    from django.db import transaction

    pk = instance.pk
    transaction.on_commit(lambda: card_pdfs_discard([pk]))


@receiver(post_save, sender=RouteActivity, dispatch_uid="card_pdf_activity_saved")
@receiver(post_delete, sender=RouteActivity, dispatch_uid="card_pdf_activity_deleted")
@receiver(post_save, sender=Correction, dispatch_uid="card_pdf_correction_saved")
@receiver(post_delete, sender=Correction, dispatch_uid="card_pdf_correction_deleted")
def _part_changed(sender, instance, **kwargs):
    if not _raw(kwargs):
        card_pdf_schedule([instance.route_id])


@receiver(m2m_changed, sender=RouteActivity.competences.through, dispatch_uid="card_pdf_competences")
def _competences_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:
        card_pdf_schedule([instance.route_id])
    elif pk_set:
        card_pdf_schedule(routes=Route.objects.filter(activities__pk__in=pk_set).distinct())


@receiver(post_save, sender=Person, dispatch_uid="card_pdf_person_saved")
def _person_saved(sender, instance, **kwargs):
    if _raw(kwargs):
        return
    if instance.consent_withdrawn_at is not None:
        # Processing stops at the withdrawal: no copy of their cards is kept laid out.
        from django.db import transaction

        ids = list(Route.objects.filter(teacher=instance).values_list("pk", flat=True))
        transaction.on_commit(lambda: card_pdfs_discard(ids))
        return
    card_pdf_schedule(routes=Route.objects.filter(teacher=instance))


@receiver(post_save, sender=Organization, dispatch_uid="card_pdf_organization_saved")
def _organization_saved(sender, instance, **kwargs):
    if not _raw(kwargs):
        card_pdf_schedule(routes=Route.objects.filter(teacher__organization=instance))


@receiver(post_save, sender=Attempt, dispatch_uid="card_pdf_attempt_saved")
def _attempt_saved(sender, instance, **kwargs):
    from .models import Route as R

    if not _raw(kwargs) and instance.finished_at is not None:
        card_pdf_schedule(
            routes=R.objects.filter(entry_attempt=instance) | R.objects.filter(final_attempt=instance)
        )
