"""Downloads of the ИОМ card (PDF, XLSX) and the archives of many cards. Every export is scoped through
cnppm.access and logged in the personal-data journal."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from ..exports import card_filename, private_storage, render_card_xlsx
from ..models import CardArchiveRun
from ..selectors import card_queryset
from ..services import exports as svc
from ..services.card_pdfs import card_pdf_bytes

ARCHIVE_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "card"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _card_for_export(request, pk):
    route = access.get_or_404(request.user, card_queryset(), pk=pk)
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="route_card",
        object_id=route.pk,
        path=request.path,
    )
    return route


@login_required
def card_pdf(request, pk):
    """The card's stored PDF of its current version (laid out here only when that version is not
    stored yet: an unchanged card is served from storage, a changed one never stale)."""
    route = _card_for_export(request, pk)
    response = HttpResponse(card_pdf_bytes(route), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(card_filename(route, "pdf"))
    return response


@login_required
def card_xlsx(request, pk):
    route = _card_for_export(request, pk)
    response = HttpResponse(render_card_xlsx(route), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(card_filename(route, "xlsx"))
    return response


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@access.role_required(*ARCHIVE_ROLES)
def archives(request):
    organizations = (
        access.person_level_organizations(request.user)
        .select_related("municipality")
        .order_by("municipality__name", "short_name")
    )
    municipalities = access.person_level_municipalities(request.user).order_by("name")
    if request.method == "POST":
        org_id = _int_or_none(request.POST.get("organization"))
        muni_id = _int_or_none(request.POST.get("municipality"))
        try:
            run = svc.card_archive_request(
                actor=request.user,
                organization=organizations.filter(pk=org_id).first() if org_id else None,
                municipality=municipalities.filter(pk=muni_id).first() if muni_id else None,
                academic_year=_int_or_none(request.POST.get("academic_year")),
            )
            if (org_id and run.organization_id is None) or (muni_id and run.municipality_id is None):
                raise DomainError("Выбранная область не найдена.")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Архив заказан: карт — {run.routes_total}. Он появится в списке, когда будет готов."
            )
            return redirect("routes:archives")
    runs = list(svc.archive_runs(user=request.user)[:50])
    return render(
        request,
        "routes/pdf/archives.html",
        {
            "runs": runs,
            "organizations": organizations,
            "municipalities": municipalities,
            "pending": any(
                r.status in (CardArchiveRun.Status.QUEUED, CardArchiveRun.Status.RUNNING) for r in runs
            ),
        },
    )


@access.role_required(*ARCHIVE_ROLES)
def archive_download(request, pk):
    run = svc.archive_runs(user=request.user).filter(pk=pk, status=CardArchiveRun.Status.DONE).first()
    if run is None or not run.file:
        raise Http404
    storage = private_storage()
    if not storage.exists(run.file.name):
        raise Http404
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="route_card_archive",
        object_id=run.pk,
        records=run.routes_done,
        path=request.path,
    )
    filename = f"ИОМ_{run.scope_label}_{run.pk}.zip".replace(" ", "_").replace("/", "_")
    return FileResponse(storage.open(run.file.name, "rb"), as_attachment=True, filename=filename)
