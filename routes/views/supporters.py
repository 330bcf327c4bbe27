"""The operator's pages that keep every route reviewable: the queue of submitted routes whose teacher
has no curator, and the supporter profiles (kind, subject areas) the assignment matches against."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess, RoleAssignment
from cnppm.russian import person_name
from cnppm.services import DomainError, personal_data_log

from .. import selectors
from ..forms import SupporterProfileForm
from ..services import supporters as svc

PAGE_SIZE = 50


@access.role_required(Role.OPERATOR)
def without_curator(request):
    page = Paginator(selectors.submitted_without_curator(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="route",
        records=len(page.object_list),
        path=request.get_full_path(),
    )
    return render(request, "routes/assignment/without_curator.html", {"page": page})


def _profiles(user):
    return (
        access.supporter_profiles(user)
        .select_related("person__organization__municipality")
        .prefetch_related("subjects")
        .order_by("person__last_name", "person__first_name", "role")
    )


@access.role_required(Role.OPERATOR)
def supporter_profiles(request):
    qs = _profiles(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(person__last_name__icontains=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="supporter_profile",
        records=len(page.object_list),
        path=request.get_full_path(),
    )
    return render(request, "routes/assignment/supporter_profiles.html", {"page": page, "q": q})


@access.role_required(Role.OPERATOR)
def supporter_profile_edit(request, pk):
    # access.supporter_profiles is the scope: outside it a profile is a 404 like a missing id.
    try:
        profile = _profiles(request.user).get(pk=pk)
    except (RoleAssignment.DoesNotExist, ValueError):
        raise Http404 from None
    initial = {"support_kind": profile.support_kind, "subjects": list(profile.subjects.all())}
    form = SupporterProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.supporter_profile_update(
                actor=request.user,
                profile=profile,
                support_kind=form.cleaned_data["support_kind"],
                subjects=list(form.cleaned_data["subjects"]),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"Профиль сопровождающего {person_name(profile.person, 'gent', 'short')} сохранён."
            )
            back = request.GET.get("next", "")
            if back.startswith("/") and not back.startswith("//"):
                return redirect(back)
            return redirect("routes:supporter_profiles")
    return render(
        request, "routes/assignment/supporter_profile_form.html", {"profile": profile, "form": form}
    )
