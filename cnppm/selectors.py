"""Reads of the staff directory. Every function takes the user who fetches and goes through
cnppm.access."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from . import access
from .models import Consent, Organization, Person, RoleAssignment, Subject, SupportAssignment


def person_list(
    *, user, search: str = "", municipality_id=None, organization_id=None, role: str = ""
) -> QuerySet:
    qs = (
        access.people(user)
        .select_related("organization__municipality", "user")
        .prefetch_related("subjects", Prefetch("roles", queryset=RoleAssignment.objects.order_by("role")))
        .order_by("last_name", "first_name", "middle_name", "id")
    )
    if search:
        for word in search.split():
            qs = qs.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(middle_name__icontains=word)
                | Q(email__icontains=word)
            )
    if municipality_id:
        qs = qs.filter(organization__municipality_id=municipality_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if role:
        qs = qs.filter(roles__role=role).distinct()
    return qs


def person_get(*, user, pk) -> Person:
    qs = Person.objects.select_related("organization__municipality__region", "user").prefetch_related(
        "subjects",
        Prefetch(
            "roles", queryset=RoleAssignment.objects.select_related("organization", "municipality", "region")
        ),
        "trainings",
    )
    return access.get_or_404(user, qs, pk=pk)


def organization_list(*, user, search: str = "", municipality_id=None, kind: str = "") -> QuerySet:
    qs = (
        access.organizations(user)
        .select_related("municipality")
        .annotate(people_count=Count("people", distinct=True))
        .order_by("municipality__name", "short_name")
    )
    if search:
        qs = qs.filter(Q(short_name__icontains=search) | Q(full_name__icontains=search))
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def subject_list() -> QuerySet:
    return Subject.objects.all()


def person_of(user) -> Person | None:
    if not user.is_authenticated:
        return None
    return (
        Person.objects.select_related("organization__municipality__region")
        .prefetch_related(
            "subjects",
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.select_related(
                    "organization", "municipality", "region"
                ).order_by("role"),
            ),
        )
        .filter(user_id=user.pk)
        .first()
    )


def organization_get(*, user, pk) -> Organization:
    try:
        return access.organizations(user).select_related("municipality").get(pk=pk)
    except (Organization.DoesNotExist, ValueError):
        raise Http404 from None


def person_supporters(*, user, person: Person) -> QuerySet:
    """The active curator, tutor and mentor of `person`, as seen by `user`."""
    return (
        access.restrict(user, SupportAssignment.objects.filter(person=person, ended_at__isnull=True))
        .select_related("supporter__organization", "subject")
        .order_by("role")
    )


def consent_live(*, user) -> Consent | None:
    """The user's live consent to the current redaction, if any."""
    if not user.is_authenticated:
        return None
    return (
        Consent.objects.select_related("document")
        .filter(user_id=user.pk, withdrawn_at__isnull=True, document__is_current=True)
        .first()
    )
