"""Reads of the certificate register (issue 12.4): scoped through cnppm/access.py (a certificate is a
person-level row of its holder), with everything a page, the API and the ФИС ФРДО export print."""

from __future__ import annotations

from django.db.models import QuerySet

from cnppm import access
from cnppm.choices import Role

from .models import Certificate

# Who works with the whole register (lists it, exports it for ФИС ФРДО): the region's roles.
REGISTER_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST)


def _base() -> QuerySet:
    return Certificate.objects.select_related(
        "holder__organization", "programme", "training_record", "original", "region"
    )


def certificates_visible(user) -> QuerySet:
    """Certificates whose holder is in the user's scope (their own, their school's, …); reads logged."""
    return access.restrict(user, _base())


def register(user, *, year: int | None = None, programme_id: int | None = None) -> QuerySet:
    """The register in its order (year, sequence number), narrowed to the user's regions."""
    qs = certificates_visible(user).filter(region_id__in=access.scope_of(user).region_ids)
    if year:
        qs = qs.filter(register_year=year)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return qs.order_by("register_year", "register_seq")


def register_years(user) -> list[int]:
    return list(
        Certificate.objects.filter(region_id__in=access.scope_of(user).region_ids)
        .order_by("-register_year")
        .values_list("register_year", flat=True)
        .distinct()
    )


def register_gaps(user, year: int) -> list[int]:
    """Sequence numbers missing from a year's register of the user's regions (should be none)."""
    seqs = sorted(
        Certificate.objects.filter(
            region_id__in=access.scope_of(user).region_ids, register_year=year
        ).values_list("register_seq", flat=True)
    )
    present = set(seqs)
    return [n for n in range(1, (seqs[-1] if seqs else 0) + 1) if n not in present]
