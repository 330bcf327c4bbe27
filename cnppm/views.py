"""Pages of the staff directory and the personal cabinet. Thin: parse, call a selector or a
service, render."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.static import serve

from . import access, selectors, services
from .api_tokens import tokens_of
from .choices import OrganizationKind, Role
from .depersonalisation import depersonalisation_rows, destruction_deadline
from .forms import ProfileForm
from .models import PersonalDataAccess

PAGE_SIZE = 50


def home(request):
    if request.user.is_authenticated:
        return redirect("cabinet")
    return redirect("account_login")


def _cabinet_panels(request) -> list[dict]:
    """Each app may contribute panels to the cabinet: `<app>.cabinet.panels(request)` returns a list
    of {"template": ..., "context": {...}}."""
    panels = []
    for app in ("diagnostics", "routes", "monitoring"):
        try:
            module = import_module(f"{app}.cabinet")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.cabinet":
                raise
            continue
        panels.extend(module.panels(request))
    return panels


@login_required
def cabinet(request):
    person = selectors.person_of(request.user)
    return render(
        request,
        "cnppm/cabinet.html",
        {
            "person": person,
            "roles": person.roles.all() if person else [],
            "panels": _cabinet_panels(request),
            "consent": selectors.consent_live(user=request.user),
            "supporters": list(selectors.person_supporters(user=request.user, person=person))
            if person
            else [],
            "now": timezone.now(),
            "api_tokens": list(tokens_of(request.user)),
        },
    )


@login_required
def profile_edit(request):
    person = selectors.person_of(request.user)
    if person is None:
        raise Http404
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            changed = services.person_profile_update(actor=request.user, person=person, data=data)
        except services.DomainError as exc:
            messages.error(request, exc.message)
        else:
            if changed:
                messages.success(request, f"Профиль сохранён, изменено полей: {len(changed)}.")
            else:
                messages.info(request, "Изменений нет.")
            return redirect("cabinet")
    elif request.method == "POST":
        # the model form has written the bad values into the instance: show the stored profile
        # beside the form again, not the rejected input
        person.refresh_from_db()
    return render(request, "cnppm/profile_edit.html", {"form": form, "person": person})


def _safe_next(request, default="cabinet"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def consent(request):
    document = services.consent_current_document()
    if document is None:
        return redirect(_safe_next(request))
    if request.method == "POST":
        if request.POST.get("agree") != "1":
            messages.error(request, "Чтобы продолжить, отметьте согласие с текстом документа.")
        elif str(document.pk) != request.POST.get("document"):
            messages.error(
                request, "Пока вы читали, была опубликована новая редакция согласия. Ознакомьтесь с ней."
            )
        else:
            try:
                services.consent_give(
                    actor=request.user, document=document, ip_address=request.META.get("REMOTE_ADDR")
                )
            except services.DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Согласие на обработку персональных данных сохранено.")
                return redirect(_safe_next(request))
    return render(
        request,
        "cnppm/consent.html",
        {
            "document": document,
            "next": _safe_next(request, ""),
            "already_given": services.consent_is_given(request.user),
            "withdrawn_at": request.user.consent_withdrawn_at,
            "destruction_deadline": destruction_deadline(request.user.consent_withdrawn_at),
        },
    )


@login_required
@require_POST
def consent_withdraw(request):
    count = services.consent_withdraw(actor=request.user)
    if count:
        messages.info(
            request,
            "Согласие отозвано. Работа в портале невозможна без согласия; ваши данные не обрабатываются, "
            f"а {timezone.localtime(destruction_deadline(request.user.consent_withdrawn_at)):%d.%m.%Y} "
            "будут обезличены, если вы не дадите согласие снова (сведения, которые закон обязывает хранить, сохраняются).",
        )
    return redirect("consent")


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    unread = [n.pk for n in items if n.read_at is None]
    response = render(request, "cnppm/notifications.html", {"items": items, "unread_count": len(unread)})
    if unread:
        request.user.notifications.filter(pk__in=unread).update(read_at=timezone.now())
    return response


@login_required
def people_list(request):
    if not access.sees_person_lists(request.user):
        raise Http404
    qs = selectors.person_list(
        user=request.user,
        search=request.GET.get("q", "").strip(),
        municipality_id=_int_or_none(request.GET.get("municipality")),
        organization_id=_int_or_none(request.GET.get("organization")),
        role=request.GET.get("role", "") if request.GET.get("role", "") in Role.values else "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    services.personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="person",
        records=len(page.object_list),
        path=request.get_full_path(),
    )
    return render(
        request,
        "cnppm/people_list.html",
        {
            "page": page,
            "municipalities": list(access.municipalities(request.user)),
            "roles": Role.choices,
            "q": request.GET.get("q", ""),
            "perms_operator": access.has_role(request.user, Role.OPERATOR),
        },
    )


@login_required
def person_detail(request, pk):
    person = selectors.person_get(user=request.user, pk=pk)
    services.personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.VIEW,
        object_type="person",
        object_id=pk,
        path=request.path,
    )
    return render(
        request,
        "cnppm/person_detail.html",
        {"person": person, "supporters": selectors.person_supporters(user=request.user, person=person)},
    )


@access.role_required(Role.OPERATOR)
def depersonalisations(request):
    """The act of depersonalisation after consent withdrawals (152-ФЗ ст. 21 ч. 5): who of the
    operator's region is due and by when, who was depersonalised and when, what was kept and why.
    Ids and dates only: nobody here is named."""
    return render(
        request,
        "cnppm/depersonalisations.html",
        {
            "rows": depersonalisation_rows(access.withdrawn_people(request.user)),
            "days": settings.CONSENT_DESTRUCTION_DAYS,
        },
    )


@login_required
def organizations_list(request):
    if not access.can_see_aggregates(request.user):
        raise Http404
    qs = selectors.organization_list(
        user=request.user,
        search=request.GET.get("q", "").strip(),
        municipality_id=_int_or_none(request.GET.get("municipality")),
        kind=request.GET.get("kind", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cnppm/organizations_list.html",
        {
            "page": page,
            "kinds": OrganizationKind.choices,
            "municipalities": list(access.municipalities(request.user)),
            "links_people": access.sees_person_lists(request.user),
        },
    )


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# Only item images are public to signed-in users. Everything else under MEDIA_ROOT (evidence,
# generated reports, archives) is served by its app's scoped view, never by path.
PUBLIC_MEDIA_PREFIXES = ("items/",)


def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page says: the vendored icon among the
    static files (its hashed name changes with the file, so the redirect is not permanent)."""
    response = redirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def media_for_signed_in(request, path, document_root=None):
    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)
