"""Access scoping, in one module. Every view, API endpoint, export, report and indicator narrows its
querysets here.

The rules (DOMAIN.md "People and roles"):
- everybody sees their own person;
- mentor, curator, tutor: the participants actively assigned to them;
- school head: people of their organization;
- municipal methodist: people of organizations in their municipality;
- operator, regional methodist: the region;
- ministry: aggregates of the region only, no person-level rows;
- federal (the ministry of the federation, the Academy): every region's region-level aggregates side
  by side (`federal_regions`), and nothing else: no region, municipality or organization scope, so
  every person-level, per-school and per-municipality query here yields nothing for it;
- expert: no people; the diagnostics expert queue is anonymous and scoped by `expert_checks`.

A model that hangs off a person declares `scope_person_path` (the lookup from it to `Person`, "" for
Person itself), and `restrict(user, queryset)` does the rest. Outside the scope an object does not
exist: `get_or_404` answers 404, the same as for an id that was never there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import wraps

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from . import readlog
from .choices import Role

REGION_ROLES = {Role.OPERATOR, Role.REGIONAL_METHODIST}
AGGREGATE_ROLES = REGION_ROLES | {Role.MINISTRY, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD}
SUPPORT_ROLES = {Role.MENTOR, Role.CURATOR, Role.TUTOR}


@dataclass(frozen=True)
class Scope:
    """What one user's role assignments add up to. Built once per request and cached on the user."""

    person_id: int | None
    roles: frozenset[str]
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    region_ids: frozenset[int] = field(default_factory=frozenset)
    aggregate_region_ids: frozenset[int] = field(default_factory=frozenset)
    own_organization_id: int | None = None

    @property
    def is_support(self) -> bool:
        return bool(self.roles & SUPPORT_ROLES)


_EMPTY = Scope(person_id=None, roles=frozenset())


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return _EMPTY
    cached = getattr(user, "_cnppm_scope", None)
    if cached is not None:
        return cached
    from .models import Person, RoleAssignment

    person = Person.objects.filter(user_id=user.pk).values("id", "organization_id").first()
    if person is None:
        scope = _EMPTY
    else:
        orgs, munis, regions, agg_regions, roles = set(), set(), set(), set(), set()
        assignments = RoleAssignment.objects.filter(person_id=person["id"]).values_list(
            "role", "organization_id", "municipality_id", "region_id"
        )
        for role, org_id, muni_id, region_id in assignments:
            roles.add(role)
            if role == Role.SCHOOL_HEAD:
                orgs.add(org_id or person["organization_id"])
            elif role == Role.MUNICIPAL_METHODIST and muni_id:
                munis.add(muni_id)
            elif role in REGION_ROLES and region_id:
                regions.add(region_id)
            elif role == Role.MINISTRY and region_id:
                agg_regions.add(region_id)
        scope = Scope(
            person_id=person["id"],
            roles=frozenset(roles),
            organization_ids=frozenset(orgs),
            municipality_ids=frozenset(munis),
            region_ids=frozenset(regions),
            aggregate_region_ids=frozenset(agg_regions | regions),
            own_organization_id=person["organization_id"],
        )
    user._cnppm_scope = scope
    return scope


def forget(user) -> None:
    """Drop the cached scope (after the user's roles or assignments change)."""
    if hasattr(user, "_cnppm_scope"):
        del user._cnppm_scope


def has_role(user, *roles: str) -> bool:
    if getattr(user, "is_superuser", False) and Role.OPERATOR in roles:
        return True
    return bool(scope_of(user).roles & set(roles))


def person_q(user, path: str = "") -> Q:
    """A Q selecting rows whose person (reached by `path`) is inside the user's scope."""
    scope = scope_of(user)
    if scope.person_id is None:
        return Q(pk__in=[])
    prefix = f"{path}__" if path else ""
    own = Q(**{f"{prefix}id": scope.person_id}) if path == "" else Q(**{f"{path}_id": scope.person_id})
    q = Q(pk__in=[])
    if scope.is_support:
        from .models import SupportAssignment

        assigned = SupportAssignment.objects.filter(
            supporter_id=scope.person_id, ended_at__isnull=True
        ).values("person_id")
        q |= Q(**{f"{prefix}id__in" if path == "" else f"{path}_id__in": assigned})
    if scope.organization_ids:
        q |= Q(**{f"{prefix}organization_id__in": scope.organization_ids})
    if scope.municipality_ids:
        q |= Q(**{f"{prefix}organization__municipality_id__in": scope.municipality_ids})
    if scope.region_ids:
        q |= Q(**{f"{prefix}organization__municipality__region_id__in": scope.region_ids})
    # Somebody who withdrew consent exists for nobody but themselves (README "Отзыв согласия").
    return own | (q & consenting_q(path))


def consenting_q(path: str = "") -> Q:
    """Rows whose person (reached by `path`, "" for Person) has not withdrawn consent: what lists,
    cards, exports, statistics and indicators may process. Processing stops at the withdrawal,
    aggregate counts included."""
    return Q(**{f"{path}__consent_withdrawn_at__isnull" if path else "consent_withdrawn_at__isnull": True})


def _path_for(model: type[Model], path: str | None) -> str:
    if path is not None:
        return path
    declared = getattr(model, "scope_person_path", None)
    if declared is None:
        raise ImproperlyConfigured(f"{model.__name__} does not declare scope_person_path")
    return declared


def restrict(user, queryset: QuerySet, *, path: str | None = None) -> QuerySet:
    """Narrow any queryset of person-level rows to the user's scope. The rows it yields inside a
    request are logged as read, with whom (cnppm.readlog): no view has to remember to."""
    path = _path_for(queryset.model, path)
    return readlog.track(user, queryset.filter(person_q(user, path)), path)


def tracked(user, queryset: QuerySet, *, path: str | None = None) -> QuerySet:
    """For person-level rows scoped by another Q of this module (support_circle_q): log their reads."""
    return readlog.track(user, queryset, _path_for(queryset.model, path))


def people(user) -> QuerySet:
    from .models import Person

    return restrict(user, Person.objects.all())


def get_or_404(user, queryset: QuerySet, *, path: str | None = None, **lookup) -> Model:
    """Fetch one object inside the user's scope; outside it, or absent, is the same 404."""
    try:
        return restrict(user, queryset, path=path).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError, ValidationError):
        # A malformed id ("null,null", a list, a number beyond the column type) is a missing id.
        raise Http404 from None


def ensure_in_scope(user, obj: Model, *, path: str | None = None) -> None:
    """After a write: the saved object must still be inside the actor's scope."""
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    if not restrict(user, qs, path=path).exists():
        from .services import DomainError

        raise DomainError("Объект оказался вне вашей области доступа; изменение отменено.")


# --- Aggregate scopes: organizations and municipalities -----------------------------------------


def municipality_q(user, path: str = "") -> Q:
    """Municipalities whose aggregates the user may see (ministry included, teachers not)."""
    scope = scope_of(user)
    prefix = f"{path}__" if path else ""
    q = Q(pk__in=[]) if not path else Q(**{f"{prefix}id__in": []})
    if scope.aggregate_region_ids:
        q |= Q(**{f"{prefix}region_id__in": scope.aggregate_region_ids})
    if scope.municipality_ids:
        q |= Q(**{f"{prefix}id__in": scope.municipality_ids})
    return q


def municipalities(user) -> QuerySet:
    from .models import Municipality

    return Municipality.objects.filter(municipality_q(user))


def organization_q(user, path: str = "") -> Q:
    """Organizations the user may see: own organization, and those covered by an
    organization, municipality or region scope (aggregate roles included)."""
    scope = scope_of(user)
    prefix = f"{path}__" if path else ""
    ids = set(scope.organization_ids)
    if scope.own_organization_id:
        ids.add(scope.own_organization_id)
    q = Q(**{f"{prefix}id__in": ids})
    if scope.municipality_ids:
        q |= Q(**{f"{prefix}municipality_id__in": scope.municipality_ids})
    if scope.aggregate_region_ids:
        q |= Q(**{f"{prefix}municipality__region_id__in": scope.aggregate_region_ids})
    return q


def organizations(user) -> QuerySet:
    from .models import Organization

    return Organization.objects.filter(organization_q(user))


def aggregate_organization_q(user, path: str = "") -> Q:
    """Organizations whose aggregated figures the user may see: school heads their own, municipal
    methodists their municipality, region roles and the ministry the region. Nobody else."""
    scope = scope_of(user)
    prefix = f"{path}__" if path else ""
    q = Q(**{f"{prefix}id__in": scope.organization_ids})
    if scope.municipality_ids:
        q |= Q(**{f"{prefix}municipality_id__in": scope.municipality_ids})
    if scope.aggregate_region_ids:
        q |= Q(**{f"{prefix}municipality__region_id__in": scope.aggregate_region_ids})
    return q


def can_see_aggregates(user) -> bool:
    return bool(scope_of(user).roles & AGGREGATE_ROLES) or getattr(user, "is_superuser", False)


def sees_person_lists(user) -> bool:
    """Whether the user may see lists of other people (the ministry may not)."""
    scope = scope_of(user)
    return bool(scope.is_support or scope.organization_ids or scope.municipality_ids or scope.region_ids)


# --- View helpers -------------------------------------------------------------------------------


def role_required(*roles: str):
    """View decorator: only users holding one of `roles`; others get the portal's 403 page, anonymous
    users go to the login page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                # The page exists for everybody; what it shows is the role's. A denial, not a
                # "not found" (objects outside the scope stay 404, like ids that never existed).
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def roles_of(user) -> Iterable[str]:
    return scope_of(user).roles


# --- Routes (ИОМ): the support circle and the activity catalogue ---------------------------------


def support_roles_over(user, person_id: int) -> set[str]:
    """The support roles (curator, tutor, mentor) the user actively holds over this person."""
    scope = scope_of(user)
    if scope.person_id is None or not scope.is_support:
        return set()
    from .models import SupportAssignment

    return set(
        SupportAssignment.objects.filter(
            supporter_id=scope.person_id, person_id=person_id, ended_at__isnull=True
        ).values_list("role", flat=True)
    )


def support_circle_q(user, path: str) -> Q:
    """Rows whose person (reached by `path`) is the user or a participant the user actively
    supports as curator, tutor or mentor: who sees and answers a route's comments."""
    scope = scope_of(user)
    if scope.person_id is None:
        return Q(pk__in=[])
    q = Q(**{f"{path}_id": scope.person_id})
    if scope.is_support:
        from .models import SupportAssignment

        assigned = SupportAssignment.objects.filter(
            supporter_id=scope.person_id, ended_at__isnull=True
        ).values("person_id")
        q |= Q(**{f"{path}_id__in": assigned}) & consenting_q(path)
    return q


def catalogue_edit_q(user) -> Q:
    """Catalogue activities the user may edit: operators all of them; municipal methodists only the
    municipal-level activities of their municipality."""
    if has_role(user, Role.OPERATOR):
        # The shared (regional, federal) catalogue, and municipal activities of their own region only.
        return ~Q(level="municipal") | Q(municipality__region_id__in=region_ids_for_write(user))
    scope = scope_of(user)
    if Role.MUNICIPAL_METHODIST in scope.roles and scope.municipality_ids:
        return Q(level="municipal", municipality_id__in=scope.municipality_ids)
    return Q(pk__in=[])


def can_edit_catalogue(user) -> bool:
    return has_role(user, Role.OPERATOR, Role.MUNICIPAL_METHODIST)


# --- Diagnostics: the participant's own rows and the anonymous expert queue -----------------------


def own_q(user, path: str = "person") -> Q:
    """Rows whose person (reached by `path`) is the signed-in user themself. A join on the user id,
    without loading the scope: the hot path of saving answers uses it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(**{f"{path}__user_id": user.pk})


def expert_answers(user, queryset: QuerySet) -> QuerySet:
    """Answers an expert (or operator) may check: extended answers, not yet checked, of attempts
    waiting for the expert check. Everybody else gets nothing. Views built on it must never show the
    participant's name or organization."""
    from diagnostics.choices import AttemptStatus, ItemType

    if not has_role(user, Role.EXPERT, Role.OPERATOR):
        return queryset.none()
    # Only the expert's own region's participants, and never their own attempt (nobody scores
    # their own work; `diagnostics.services.attempts.answer_check` says so when it is tried).
    return queryset.filter(
        home_region_q(user, "attempt__person__organization__municipality__region_id"),
        item__type=ItemType.EXTENDED,
        checked_at__isnull=True,
        attempt__status=AttemptStatus.CHECKING,
    ).exclude(attempt__person__user_id=user.pk)


def expert_scored_answers(user, queryset: QuerySet) -> QuerySet:
    """Scores the user may still correct: extended answers of their own region's attempts whose result
    is not final yet, scored by this expert (an operator: by anyone), never of their own attempt."""
    from diagnostics.choices import AttemptStatus, ItemType

    if not has_role(user, Role.EXPERT, Role.OPERATOR):
        return queryset.none()
    qs = queryset.filter(
        home_region_q(user, "attempt__person__organization__municipality__region_id"),
        item__type=ItemType.EXTENDED,
        checked_at__isnull=False,
        attempt__status=AttemptStatus.CHECKING,
    ).exclude(attempt__person__user_id=user.pk)
    return qs if has_role(user, Role.OPERATOR) else qs.filter(checked_by_id=user.pk)


def person_rows(user) -> QuerySet:
    """People whose person-level rows the user may read in directory lists and the API: the scope of
    `people(user)`, except that aggregate-only users (the ministry) get none, not even themselves."""
    from .models import Person

    scope = scope_of(user)
    if scope.person_id is None:
        return Person.objects.none()
    if scope.roles & {Role.MINISTRY, Role.FEDERAL} and not sees_person_lists(user):
        return Person.objects.none()
    return people(user)


def withdrawn_people(user) -> QuerySet:
    """People of the operator's regions who withdrew consent, for the act of their depersonalisation
    (cnppm.depersonalisation): person_q hides them from everybody, but the operator answers for the
    deadline. The page shows ids, dates and the organization, never a name."""
    from .models import Person

    if not has_role(user, Role.OPERATOR):
        return Person.objects.none()
    return Person.objects.filter(
        consent_withdrawn_at__isnull=False,
        organization__municipality__region_id__in=region_ids_for_write(user),
    )


# --- The federal level: every region's aggregates side by side ----------------------------------


def federal_regions(user) -> QuerySet:
    """Regions whose region-level aggregates (the region rows of the monitoring snapshots) the user
    reads side by side on the federal page «Регионы»: every region for the federal role, none for
    anybody else (a region's own ministry reads its region on the dashboard)."""
    from .models import Region

    if not has_role(user, Role.FEDERAL):
        return Region.objects.none()
    return Region.objects.all()


# --- Monitoring reports -------------------------------------------------------------------------


def report_run_q(user) -> Q:
    """Report runs (monitoring.ReportRun) the user may see and download: operators, regional
    methodists and the ministry every report of their region; a municipal methodist the reports
    made for their own municipality (the municipal letter). Nobody else. The ministry (aggregate
    only) sees only the de-identified renderings (`audience`), never a file that names people."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    if scope.region_ids:
        q |= Q(period__region_id__in=scope.region_ids)
    if Role.MINISTRY in scope.roles and scope.aggregate_region_ids:
        q |= Q(period__region_id__in=scope.aggregate_region_ids, audience="aggregate")
    if Role.MUNICIPAL_METHODIST in scope.roles and scope.municipality_ids:
        q |= Q(municipality_id__in=scope.municipality_ids)
    return q


# --- Person-level organization scopes (exports of cards, archives) ------------------------------


def person_level_organization_q(user, path: str = "") -> Q:
    """Organizations ALL of whose people the user sees person by person: a school head's school, a
    municipal methodist's municipality, the region for operators and regional methodists. Not the
    ministry (aggregates only), not supporters (they see single assigned people, not organizations)."""
    scope = scope_of(user)
    prefix = f"{path}__" if path else ""
    q = Q(**{f"{prefix}id__in": scope.organization_ids})
    if scope.municipality_ids:
        q |= Q(**{f"{prefix}municipality_id__in": scope.municipality_ids})
    if scope.region_ids:
        q |= Q(**{f"{prefix}municipality__region_id__in": scope.region_ids})
    return q


def person_level_organizations(user) -> QuerySet:
    from .models import Organization

    return Organization.objects.filter(person_level_organization_q(user))


def person_level_municipalities(user) -> QuerySet:
    """Municipalities whose people the user sees as a whole (municipal methodists, region roles)."""
    from .models import Municipality

    scope = scope_of(user)
    q = Q(id__in=scope.municipality_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    return Municipality.objects.filter(q)


# --- Writes across regions: the actor's own region, the people one may assign --------------------


def region_ids_for_write(user) -> frozenset[int]:
    """Regions whose region-level data (official figures, regional events, periods and computations)
    the user may change: the regions of their operator or regional-methodist roles. A superuser
    without such a role may write into any region, but must then name it (see `write_region`)."""
    scope = scope_of(user)
    if scope.region_ids:
        return scope.region_ids
    if getattr(user, "is_superuser", False):
        from .models import Region

        return frozenset(Region.objects.values_list("id", flat=True))
    return frozenset()


def region_write_q(user, path: str = "region") -> Q:
    """Region-level rows (periods, regional events; `path` leads to their region) the user may change."""
    return Q(**{f"{path}_id__in": region_ids_for_write(user)})


def write_region(user, region_id=None):
    """The region a region-level write lands in, resolved from the actor's scope and never "the first
    region": the region asked for if it is the actor's (any other answers 404 like a missing id), else
    the actor's only region; an actor of several regions must choose."""
    from .models import Region
    from .services import DomainError

    allowed = region_ids_for_write(user)
    if region_id not in (None, ""):
        try:
            region_id = int(region_id)
        except (TypeError, ValueError):
            raise Http404 from None
        if region_id not in allowed:
            raise Http404
        return Region.objects.get(pk=region_id)
    if not allowed:
        raise DomainError("Вы не закреплены ни за одним регионом: изменить региональные данные нельзя.")
    if len(allowed) > 1:
        raise DomainError("Вы работаете в нескольких регионах: укажите, к какому относятся данные.")
    return Region.objects.get(pk=next(iter(allowed)))


def supporters(user) -> QuerySet:
    """People the user may assign as a curator, tutor or mentor: an operator anyone working in their
    region, a school head the people of their own school; nobody for everyone else. Outside this set a
    supporter id answers like a missing one, never with the person's name."""
    from .models import Person

    scope = scope_of(user)
    q = Q(pk__in=[])
    if has_role(user, Role.OPERATOR):
        q |= Q(organization__municipality__region_id__in=region_ids_for_write(user))
    if Role.SCHOOL_HEAD in scope.roles and scope.organization_ids:
        q |= Q(organization_id__in=scope.organization_ids)
    # A person who withdrew consent is not processed: not offered, not assignable.
    return Person.objects.filter(q, consenting_q())


def supporter_profiles(user) -> QuerySet:
    """Curator and tutor roles (their kind and the subject areas they support) the user may change: an
    operator those of people working in their region; nobody else. Outside it a profile is a 404."""
    from .models import RoleAssignment

    if not has_role(user, Role.OPERATOR):
        return RoleAssignment.objects.none()
    return tracked(
        user,
        RoleAssignment.objects.filter(
            consenting_q("person"),
            role__in=(Role.CURATOR, Role.TUTOR),
            person__organization__municipality__region_id__in=region_ids_for_write(user),
        ),
        path="person",
    )


def home_region_q(user, path: str) -> Q:
    """Rows whose region (reached by `path`, a region id lookup) is the user's own: the regions of their
    region roles and the region of the organization they work in. Limits experts, who hold no region
    scope, to their own region's work."""
    from .models import Organization

    scope = scope_of(user)
    if scope.person_id is None:
        return Q(pk__in=[])
    q = Q(**{f"{path}__in": scope.region_ids}) if scope.region_ids else Q(pk__in=[])
    if scope.own_organization_id:
        own = Organization.objects.filter(pk=scope.own_organization_id).values("municipality__region_id")
        q |= Q(**{f"{path}__in": own})
    return q


def region_read_q(user, path: str = "region") -> Q:
    """Region-level rows (indicator plans; `path` leads to their region) the user may read: those of
    the regions they work in or report on (region roles, the ministry, their organization's region)."""
    q = home_region_q(user, f"{path}_id")
    aggregate = scope_of(user).aggregate_region_ids
    if aggregate:
        q |= Q(**{f"{path}_id__in": aggregate})
    return q


def api_token_q(user) -> Q:
    """API tokens (cnppm.ApiToken) an operator may list and revoke: those of people working in the
    operator's regions. Nobody else reaches other people's tokens."""
    if not has_role(user, Role.OPERATOR):
        return Q(pk__in=[])
    return Q(user__person__organization__municipality__region_id__in=region_ids_for_write(user))


# --- Import jobs ----------------------------------------------------------------------------------


def import_job_q(user) -> Q:
    """Import jobs (cnppm.ImportJob) the user may follow: their own, and an operator's those of their
    region (a colleague's upload they may have to finish). Nobody else's."""
    scope = scope_of(user)
    q = Q(actor_id=getattr(user, "pk", None) or 0)
    if Role.OPERATOR in scope.roles and scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    return q


def import_job_confirm_allowed(user, job) -> bool:
    """Whether `user` may confirm a dry-run import job (write the file it checked): its uploader only,
    while still an operator of the job's region. Colleagues who follow the job (import_job_q) see its
    preview but do not write another person's upload under their own name."""
    return (
        job.actor_id == getattr(user, "pk", None)
        and has_role(user, Role.OPERATOR)
        and job.region_id in region_ids_for_write(user)
    )


def import_job_region_id(user) -> int | None:
    """The region an import job is filed under (for operators of that region): the actor's region,
    else the region of their municipality or organization."""
    from .models import Municipality, Organization

    scope = scope_of(user)
    if scope.region_ids:
        return min(scope.region_ids)
    if scope.municipality_ids:
        return (
            Municipality.objects.filter(pk__in=scope.municipality_ids)
            .values_list("region_id", flat=True)
            .first()
        )
    if scope.own_organization_id:
        return (
            Organization.objects.filter(pk=scope.own_organization_id)
            .values_list("municipality__region_id", flat=True)
            .first()
        )
    return None


# --- Courses of the Centre (issue 12): programmes, groups, enrolments -----------------------------


def programme_q(user) -> Q:
    """Programmes (courses.Programme) the user may see: an operator every programme of their regions
    (drafts and archive included); everybody else the open programmes of their own region, and the
    programmes of the groups they teach or organise."""
    q = Q(region_id__in=region_ids_for_write(user)) if has_role(user, Role.OPERATOR) else Q(pk__in=[])
    scope = scope_of(user)
    if scope.person_id is None:
        return q
    q |= home_region_q(user, "region_id") & Q(status="open")
    q |= Q(groups__teachers__id=scope.person_id) | Q(groups__organiser_id=scope.person_id)
    return q


def programmes(user) -> QuerySet:
    from courses.models import Programme

    return Programme.objects.filter(pk__in=Programme.objects.filter(programme_q(user)).values("pk"))


def programmes_managed(user) -> QuerySet:
    """Programmes the user may create, change, open or archive, and add groups to: an operator's region."""
    from courses.models import Programme

    if not has_role(user, Role.OPERATOR):
        return Programme.objects.none()
    return Programme.objects.filter(region_id__in=region_ids_for_write(user))


def course_groups_managed_q(user, path: str = "") -> Q:
    """Groups whose enrolment the user manages (confirms, waitlists, enrols in bulk, finishes): an
    operator those of their regions, an organiser their own groups."""
    prefix = f"{path}__" if path else ""
    q = Q(pk__in=[]) if not path else Q(**{f"{prefix}id__in": []})
    if has_role(user, Role.OPERATOR):
        q |= Q(**{f"{prefix}programme__region_id__in": region_ids_for_write(user)})
    person_id = scope_of(user).person_id
    if person_id is not None:
        q |= Q(**{f"{prefix}organiser_id": person_id})
    return q


def course_groups_taught_q(user, path: str = "") -> Q:
    """Groups whose roster, attendance and assessment the user works with: the groups they manage
    (above) and those they teach (a "course teacher" is a person in Group.teachers, not a role)."""
    prefix = f"{path}__" if path else ""
    q = course_groups_managed_q(user, path)
    person_id = scope_of(user).person_id
    if person_id is not None:
        q |= Q(**{f"{prefix}teachers__id": person_id})
    return q


def course_groups(user) -> QuerySet:
    """Groups the user may see: those of the programmes they see, and those they teach or manage."""
    from courses.models import Group

    visible = Group.objects.filter(Q(programme__in=programmes(user)) | course_groups_taught_q(user))
    return Group.objects.filter(pk__in=visible.values("pk"))


def course_groups_taught(user) -> QuerySet:
    from courses.models import Group

    return Group.objects.filter(pk__in=Group.objects.filter(course_groups_taught_q(user)).values("pk"))


def course_groups_managed(user) -> QuerySet:
    from courses.models import Group

    return Group.objects.filter(pk__in=Group.objects.filter(course_groups_managed_q(user)).values("pk"))


def enrolments(user, queryset: QuerySet | None = None) -> QuerySet:
    """Enrolments (courses.Enrolment; attendance and events through `path`) the user may see: the
    people in their person scope (themselves, the teachers they support, their school, municipality,
    region) and every listener of the groups they teach or manage. Reads are logged."""
    from courses.models import Enrolment

    qs = Enrolment.objects.all() if queryset is None else queryset
    path = _path_for(qs.model, None)
    group_path = "group" if path == "person" else path.replace("__person", "__group")
    taught = course_groups_taught(user).values("pk")
    allowed = qs.filter(person_q(user, path) | (Q(**{f"{group_path}__in": taught}) & consenting_q(path)))
    return readlog.track(user, qs.filter(pk__in=allowed.values("pk")), path)
