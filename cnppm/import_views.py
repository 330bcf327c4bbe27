"""The imports hub (operator only): a card per import with its template, the roster and structure
uploads, the credentials file of imported accounts, and the activation page those accounts' links
lead to. Thin: parse, call cnppm.importers, render."""

from __future__ import annotations

from importlib import import_module

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import base36_to_int
from django.views.decorators.http import require_POST

from . import access, import_jobs, importers
from .choices import Role
from .models import PersonalDataAccess
from .services import DomainError, personal_data_log

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
APPS = ("diagnostics", "routes", "monitoring", "courses")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Файл XLSX",
        help_text="Книга Excel по шаблону; первая строка — заголовки столбцов.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label="Только проверить, ничего не записывать", required=False)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def other_imports() -> list[dict]:
    """Imports of the other apps: `<app>.navigation.IMPORTS`, entries whose url names reverse."""
    cards = []
    for app in APPS:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        for entry in getattr(module, "IMPORTS", []):
            try:
                url = reverse(entry["url_name"])
            except (NoReverseMatch, KeyError):
                continue
            try:
                template_url = reverse(entry["template_url_name"]) if entry.get("template_url_name") else ""
            except NoReverseMatch:
                template_url = ""
            cards.append(
                {
                    "title": entry.get("title", ""),
                    "description": entry.get("description", ""),
                    "url": url,
                    "template_url": template_url,
                }
            )
    return cards


def _region(request):
    try:
        return importers._resolve_region(request.user, None)
    except DomainError:
        return None


def _choosable_regions(user):
    """An operator of several regions names the region of each upload (write_region asks them to)."""
    from .models import Region

    ids = access.region_ids_for_write(user)
    return Region.objects.filter(pk__in=ids) if len(ids) > 1 else Region.objects.none()


# The history before the portal (issue 10.2): past diagnostics and routes, regional events, staff
# training; each a card on the hub with its template, uploaded like the roster.
HISTORY_KINDS = ("history", "events", "staff_training")


def _history_cards(forms: dict) -> list[dict]:
    from monitoring.services import records_import
    from routes import history

    cards = [
        (
            "history",
            "История: диагностика и ИОМ прошлых лет",
            "Результаты диагностики (по блокам) и ИОМ с датами создания, подачи, рассмотрения (с заключением "
            "куратора), утверждения и завершения, их мероприятия с выполнением; организация — на момент события. "
            "Каждое событие учитывается в показателях того периода, когда оно произошло. Листы: "
            + ", ".join(f"«{t}»" for t in history.SHEETS)
            + ".",
            "Загрузить историю",
        ),
        (
            "events",
            "Региональные мероприятия ЦНППМ",
            "Мероприятия прошлых лет. Столбцы: " + ", ".join(records_import.EVENTS_COLUMNS) + ".",
            "Загрузить мероприятия",
        ),
        (
            "staff_training",
            "Обучение сотрудников ЦНППМ",
            "Пройденное обучение сотрудников и руководителей (в том числе у Федерального координатора). "
            "Столбцы: " + ", ".join(records_import.TRAINING_COLUMNS) + ".",
            "Загрузить обучение",
        ),
    ]
    return [
        {
            "kind": kind,
            "title": title,
            "description": description,
            "button": button,
            "form": forms.get(f"{kind}_form") or UploadForm(prefix=kind),
            "action": reverse(f"imports_{kind}"),
            "template_url": reverse(f"imports_{kind}_template"),
        }
        for kind, title, description, button in cards
    ]


def _hub(request, *, roster_form=None, structure_form=None, result=None, status=200, **forms):
    region = _region(request)
    pending = importers.pending_accounts(actor=request.user, region=region).count() if region else 0
    return render(
        request,
        "cnppm/imports.html",
        {
            "roster_form": roster_form or UploadForm(prefix="roster"),
            "structure_form": structure_form or UploadForm(prefix="structure"),
            "result": result,
            "pending_accounts": pending,
            "other_imports": other_imports(),
            "history_cards": _history_cards(forms),
            "roster_columns": importers.ROSTER_COLUMNS,
            "structure_sheets": importers.STRUCTURE_SHEETS,
            "max_mb": round(importers.settings.IMPORT_MAX_BYTES / 1024 / 1024),
            "regions": _choosable_regions(request.user),
        },
        status=status,
    )


@access.role_required(Role.OPERATOR)
def imports(request):
    return _hub(request)


def _upload(request, kind: str):
    """Store the file and queue its import; the job page shows progress, then the result or errors."""
    form = UploadForm(request.POST, request.FILES, prefix=kind)
    forms_kw = {f"{kind}_form": form}
    if not form.is_valid():
        return _hub(request, **forms_kw, status=400)
    try:
        # The actor's region (another region's id answers 404); several regions: the one chosen.
        region = access.write_region(request.user, request.POST.get("region"))
        job = import_jobs.import_job_submit(
            actor=request.user,
            kind=kind,
            upload=form.cleaned_data["file"],
            params={"dry_run": form.cleaned_data["dry_run"], "region": region.pk},
            region_id=region.pk,
        )
    except DomainError as exc:
        return _hub(request, **forms_kw, result={"kind": kind, "fatal": exc.message}, status=400)
    return redirect("import_job", pk=job.pk)


@login_required
def import_job(request, pk: int):
    """An import's progress (polled while it runs) and then its result or its errors. Its uploader
    and the operators of its region see it; anybody else gets 404."""
    job = get_object_or_404(import_jobs.import_jobs_visible(request.user), pk=pk)
    errors = job.errors if isinstance(job.errors, list) else []
    result = job.result if isinstance(job.result, dict) else {}
    return render(
        request,
        "cnppm/import_job.html",
        {
            "job": job,
            "errors": errors[:500],
            "errors_total": len(errors),
            "row_errors": any("row" in e for e in errors),
            "sheet_errors": any(e.get("sheet") for e in errors),
            # A clean dry run: its uploader writes the checked file with one button (issue 10.4).
            "can_confirm": import_jobs.confirmable_by(request.user, job),
            "confirm_until": import_jobs.confirm_until(job),
            "confirmed_by": result.get("confirmed_by"),
            "confirms": (job.params or {}).get("confirms"),
        },
    )


@access.role_required(Role.OPERATOR)
@require_POST
def import_job_confirm(request, pk: int):
    """Write the file a dry run checked (the same service as the upload without «Только проверить»);
    then the new job's page. A refusal (not the uploader, twice, expired …) is shown on the dry run's page."""
    job = get_object_or_404(import_jobs.import_jobs_visible(request.user), pk=pk)
    try:
        confirming = import_jobs.import_job_confirm(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("import_job", pk=job.pk)
    return redirect("import_job", pk=confirming.pk)


@access.role_required(Role.OPERATOR)
@require_POST
def roster_upload(request):
    return _upload(request, "roster")


@access.role_required(Role.OPERATOR)
@require_POST
def structure_upload(request):
    return _upload(request, "structure")


@access.role_required(Role.OPERATOR)
@require_POST
def history_upload(request, kind: str):
    return _upload(request, kind)


def _history_template(kind: str) -> bytes:
    from monitoring.services import records_import
    from routes import history

    return {
        "history": history.history_template,
        "events": records_import.events_template,
        "staff_training": records_import.staff_training_template,
    }[kind]()


@access.role_required(Role.OPERATOR)
def history_template(request, kind: str):
    return _xlsx_response(_history_template(kind), f"{kind.replace('_', '-')}-template.xlsx")


@access.role_required(Role.OPERATOR)
def roster_template(request):
    return _xlsx_response(importers.roster_template(region=_region(request)), "roster-template.xlsx")


@access.role_required(Role.OPERATOR)
def structure_template(request):
    return _xlsx_response(importers.structure_template(), "structure-template.xlsx")


@access.role_required(Role.OPERATOR)
def credentials(request):
    people = list(
        importers.pending_accounts(
            actor=request.user,
            region=_region(request),
            organization_id=request.GET.get("organization") or None,
        )
    )
    if not people:
        messages.info(request, "Все импортированные учётные записи уже активированы: выдавать нечего.")
        return redirect("imports")
    content, count = importers.credentials_workbook(people, base_url=request.build_absolute_uri("/"))
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="credentials",
        records=count,
        path=request.get_full_path(),
    )
    return _xlsx_response(content, f"credentials-{timezone.localdate():%Y-%m-%d}.xlsx")


def account_activate(request, uidb36: str, token: str):
    """The page a one-time link leads to: the person sets their password and is signed in."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=base36_to_int(uidb36), is_active=True)
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not importers.activation_tokens.check_token(user, token):
        return render(request, "cnppm/imports_activate.html", {"invalid": True}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = importers.account_activate(
                user=user, token=token, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(request, "cnppm/imports_activate.html", {"invalid": True}, status=404)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Пароль задан. Добро пожаловать в портал!")
        return redirect("cabinet")
    return render(request, "cnppm/imports_activate.html", {"form": form, "account": user})
