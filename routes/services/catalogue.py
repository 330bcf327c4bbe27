"""The activity catalogue (избыточный перечень): create, edit and import entries. Operators edit
everything; municipal methodists only municipal-level activities of their municipality."""

from __future__ import annotations

from django.db import transaction

from cnppm import access
from cnppm.services import DomainError, event_record

from ..choices import ActivityFormat, ActivityKind, ActivityLevel
from ..models import Activity

SCALAR_FIELDS = (
    "kind",
    "title",
    "description",
    "level",
    "format",
    "organizer",
    "municipality",
    "starts_on",
    "ends_on",
    "hours",
    "in_federal_registry",
    "registry_number",
    "audience",
    "is_active",
    "programme",
)


def catalogue_activity_validate(*, actor, data: dict) -> list[str]:
    """Problems of one entry, in Russian (empty when it may be saved by this actor)."""
    errors = []
    if not (data.get("title") or "").strip():
        errors.append("не указано название")
    if data.get("kind") not in ActivityKind.values:
        errors.append("неизвестный вид мероприятия")
    if data.get("level") not in ActivityLevel.values:
        errors.append("неизвестный уровень")
    if data.get("format") not in ActivityFormat.values:
        errors.append("неизвестный формат")
    if not (data.get("organizer") or "").strip():
        errors.append("не указан организатор")
    if not data.get("competences"):
        errors.append("не указаны компетенции")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors.append("дата окончания раньше даты начала")
    if data.get("in_federal_registry") and not (data.get("registry_number") or "").strip():
        errors.append("для программы из федерального реестра укажите номер в реестре")
    if data.get("level") == ActivityLevel.MUNICIPAL and not data.get("municipality"):
        errors.append("для муниципального мероприятия укажите муниципалитет")
    municipality = data.get("municipality")
    if (
        access.has_role(actor, "operator")
        and municipality is not None
        and municipality.region_id not in access.region_ids_for_write(actor)
    ):
        errors.append("муниципалитет не найден в вашем регионе")
    programme = data.get("programme")
    if programme is not None and not access.programmes_managed(actor).filter(pk=programme.pk).exists():
        errors.append("программа курса не найдена среди программ вашего региона")
    if not access.has_role(actor, "operator"):
        scope = access.scope_of(actor)
        municipality = data.get("municipality")
        if (
            data.get("level") != ActivityLevel.MUNICIPAL
            or municipality is None
            or municipality.pk not in scope.municipality_ids
        ):
            errors.append("представитель ММС вносит только муниципальные мероприятия своего муниципалитета")
    return errors


def _apply(activity: Activity, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(activity, name, value)
    if activity.level != ActivityLevel.MUNICIPAL and "municipality" not in data:
        activity.municipality = None


@transaction.atomic
def catalogue_activity_create(*, actor, data: dict) -> Activity:
    if not access.can_edit_catalogue(actor):
        raise DomainError("Каталог ведут оператор ЦНППМ и представители ММС.", code="forbidden")
    errors = catalogue_activity_validate(actor=actor, data=data)
    if errors:
        raise DomainError("Мероприятие не сохранено: " + "; ".join(errors) + ".")
    activity = Activity(created_by=actor)
    _apply(activity, data)
    activity.save()
    activity.competences.set(data["competences"])
    activity.subjects.set(data.get("subjects") or [])
    event_record(actor=actor, target=activity, verb="catalogue_activity_created", new=activity.title)
    return activity


@transaction.atomic
def catalogue_activity_update(*, actor, activity: Activity, data: dict) -> Activity:
    if not Activity.objects.filter(access.catalogue_edit_q(actor), pk=activity.pk).exists():
        raise DomainError("Это мероприятие вы изменить не можете.", code="forbidden")
    merged = {name: getattr(activity, name) for name in SCALAR_FIELDS}
    merged["competences"] = list(activity.competences.all())
    merged["subjects"] = list(activity.subjects.all())
    merged.update(data)
    errors = catalogue_activity_validate(actor=actor, data=merged)
    if errors:
        raise DomainError("Мероприятие не сохранено: " + "; ".join(errors) + ".")
    changed = [n for n in SCALAR_FIELDS if n in data and getattr(activity, n) != merged[n]]
    for name in changed:
        event_record(
            actor=actor,
            target=activity,
            verb="catalogue_activity_updated",
            field=name,
            old=getattr(activity, name),
            new=merged[name],
        )
    _apply(activity, {n: merged[n] for n in SCALAR_FIELDS})
    activity.save()
    if "competences" in data:
        activity.competences.set(data["competences"])
    if "subjects" in data:
        activity.subjects.set(data["subjects"] or [])
    return activity


@transaction.atomic
def catalogue_import(*, actor, rows: list[dict]) -> list[Activity]:
    """Create every row or none: rows are already parsed and validated by routes.importers."""
    if not access.can_edit_catalogue(actor):
        raise DomainError("Каталог ведут оператор ЦНППМ и представители ММС.", code="forbidden")
    created = []
    for n, data in enumerate(rows, 1):
        errors = catalogue_activity_validate(actor=actor, data=data)
        if errors:
            raise DomainError(f"Строка {n}: " + "; ".join(errors) + ".")
        activity = Activity(created_by=actor)
        _apply(activity, data)
        activity.save()
        activity.competences.set(data["competences"])
        activity.subjects.set(data.get("subjects") or [])
        created.append(activity)
    event_record(
        actor=actor, target=created[0] if created else actor, verb="catalogue_imported", new=len(created)
    )
    return created
