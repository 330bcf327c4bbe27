"""Pages of the certificate register (issue 12.4): the register (operator, regional methodist), its
ФИС ФРДО export, one certificate with its PDF, the duplicate for a lost one, the issue of a
certificate for a training record. Every read of a certificate goes through cnppm.access (the
holder's scope) and every download is logged in the personal-data journal."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from . import frdo
from .models import TrainingRecord
from .selectors_certificates import (
    REGISTER_ROLES,
    certificates_visible,
    register,
    register_gaps,
    register_years,
)
from .services.certificates import certificate_duplicate_issue, certificate_issue, certificate_pdf_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 100


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(request):
    years = register_years(request.user)
    year = _int(request.GET.get("year"))
    year = year if year in years else (years[0] if years else None)
    return years, year, _int(request.GET.get("programme"))


@access.role_required(*REGISTER_ROLES)
def certificate_register(request):
    years, year, programme_id = _filters(request)
    rows = register(request.user, year=year, programme_id=programme_id) if year else []
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/certificates.html",
        {
            "page": page,
            "years": years,
            "year": year,
            "programme_id": programme_id or "",
            "gaps": register_gaps(request.user, year) if year else [],
        },
    )


@access.role_required(*REGISTER_ROLES)
def certificate_register_xlsx(request):
    """The year's register in the ФИС ФРДО layout (names, dates of birth, СНИЛС: logged as an export)."""
    _, year, programme_id = _filters(request)
    certificates = list(register(request.user, year=year, programme_id=programme_id)) if year else []
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="certificate_register",
        object_id=year or "",
        records=len(certificates),
        path=request.path,
        person_ids=[c.holder_id for c in certificates],
    )
    response = HttpResponse(frdo.register_xlsx(certificates), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(f"Реестр_удостоверений_ФРДО_{year or 'пусто'}.xlsx")
    return response


@login_required
def certificate_detail(request, pk):
    certificate = access.get_or_404(request.user, certificates_visible(request.user), pk=pk)
    can_issue = access.has_role(request.user, Role.OPERATOR) and certificate.region_id in (
        access.region_ids_for_write(request.user)
    )
    return render(
        request,
        "courses/certificate.html",
        {
            "c": certificate,
            "duplicates": list(certificate.duplicates.order_by("issued_on", "pk")),
            "can_duplicate": can_issue and certificate.status == "valid",
        },
    )


@login_required
def certificate_pdf(request, pk):
    certificate = access.get_or_404(request.user, certificates_visible(request.user), pk=pk)
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="certificate",
        object_id=certificate.pk,
        path=request.path,
        person_ids=[certificate.holder_id],
    )
    response = HttpResponse(certificate_pdf_bytes(certificate), content_type="application/pdf")
    number = certificate.registration_number.replace("/", "-")
    response["Content-Disposition"] = _attachment(f"Удостоверение_{number}.pdf")
    return response


@require_POST
@access.role_required(Role.OPERATOR)
def certificate_duplicate(request, pk):
    certificate = access.get_or_404(request.user, certificates_visible(request.user), pk=pk)
    try:
        duplicate = certificate_duplicate_issue(
            actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("courses:certificate", pk=certificate.pk)
    messages.success(request, f"Выдан дубликат № {duplicate.registration_number}.")
    return redirect("courses:certificate", pk=duplicate.pk)


@require_POST
@login_required
def record_certificate_issue(request, pk):
    """Issue the certificate of one training record (e.g. one finished before the register was kept
    here); the service decides who may."""
    record = access.get_or_404(request.user, TrainingRecord.objects.select_related("programme"), pk=pk)
    try:
        certificate = certificate_issue(actor=request.user, training_record=record)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("courses:record", pk=record.pk)
    messages.success(request, f"Выдано удостоверение № {certificate.registration_number}.")
    return redirect("courses:certificate", pk=certificate.pk)
