"""ИОМ route cards (seed 004, Appendix 4): the activity catalogue, the card with its sections,
activities with implementation monitoring, curator reviews, threaded comments, corrections and the
status-change log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cnppm.jobs import JobRun
from cnppm.models import Municipality, Organization, Person, Subject
from diagnostics.models import Attempt, CompetenceBlock

from .choices import ActivityFormat, ActivityKind, ActivityLevel, ActivityOutcome, RouteStatus, Verdict


class Activity(models.Model):
    """An entry of the catalogue (избыточный перечень мероприятий) that teachers choose from."""

    kind = models.CharField("вид", max_length=20, choices=ActivityKind.choices)
    title = models.CharField("название", max_length=500)
    description = models.TextField("описание", blank=True)
    competences = models.ManyToManyField(
        CompetenceBlock, related_name="activities", verbose_name="компетенции"
    )
    subjects = models.ManyToManyField(
        Subject, blank=True, related_name="activities", verbose_name="предметные области"
    )
    level = models.CharField("уровень", max_length=20, choices=ActivityLevel.choices)
    format = models.CharField("формат", max_length=20, choices=ActivityFormat.choices)
    organizer = models.CharField("организатор", max_length=300)
    municipality = models.ForeignKey(
        Municipality,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="муниципалитет (для муниципальных)",
    )
    starts_on = models.DateField("начало", null=True, blank=True)
    ends_on = models.DateField("окончание", null=True, blank=True)
    hours = models.PositiveIntegerField("часов", null=True, blank=True)
    in_federal_registry = models.BooleanField("в федеральном реестре ДПП", default=False)
    registry_number = models.CharField("номер в реестре", max_length=100, blank=True)
    audience = models.CharField("аудитория", max_length=300, blank=True)
    is_active = models.BooleanField("доступно для выбора", default=True)
    # A course of the Centre: the teacher who chooses this activity asks for the programme's next group.
    programme = models.ForeignKey(
        "courses.Programme",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="catalogue_activities",
        verbose_name="программа курса",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "мероприятие каталога"
        verbose_name_plural = "каталог мероприятий"
        ordering = ["starts_on", "title"]

    def __str__(self):
        return self.title


class Route(models.Model):
    """An individual educational route (ИОМ) card: one per participant per academic year."""

    scope_person_path = "teacher"

    teacher = models.ForeignKey(Person, models.PROTECT, related_name="routes", verbose_name="педагог")
    academic_year = models.PositiveSmallIntegerField(
        "учебный год (год начала)", help_text="2025 означает 2025/2026 учебный год"
    )
    # Where the teacher worked when the card was created: reports count routes there.
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="routes", verbose_name="организация"
    )
    entry_attempt = models.ForeignKey(
        Attempt,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="entry_routes",
        verbose_name="входная диагностика",
    )
    final_attempt = models.ForeignKey(
        Attempt,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="final_routes",
        verbose_name="итоговая диагностика",
    )
    status = models.CharField("статус", max_length=20, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    verdict = models.CharField(
        "последнее заключение куратора", max_length=20, choices=Verdict.choices, blank=True
    )
    # Section 1, snapshotted from the profile when the card is created.
    profile_snapshot = models.JSONField("сведения о педагоге (на дату создания)", default=dict)
    # Section 2, snapshotted from the entry diagnostics: [{block, name, percent, level, difficulties}].
    diagnostics_snapshot = models.JSONField("входная диагностика (на дату создания)", default=list)
    # Approval block: {"agreed": {position, organization, name, date}, "approved": {...}}.
    approval = models.JSONField("СОГЛАСОВАНО / УТВЕРЖДАЮ", default=dict, blank=True)
    educational_tasks = models.TextField("образовательные задачи", blank=True)
    final_event_title = models.CharField("итоговое публичное мероприятие", max_length=500, blank=True)
    final_event_level = models.CharField(
        "уровень итогового мероприятия", max_length=20, choices=ActivityLevel.choices, blank=True
    )
    final_event_starts_on = models.DateField("начало итогового мероприятия", null=True, blank=True)
    final_event_ends_on = models.DateField("окончание итогового мероприятия", null=True, blank=True)
    final_event_done = models.BooleanField("итоговое мероприятие проведено", default=False)
    conclusions = models.TextField("выводы (приложение 2)", blank=True)
    conclusions_signed_by_methodist = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="подпись регионального методиста",
    )
    conclusions_signed_by_head = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="подпись руководителя ОО",
    )
    # The date line of Appendix 2: set when the regional methodist signs the conclusions.
    conclusions_signed_at = models.DateTimeField("выводы подписаны", null=True, blank=True)
    conclusions_acknowledged_at = models.DateTimeField("ознакомлен с выводами", null=True, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)
    submitted_at = models.DateTimeField("впервые подан", null=True, blank=True)
    approved_at = models.DateTimeField("утверждён", null=True, blank=True)
    completed_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "ИОМ"
        verbose_name_plural = "ИОМ"
        ordering = ["-academic_year", "teacher__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "academic_year"],
                condition=~Q(status=RouteStatus.CANCELLED),
                name="route_one_per_year",
            )
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["academic_year", "status"])]

    def __str__(self):
        return f"ИОМ {self.teacher} {self.academic_year}/{self.academic_year + 1}"


class ActiveRouteActivityManager(models.Manager):
    """Activities still in the plan: a removed activity keeps its row (its comments and the
    references to it stay) but leaves the plan, the card, the PDF and every count."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class RouteActivity(models.Model):
    """An activity of a route (card section "activities"), from the catalogue or typed in, with
    implementation monitoring (done or not, reason, evidence). Removing it from the plan only marks
    it removed (`removed_at`): the curator's comments on it and the verdicts naming it are kept."""

    scope_person_path = "route__teacher"

    route = models.ForeignKey(Route, models.CASCADE, related_name="activities", verbose_name="ИОМ")
    catalogue_activity = models.ForeignKey(
        Activity,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="route_activities",
        verbose_name="из каталога",
    )
    title = models.CharField("мероприятие", max_length=500)
    kind = models.CharField("вид", max_length=20, choices=ActivityKind.choices, blank=True)
    competences = models.ManyToManyField(
        CompetenceBlock, blank=True, related_name="route_activities", verbose_name="формируемые компетенции"
    )
    level = models.CharField("уровень", max_length=20, choices=ActivityLevel.choices, blank=True)
    format = models.CharField("формат", max_length=20, choices=ActivityFormat.choices, blank=True)
    organizer = models.CharField("организатор", max_length=300, blank=True)
    starts_on = models.DateField("начало", null=True, blank=True)
    ends_on = models.DateField("окончание", null=True, blank=True)
    result_form = models.CharField("результат / форма представления", max_length=500, blank=True)
    outcome = models.CharField(
        "выполнение", max_length=20, choices=ActivityOutcome.choices, default=ActivityOutcome.PLANNED
    )
    not_done_reason = models.TextField("причина невыполнения", blank=True)
    evidence_url = models.URLField("подтверждение (ссылка)", blank=True)
    evidence_file = models.FileField("подтверждение (файл)", upload_to="evidence/%Y/", blank=True)
    # The activity's number on the card: given once, never reused or shifted by a removal.
    order = models.PositiveIntegerField("порядок", default=0)
    removed_at = models.DateTimeField("исключено из плана", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто исключил",
    )

    # The first manager is the default, and `route.activities` uses it: active activities only.
    objects = ActiveRouteActivityManager()
    all_objects = models.Manager()  # noqa: DJ012 (ruff takes the custom manager above for a field)

    class Meta:
        verbose_name = "мероприятие ИОМ"
        verbose_name_plural = "мероприятия ИОМ"
        ordering = ["route", "order", "id"]
        base_manager_name = "all_objects"

    def __str__(self):
        return self.title


class RouteReview(models.Model):
    """A curator's review of a submitted route: the verdict (seed 001 counts them) and a comment."""

    scope_person_path = "route__teacher"

    # A person's record on another person's object: never deleted with it.
    route = models.ForeignKey(Route, models.PROTECT, related_name="reviews", verbose_name="ИОМ")
    curator = models.ForeignKey(Person, models.PROTECT, related_name="reviews_given", verbose_name="куратор")
    verdict = models.CharField("заключение", max_length=20, choices=Verdict.choices)
    comment = models.TextField("комментарий", blank=True)
    created_at = models.DateTimeField("дата", default=timezone.now)

    class Meta:
        verbose_name = "экспертиза ИОМ куратором"
        verbose_name_plural = "экспертизы ИОМ кураторами"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_verdict_display()} ({self.created_at:%d.%m.%Y})"


class Comment(models.Model):
    """A threaded comment on a route or on one of its activities."""

    scope_person_path = "route__teacher"

    # Comments are the record of the review: another person's edit never deletes them.
    route = models.ForeignKey(Route, models.PROTECT, related_name="comments", verbose_name="ИОМ")
    activity = models.ForeignKey(
        RouteActivity,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name="мероприятие",
    )
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="replies", verbose_name="ответ на"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="автор"
    )
    text = models.TextField("текст")
    created_at = models.DateTimeField("дата", default=timezone.now)

    class Meta:
        verbose_name = "комментарий"
        verbose_name_plural = "комментарии"
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]


class Correction(models.Model):
    """Appendix 1, the corrections log: a change after approval, with the reason, who made and who
    signed it, and the teacher's acknowledgement."""

    scope_person_path = "route__teacher"

    route = models.ForeignKey(Route, models.PROTECT, related_name="corrections", verbose_name="ИОМ")
    created_at = models.DateTimeField("дата", default=timezone.now)
    reason = models.TextField("причина корректировки")
    description = models.TextField("что изменено", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="внёс"
    )
    signed_by = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="подпись регионального методиста",
    )
    acknowledged_at = models.DateTimeField("ознакомлен педагог", null=True, blank=True)

    class Meta:
        verbose_name = "корректировка ИОМ"
        verbose_name_plural = "лист корректировки ИОМ"
        ordering = ["created_at"]

    def __str__(self):
        return f"Корректировка от {self.created_at:%d.%m.%Y}: {self.reason[:60]}"


class RouteEvent(models.Model):
    """A status change of a route: who moved it from what to what, when, with a comment."""

    scope_person_path = "route__teacher"

    # No index of its own: (route, at) below starts with the route and serves every lookup by it;
    # a second index would cost one more write per status change (316,666 in a history import).
    route = models.ForeignKey(
        Route, models.CASCADE, related_name="events", verbose_name="ИОМ", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="кто"
    )
    from_status = models.CharField("было", max_length=20, choices=RouteStatus.choices, blank=True)
    to_status = models.CharField("стало", max_length=20, choices=RouteStatus.choices)
    comment = models.TextField("комментарий", blank=True)
    at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "смена статуса ИОМ"
        verbose_name_plural = "история статусов ИОМ"
        ordering = ["at", "id"]
        # A route's status at a period end (monitoring.indicators.status_at): its latest event
        # before the end by (route, at); whether any route changed since the end (Window.
        # status_moment, the EXISTS of status_at) by (at, route), a short range from the end
        # instead of reading every event.
        indexes = [
            models.Index(fields=["route", "at"], name="routes_event_route_at"),
            models.Index(fields=["at", "route"], name="routes_event_at_route"),
        ]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


def card_archive_storage():
    """Card archives hold personal data: they live outside MEDIA_ROOT (which /media/ serves to any
    signed-in user) and are downloaded only through the scoped view."""
    from routes.exports import private_storage

    return private_storage()


class CardArchiveRun(JobRun):
    """A background build of one ZIP with the ИОМ cards (PDF) of an organization or a municipality:
    who asked, for what scope, how it went, the file; its lifecycle (lease, heartbeat, attempts) comes
    from cnppm.jobs.JobRun."""

    job_task = "routes.tasks.card_archive_build"

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "формируется"
        DONE = "done", "готов"
        FAILED = "failed", "ошибка"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="card_archive_runs", verbose_name="заказал"
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="организация"
    )
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    academic_year = models.PositiveSmallIntegerField("учебный год", null=True, blank=True)
    status = models.CharField("состояние", max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(
        "архив", upload_to="card_archives/%Y/%m/", storage=card_archive_storage, blank=True
    )
    routes_total = models.PositiveIntegerField("карт к выгрузке", default=0)
    routes_done = models.PositiveIntegerField("карт выгружено", default=0)
    created_at = models.DateTimeField("заказан", default=timezone.now)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "архив карт ИОМ"
        verbose_name_plural = "архивы карт ИОМ"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(municipality__isnull=False),
                name="card_archive_has_scope",
            )
        ]

    def __str__(self):
        return f"Архив карт ИОМ: {self.scope_label}"

    @property
    def progress(self) -> int | None:
        """Percent of the cards zipped or laid out so far, while the archive is being built."""
        if self.status != self.Status.RUNNING or not self.routes_total:
            return None
        return min(100, self.routes_done * 100 // self.routes_total)

    @property
    def scope_label(self) -> str:
        if self.organization_id:
            return str(self.organization)
        return str(self.municipality)
