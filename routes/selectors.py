"""Reads of the routes app: the card's data (shared by the HTML page and the PDF), recommendations
from the catalogue, uncovered deficits and lists of routes in the user's scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cnppm import access
from cnppm.choices import QualificationCategory
from cnppm.russian import document_date
from diagnostics.choices import AttemptStatus, DeficitLevel, InstrumentKind
from diagnostics.models import Attempt, BlockResult
from diagnostics.scoring import shown_percent

from .choices import ActivityKind, ActivityLevel, RouteStatus
from .models import Activity, Comment, Correction, Route, RouteActivity

DEFICIT_LEVELS = (DeficitLevel.HIGH, DeficitLevel.MEDIUM)
CARD_TITLE = "Карта индивидуального образовательного маршрута педагога"
# The headings of seed 004, Appendix 4, as printed there: the card itself has sections 1–2; its
# Appendix 1 holds the corrections (1), the plan, the monitoring (2) and the final event (3);
# Appendix 2 the results. The web card, the PDF and the XLSX all print these, so they number alike.
CARD_HEADINGS = {
    "info": "1. Информационная справка о педагоге",
    "entry": "2. Результаты входной диагностики профессиональных дефицитов",
    "appendix1": "Приложение 1 к Карте индивидуального образовательного маршрута",
    "corrections": "1. Сведения о корректировке индивидуального образовательного маршрута",
    "tasks": "Образовательные задачи",
    "plan": "Мероприятия, обеспечивающие повышение уровня профессиональных компетенций",
    "monitoring": "2. Мониторинг реализации мероприятий индивидуального образовательного маршрута",
    "final_event": "3. Заключительное публичное мероприятие",
    "appendix2": "Приложение 2 к Карте индивидуального образовательного маршрута",
    "results": "Итоги прохождения индивидуального образовательного маршрута",
    "final": "1. Результаты итоговой диагностики профессиональных компетенций",
    "conclusions": "2. Выводы:",
}


# --- Diagnostics results ----------------------------------------------------------------------


def latest_final_attempt(person, kind: str = InstrumentKind.ENTRY) -> Attempt | None:
    """The participant's latest final attempt of the given kind (entry or final)."""
    return (
        Attempt.objects.filter(person=person, status=AttemptStatus.FINAL, instrument__kind=kind)
        .order_by("-finalized_at", "-pk")
        .first()
    )


def diagnostics_rows(attempt: Attempt | None) -> list[dict]:
    """Per scored competence block of an attempt: {block, code, name, percent, level, difficulties},
    in the blocks' order. The shape of Route.diagnostics_snapshot."""
    if attempt is None:
        return []
    results = (
        BlockResult.objects.filter(attempt=attempt, block__is_scored=True)
        .select_related("block")
        .order_by("block__order", "block__name")
    )
    return [
        {
            "block": r.block_id,
            "code": r.block.code,
            "name": r.block.name,
            "percent": str(r.percent),
            "level": r.level,
            "difficulties": list(r.missed_topics or []),
        }
        for r in results
    ]


def profile_snapshot(person, *, subjects: list[str] | None = None) -> dict:
    """Card section 1 as it is now (stored on the route when the card is created). `subjects`: the
    person's subject names when the caller has them already (an import of many routes)."""
    org = person.organization
    return {
        "organization": org.full_name or org.short_name,
        "organization_short": org.short_name,
        "municipality": org.municipality.name,
        "region": org.municipality.region.name,
        "full_name": person.full_name,
        "short_name": person.short_name,
        "position": person.position,
        "education": person.get_education_display() if person.education else "",
        "experience_years": person.experience_years,
        "qualification_category": QualificationCategory(person.qualification_category).label
        if person.qualification_category
        else "",
        "attestation_date": person.attestation_date.isoformat() if person.attestation_date else "",
        "courses_last_3_years": person.courses_last_3_years,
        "academic_degree": person.academic_degree,
        "academic_title": person.academic_title,
        "awards": person.awards,
        "additional_info": person.additional_info,
        "subjects": subjects if subjects is not None else [s.name for s in person.subjects.all()],
        "is_manager": person.is_manager,
    }


# --- Formatting helpers ------------------------------------------------------------------------


def _d(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def dates_label(starts_on, ends_on) -> str:
    if starts_on and ends_on and starts_on != ends_on:
        return f"{_d(starts_on)} – {_d(ends_on)}"
    return _d(starts_on or ends_on)


def _years_label(years) -> str:
    if years is None or years == "":
        return ""
    n = int(years)
    if n % 10 == 1 and n % 100 != 11:
        word = "год"
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        word = "года"
    else:
        word = "лет"
    return f"{n} {word}"


def _section2(rows: list[dict], overall=None) -> dict:
    """Card section 2 / Appendix 2 table: the percent goes in the column of its level (низкий
    уровень = high deficit), and "общий" carries it for every row."""
    out = []
    for row in rows:
        # Rounded once, half up, to the decimal the card prints (diagnostics.scoring.shown_percent).
        percent = shown_percent(row["percent"])
        level = row["level"]
        out.append(
            {
                "block": row.get("block"),
                "name": row["name"],
                "difficulties": row.get("difficulties") or [],
                "percent": percent,
                "level": level,
                "level_label": DeficitLevel(level).label if level else "",
                "low": percent if level == DeficitLevel.HIGH else None,
                "medium": percent if level == DeficitLevel.MEDIUM else None,
                "high": percent if level == DeficitLevel.MINIMAL else None,
                "overall": percent,
            }
        )
    return {"rows": out, "overall": shown_percent(overall)}


def _activity_row(n: int, a: RouteActivity) -> dict:
    competences = [c.name for c in a.competences.all()]
    return {
        "pk": a.pk,
        # The activity's own number (given once, kept when another one is removed), so that "мероприятие 2"
        # in a verdict or a comment always means the same activity.
        "number": a.order or n,
        "title": a.title,
        "kind": a.kind,
        "kind_label": a.get_kind_display() if a.kind else "",
        "competences": competences,
        "competence_ids": [c.pk for c in a.competences.all()],
        "competences_label": ", ".join(competences),
        "level": a.level,
        "level_label": a.get_level_display() if a.level else "",
        "format_label": a.get_format_display() if a.format else "",
        "organizer": a.organizer,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "dates": dates_label(a.starts_on, a.ends_on),
        "result_form": a.result_form,
        "outcome": a.outcome,
        "outcome_label": a.get_outcome_display(),
        "not_done_reason": a.not_done_reason,
        "evidence_url": a.evidence_url,
        "has_evidence_file": bool(a.evidence_file),
        "evidence_file_name": a.evidence_file.name.rsplit("/", 1)[-1] if a.evidence_file else "",
        "from_catalogue": a.catalogue_activity_id is not None,
        "catalogue_activity_id": a.catalogue_activity_id,
        "hours": a.catalogue_activity.hours if a.catalogue_activity_id else None,
        "registry_number": a.catalogue_activity.registry_number if a.catalogue_activity_id else "",
    }


def _courses_last_3_years(route: Route, snap: dict) -> str:
    """Card section 1's courses: the teacher's training records completed in the three years up to
    the day the card was created (courses.selectors_records), then the typed text of the profile
    snapshot (courses taken before the portal). The same value for the web card, the PDF and the XLSX."""
    from courses.selectors_records import courses_last_3_years

    until = timezone.localdate(route.created_at) if route.created_at else timezone.localdate()
    return courses_last_3_years(route.teacher_id, until=until, typed=snap.get("courses_last_3_years", ""))


def card_queryset() -> QuerySet:
    return Route.objects.select_related(
        "teacher__organization__municipality__region",
        "organization",
        "entry_attempt",
        "final_attempt",
        "conclusions_signed_by_methodist",
        "conclusions_signed_by_head",
    ).prefetch_related(
        Prefetch(
            "activities",
            queryset=RouteActivity.objects.select_related("catalogue_activity").prefetch_related(
                "competences"
            ),
        ),
        Prefetch("corrections", queryset=Correction.objects.select_related("author", "signed_by")),
    )


def card_context(route: Route) -> dict:
    """Everything the ИОМ card shows, in the order of seed 004 Appendix 4. The HTML card page and
    the PDF export both render this dict; its shape is stable:

    {
      "route": Route, "title": str, "status": str, "status_label": str,
      "academic_year": int, "academic_year_label": "2025/2026",
      "approval": {"agreed": {...}, "approved": {...}}   # each: position, organization, name, date
      "teacher": {"full_name", "short_name", "position", "organization", "region"},
      "section1": [{"label": str, "value": str}, ...]     # 12 rows of "Информационная справка"
      "section2": {"rows": [ROW, ...], "overall": Decimal | None}
          ROW = {"block": id, "name", "difficulties": [str], "percent": Decimal, "level",
                 "level_label", "low"|"medium"|"high": Decimal | None, "overall": Decimal}
      "educational_tasks": [str, ...]                      # one task per line
      "activities": [ACT, ...]
          ACT = {"pk", "number", "title", "kind_label", "competences": [str], "competences_label",
                 "level_label", "format_label", "organizer", "starts_on", "ends_on", "dates",
                 "result_form", "outcome", "outcome_label", "not_done_reason", "evidence_url",
                 "has_evidence_file", "evidence_file_name", "from_catalogue", "hours",
                 "registry_number", ...}
      "final_event": {"title", "level_label", "dates", "done": bool},
      "corrections": [{"number", "date", "reason", "description", "author", "signed_by",
                       "acknowledged_at", "acknowledged_date"}],
      "final_diagnostics": {"rows": [ROW...], "overall": Decimal | None} | None,
      "conclusions": str, "conclusions_lines": [str],
      "signatures": {"regional_methodist": str, "school_head": str, "teacher": str,
                     "teacher_acknowledged_at": datetime | None},
      "uncovered": [{"block", "name", "level", "level_label", "percent"}],
    }
    Pass a route fetched with `card_queryset()` to keep it to a handful of queries.
    """
    snap = route.profile_snapshot or {}
    year_label = f"{route.academic_year}/{route.academic_year + 1}"
    section1 = [
        (
            "Название учебного заведения, регион",
            ", ".join(p for p in (snap.get("organization"), snap.get("region")) if p),
        ),
        (
            "ФИО педагога, занимаемая должность",
            ", ".join(p for p in (snap.get("full_name"), snap.get("position")) if p),
        ),
        ("Образование", snap.get("education", "")),
        ("Педагогический стаж", _years_label(snap.get("experience_years"))),
        ("Квалификационная категория", snap.get("qualification_category", "")),
        ("Дата аттестации", _d(snap.get("attestation_date"))),
        ("Курсы повышения квалификации (за последние 3 года)", _courses_last_3_years(route, snap)),
        ("Учёная степень", snap.get("academic_degree", "")),
        ("Звание", snap.get("academic_title", "")),
        ("Награды, поощрения", snap.get("awards", "")),
        ("Дополнительные сведения", snap.get("additional_info", "")),
        ("Год реализации ИОМ (учебный)", year_label),
    ]
    approval = route.approval or {}
    empty_sign = {"position": "", "organization": "", "name": "", "date": ""}

    entry_overall = route.entry_attempt.percent if route.entry_attempt_id else None
    final_diag = None
    if route.final_attempt_id:
        final_diag = _section2(diagnostics_rows(route.final_attempt), route.final_attempt.percent)

    activities = [_activity_row(n, a) for n, a in enumerate(route.activities.all(), 1)]
    corrections = [
        {
            "pk": c.pk,
            "number": n,
            "date": c.created_at,
            "reason": c.reason,
            "description": c.description,
            "author": c.author.get_full_name() or c.author.username,
            "signed_by": c.signed_by.short_name if c.signed_by_id else "",
            "acknowledged_at": c.acknowledged_at,
            "acknowledged_date": timezone.localdate(c.acknowledged_at) if c.acknowledged_at else None,
        }
        for n, c in enumerate(route.corrections.all(), 1)
    ]
    return {
        "route": route,
        "title": CARD_TITLE,
        "status": route.status,
        "status_label": route.get_status_display(),
        "academic_year": route.academic_year,
        "academic_year_label": year_label,
        "approval": {
            "agreed": {**empty_sign, **approval.get("agreed", {})},
            "approved": {**empty_sign, **approval.get("approved", {})},
        },
        "teacher": {
            "full_name": snap.get("full_name", route.teacher.full_name),
            "short_name": snap.get("short_name", route.teacher.short_name),
            "position": snap.get("position", ""),
            "organization": snap.get("organization", ""),
            "region": snap.get("region", ""),
        },
        "section1": [{"label": label, "value": value} for label, value in section1],
        "section2": _section2(route.diagnostics_snapshot or [], entry_overall),
        "educational_tasks": [line.strip() for line in route.educational_tasks.splitlines() if line.strip()],
        "activities": activities,
        "final_event": {
            "title": route.final_event_title,
            "level_label": route.get_final_event_level_display() if route.final_event_level else "",
            "dates": dates_label(route.final_event_starts_on, route.final_event_ends_on),
            "done": route.final_event_done,
            "status_label": _final_event_status(route),
        },
        "corrections": corrections,
        "final_diagnostics": final_diag,
        "conclusions": route.conclusions,
        "conclusions_lines": [line for line in route.conclusions.splitlines() if line.strip()],
        "signatures": {
            "regional_methodist": route.conclusions_signed_by_methodist.short_name
            if route.conclusions_signed_by_methodist_id
            else "",
            "school_head": route.conclusions_signed_by_head.short_name
            if route.conclusions_signed_by_head_id
            else "",
            "teacher": snap.get("short_name", ""),
            "teacher_acknowledged_at": route.conclusions_acknowledged_at,
            "signed_at": route.conclusions_signed_at,
            "date_line": document_date(route.conclusions_signed_at),
        },
        "headings": CARD_HEADINGS,
        "uncovered": uncovered_deficits(route),
    }


# --- Deficits and recommendations -------------------------------------------------------------


def deficit_rows(route: Route) -> list[dict]:
    """Blocks of the entry diagnostics with a high or medium deficit."""
    return [r for r in (route.diagnostics_snapshot or []) if r.get("level") in DEFICIT_LEVELS]


def uncovered_deficits(route: Route) -> list[dict]:
    """High and medium deficits of the entry diagnostics that no activity of the route addresses
    (seed 001: "content of the route does not match the deficits"). Uses the route's prefetched
    activities and competences when present."""
    covered = {c.pk for a in route.activities.all() for c in a.competences.all()}
    return [
        {
            "block": r["block"],
            "name": r["name"],
            "level": r["level"],
            "level_label": DeficitLevel(r["level"]).label,
            "percent": Decimal(str(r["percent"])),
        }
        for r in deficit_rows(route)
        if r["block"] not in covered
    ]


def routes_with_flags(qs: QuerySet) -> QuerySet:
    """Annotate each route with `uncovered_count`: its entry diagnostics' blocks with a high or
    medium deficit that no activity of the route addresses. One subquery, computed in the DB."""
    covered = RouteActivity.competences.through.objects.filter(
        routeactivity__route_id=OuterRef(OuterRef("pk")), competenceblock_id=OuterRef("block_id")
    )
    uncovered = (
        BlockResult.objects.filter(
            attempt_id=OuterRef("entry_attempt_id"), level__in=DEFICIT_LEVELS, block__is_scored=True
        )
        .filter(~Exists(covered))
        .order_by()
        .values("attempt_id")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return qs.annotate(uncovered_count=Coalesce(Subquery(uncovered, output_field=IntegerField()), Value(0)))


# Kinds that suit each deficit level best (seed 004 Table 1: a high deficit calls for the ИОМ
# technology with qualification programmes and practice; a medium one for subject courses).
_KIND_FIT = {
    DeficitLevel.HIGH: {
        ActivityKind.QUALIFICATION: 3,
        ActivityKind.INTERNSHIP: 3,
        ActivityKind.RETRAINING: 2,
        ActivityKind.WORKSHOP: 2,
        ActivityKind.CONSULTATION: 1,
    },
    DeficitLevel.MEDIUM: {
        ActivityKind.QUALIFICATION: 2,
        ActivityKind.SEMINAR: 2,
        ActivityKind.WORKSHOP: 2,
        ActivityKind.MASTER_CLASS: 2,
        ActivityKind.WEBINAR: 1,
        ActivityKind.OPEN_LESSON: 1,
        ActivityKind.ROUND_TABLE: 1,
        ActivityKind.CONFERENCE: 1,
    },
}


def candidate_activities(route: Route, *, today: date | None = None) -> QuerySet:
    """Active catalogue activities that are current or upcoming and open to the route's teacher
    (municipal ones only of the teacher's municipality)."""
    today = today or timezone.localdate()
    municipality_id = route.teacher.organization.municipality_id
    return (
        Activity.objects.filter(is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(
            ~Q(level=ActivityLevel.MUNICIPAL)
            | Q(municipality__isnull=True)
            | Q(municipality_id=municipality_id)
        )
        .prefetch_related("competences", "subjects")
    )


def recommendations(route: Route, *, today: date | None = None, per_block: int = 5) -> list[dict]:
    """For every block with a high or medium deficit: catalogue activities addressing that
    competence (and, when they name subjects, the teacher's subject), current or upcoming, not yet
    in the route, ordered by fit. Fit = subject match (3) + kind suits the deficit level (0–3) +
    other deficits of the teacher it also addresses (2 each); ties: the earliest start first.

    Returns [{"block", "name", "level", "level_label", "percent", "covered": bool,
              "activities": [{"activity": Activity, "fit": int, "reasons": [str]}]}]."""
    deficits = deficit_rows(route)
    if not deficits:
        return []
    today = today or timezone.localdate()
    teacher_subjects = set(route.teacher.subjects.values_list("pk", flat=True))
    deficit_blocks = {r["block"] for r in deficits}
    chosen = set(
        route.activities.exclude(catalogue_activity=None).values_list("catalogue_activity_id", flat=True)
    )
    covered = set(
        RouteActivity.competences.through.objects.filter(routeactivity__route=route).values_list(
            "competenceblock_id", flat=True
        )
    )
    candidates = [
        a
        for a in candidate_activities(route, today=today).filter(competences__in=deficit_blocks).distinct()
        if a.pk not in chosen
    ]
    result = []
    for row in deficits:
        block_id, level = row["block"], row["level"]
        scored = []
        for a in candidates:
            competence_ids = {c.pk for c in a.competences.all()}
            if block_id not in competence_ids:
                continue
            subject_ids = {s.pk for s in a.subjects.all()}
            if subject_ids and teacher_subjects and not subject_ids & teacher_subjects:
                continue
            fit, reasons = 0, []
            if subject_ids and subject_ids & teacher_subjects:
                fit += 3
                reasons.append("ваш предмет")
            kind_fit = _KIND_FIT.get(level, {}).get(a.kind, 0)
            if kind_fit:
                fit += kind_fit
                reasons.append(f"подходит при {DeficitLevel(level).label.lower()} дефиците")
            others = (competence_ids & deficit_blocks) - {block_id}
            if others:
                fit += 2 * len(others)
                reasons.append(f"ещё дефицитов: {len(others)}")
            scored.append({"activity": a, "fit": fit, "reasons": reasons})
        scored.sort(key=lambda s: (-s["fit"], s["activity"].starts_on or date.max, s["activity"].title))
        result.append(
            {
                "block": block_id,
                "name": row["name"],
                "level": level,
                "level_label": DeficitLevel(level).label,
                "percent": Decimal(str(row["percent"])),
                "covered": block_id in covered,
                "activities": scored[:per_block],
            }
        )
    return result


# --- Lists ------------------------------------------------------------------------------------


def route_list(*, user, status: str = "", search: str = "", year: int | None = None) -> QuerySet:
    """Routes in the user's scope, newest year first, with the uncovered-deficit flag."""
    qs = access.restrict(user, Route.objects.all()).select_related(
        "teacher__organization__municipality", "organization__municipality"
    )
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(academic_year=year)
    if search:
        qs = qs.filter(
            Q(teacher__last_name__icontains=search)
            | Q(teacher__first_name__icontains=search)
            | Q(organization__short_name__icontains=search)
        )
    return routes_with_flags(qs).order_by("-academic_year", "teacher__last_name", "teacher__first_name", "pk")


def route_get(*, user, pk) -> Route:
    """One route in the user's scope, ready for the card (404 outside it)."""
    return access.get_or_404(user, card_queryset(), pk=pk)


def comments_visible(user) -> QuerySet:
    """Comments of routes whose teacher is the user or a participant the user supports."""
    return access.tracked(user, Comment.objects.filter(access.support_circle_q(user, "route__teacher")))


def comment_threads(route: Route, *, user) -> list[dict]:
    """The route's comments as threads: [{"comment", "replies": [...]}] with the activity they are
    about; route-level threads first in time order. Two queries."""
    comments = list(
        comments_visible(user)
        .filter(route=route)
        .select_related("author__person", "activity")
        .order_by("created_at", "pk")
    )
    by_parent: dict[int | None, list] = {}
    for c in comments:
        by_parent.setdefault(c.parent_id, []).append(c)

    def build(c, depth=0):
        return {
            "comment": c,
            "depth": depth,
            "replies": [build(r, depth + 1) for r in by_parent.get(c.pk, [])],
        }

    return [build(c) for c in by_parent.get(None, [])]


def removed_activities(route: Route, *, user) -> list[dict]:
    """Activities taken out of the plan, for the route's history: each with who removed it and
    when, and the comments on it this user may read. Two queries."""
    removed = list(
        RouteActivity.all_objects.filter(route=route, removed_at__isnull=False)
        .select_related("removed_by")
        .order_by("removed_at", "pk")
    )
    if not removed:
        return []
    comments: dict[int, list[Comment]] = {}
    for c in (
        comments_visible(user)
        .filter(activity__in=[a.pk for a in removed])
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        comments.setdefault(c.activity_id, []).append(c)
    return [{"activity": a, "number": a.order, "comments": comments.get(a.pk, [])} for a in removed]


def catalogue_list(
    *,
    user,
    search: str = "",
    kind: str = "",
    level: str = "",
    competence=None,
    subject=None,
    actual_only: bool = False,
) -> QuerySet:
    """The catalogue: everyone signed in reads it; inactive entries only for their editors."""
    qs = Activity.objects.prefetch_related("competences", "subjects").select_related("municipality")
    if not access.can_edit_catalogue(user):
        qs = qs.filter(is_active=True)
    if search:
        qs = qs.filter(
            Q(title__icontains=search) | Q(organizer__icontains=search) | Q(registry_number__icontains=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if competence:
        qs = qs.filter(competences=competence)
    if subject:
        qs = qs.filter(subjects=subject)
    if actual_only:
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
    return qs.distinct().order_by("starts_on", "title", "pk")


def editable_activities(user) -> QuerySet:
    return Activity.objects.filter(access.catalogue_edit_q(user))


def route_status_counts(qs: QuerySet) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(RouteStatus.values, 0)
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def has_active_curator(teacher_id: int) -> bool:
    from cnppm.models import SupportAssignment

    return SupportAssignment.objects.filter(
        person_id=teacher_id, role="curator", ended_at__isnull=True
    ).exists()


def submitted_without_curator(*, user) -> QuerySet:
    """Routes waiting for a review that nobody can give: submitted, and the teacher has no active
    curator. The operator's queue; scoped like every route list."""
    from cnppm.models import SupportAssignment

    curator = SupportAssignment.objects.filter(
        person_id=OuterRef("teacher_id"), role="curator", ended_at__isnull=True
    )
    return (
        access.restrict(user, Route.objects.filter(status=RouteStatus.SUBMITTED))
        .exclude(Exists(curator))
        .select_related("teacher__organization__municipality")
        .prefetch_related("teacher__subjects")
        .order_by("submitted_at", "pk")
    )


def current_academic_year(today: date | None = None) -> int:
    """The academic year a route is made for now: from August, the year that starts."""
    today = today or timezone.localdate()
    return today.year if today.month >= 8 else today.year - 1


def current_route(person) -> Route | None:
    """The person's route for the current academic year (a cancelled one does not count)."""
    return (
        Route.objects.filter(teacher=person, academic_year=current_academic_year())
        .exclude(status=RouteStatus.CANCELLED)
        .first()
    )


def _final_event_status(route) -> str:
    """The card's mark for the final event: «выполнено»; «запланировано» while its dates (or the lack
    of them) leave it ahead; «не выполнено» only once its last day has passed unmarked."""
    if not route.final_event_title:
        return ""
    if route.final_event_done:
        return "выполнено"
    last_day = route.final_event_ends_on or route.final_event_starts_on
    if last_day is None or last_day >= timezone.localdate():
        return "запланировано"
    return "не выполнено"
