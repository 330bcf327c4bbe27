"""Reads of instruments for authoring and the API, and final results per person and block for the
results export (person-level: narrowed by cnppm.access, logged by the caller)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cnppm import access
from cnppm.choices import Role

from ..choices import AttemptStatus, InstrumentStatus
from ..models import Attempt, BlockResult, CompetenceBlock, Instrument, Item, Variant

# Who may download final results per person (inside their scope); the ministry sees aggregates only.
RESULTS_EXPORT_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD)


def instrument_list(*, user, status: str = "", search: str = "") -> QuerySet:
    """Authoring list: every instrument with counts (operators only; the view checks the role)."""
    qs = (
        Instrument.objects.select_related("subject")
        .annotate(
            variants_count=Count("variants", distinct=True),
            items_count=Count("variants__items", distinct=True),
            attempts_count=Count("attempts", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return qs


def instrument_get(*, user, pk) -> Instrument:
    try:
        return Instrument.objects.select_related("subject", "previous_version").get(pk=pk)
    except (Instrument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def instrument_variants(instrument: Instrument) -> list[Variant]:
    return list(instrument.variants.annotate(items_count=Count("items")).order_by("number"))


def variant_get(*, instrument: Instrument, number) -> Variant:
    try:
        return instrument.variants.get(number=number)
    except (Variant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def variant_items(variant: Variant) -> QuerySet:
    return variant.items.select_related("block").order_by("number")


def item_get(*, pk) -> Item:
    try:
        return Item.objects.select_related("variant__instrument", "block").get(pk=pk)
    except (Item.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def block_list() -> QuerySet:
    return CompetenceBlock.objects.annotate(instruments_count=Count("instruments", distinct=True)).order_by(
        "audience", "order", "name"
    )


# --- API -----------------------------------------------------------------------------------------


def api_instruments(*, user) -> QuerySet:
    """Operators see every instrument; everybody else the published ones (no keys either way)."""
    qs = (
        Instrument.objects.select_related("subject").prefetch_related("blocks").order_by("-created_at", "-id")
    )
    if not access.has_role(user, Role.OPERATOR):
        qs = qs.filter(status=InstrumentStatus.PUBLISHED)
    return qs


def api_instrument_with_items(*, user, pk) -> Instrument:
    qs = api_instruments(user=user)
    if access.has_role(user, Role.OPERATOR):
        qs = qs.prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.order_by("number").prefetch_related(
                    Prefetch("items", queryset=Item.objects.select_related("block").order_by("number"))
                ),
            )
        )
    try:
        return qs.get(pk=pk)
    except (Instrument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- results export ------------------------------------------------------------------------------


def results_rows(*, user, instrument: Instrument) -> tuple[list[dict], list[CompetenceBlock]]:
    """Final results per person and block inside the user's scope: two queries whatever the size."""
    attempts = list(
        access.restrict(
            user,
            Attempt.objects.filter(instrument=instrument, status=AttemptStatus.FINAL).select_related(
                "person", "organization__municipality"
            ),
        ).order_by("person__last_name", "person__first_name", "person__middle_name", "number")
    )
    by_attempt: dict[int, dict[str, float]] = {}
    codes = set()
    for attempt_id, code, percent in BlockResult.objects.filter(
        attempt__in=[a.pk for a in attempts]
    ).values_list("attempt_id", "block__code", "percent"):
        by_attempt.setdefault(attempt_id, {})[code] = float(percent)
        codes.add(code)
    blocks = list(CompetenceBlock.objects.filter(code__in=codes).order_by("order", "name"))
    rows = []
    for a in attempts:
        rows.append(
            {
                "attempt_id": a.pk,
                "person_id": a.person_id,
                "full_name": a.person.full_name,
                "email": a.person.email,
                "organization": a.organization.short_name,
                "municipality": a.organization.municipality.name,
                "number": a.number,
                "is_external": a.is_external,
                "external_source": a.external_source,
                "date": timezone.localdate(a.finalized_at or a.finished_at or a.started_at).isoformat(),
                "percent": float(a.percent) if a.percent is not None else None,
                "level": a.level,
                "level_label": a.get_level_display(),
                "blocks": by_attempt.get(a.pk, {}),
            }
        )
    return rows, blocks
