"""Courses of the Centre (issue 12): programmes (ДПП ПК, seminars, internships …), their groups
(cohorts) with sessions, enrolments with attendance and the final assessment, training records
(what a person completed, here or elsewhere) and certificates (удостоверения) in the register."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cnppm.jobs import JobRun
from cnppm.models import Organization, Person, Region, Subject
from diagnostics.models import CompetenceBlock

from .choices import (
    ACTIVE_STATUSES,
    AssessmentResult,
    CertificateStatus,
    DocumentKind,
    EnrolmentSource,
    EnrolmentStatus,
    FundingSource,
    GroupStatus,
    ProgrammeForm,
    ProgrammeKind,
    ProgrammeStatus,
    ProviderLevel,
    TrainingSource,
)


class Programme(models.Model):
    """A programme the region's teachers can take: a ДПП ПК (16–144 hours), a seminar, an internship,
    a webinar…, run by the Centre or another (regional or federal) organization, with the competences,
    subjects and deficit levels it suits and its completion rules."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="programmes", verbose_name="регион")
    title = models.CharField("название", max_length=500)
    kind = models.CharField("вид", max_length=20, choices=ProgrammeKind.choices)
    description = models.TextField("аннотация", blank=True)
    hours = models.PositiveIntegerField("объём, часов")
    form = models.CharField("форма обучения", max_length=20, choices=ProgrammeForm.choices)
    competences = models.ManyToManyField(
        CompetenceBlock, blank=True, related_name="programmes", verbose_name="компетенции"
    )
    subjects = models.ManyToManyField(
        Subject, blank=True, related_name="programmes", verbose_name="предметные области"
    )
    # Deficit levels the programme suits (seed 004, Table 1).
    for_high_deficit = models.BooleanField("для высокого уровня дефицита", default=True)
    for_medium_deficit = models.BooleanField("для среднего уровня дефицита", default=True)
    for_minimal_deficit = models.BooleanField("для минимального уровня дефицита", default=False)
    provider_level = models.CharField(
        "кто реализует", max_length=20, choices=ProviderLevel.choices, default=ProviderLevel.CENTRE
    )
    provider_organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_programmes",
        verbose_name="организация-исполнитель (из справочника)",
    )
    provider_name = models.CharField(
        "организация-исполнитель",
        max_length=500,
        blank=True,
        help_text="Полное наименование, если организации нет в справочнике (например, федеральной)",
    )
    in_federal_registry = models.BooleanField("в федеральном реестре ДПП", default=False)
    registry_number = models.CharField("номер в реестре", max_length=100, blank=True)
    document_kind = models.CharField(
        "выдаваемый документ",
        max_length=20,
        choices=DocumentKind.choices,
        default=DocumentKind.QUALIFICATION_CERTIFICATE,
    )
    # Completion rules.
    min_attendance_percent = models.PositiveSmallIntegerField(
        "доля посещённых занятий для завершения, %", default=80
    )
    requires_assessment = models.BooleanField("итоговая аттестация обязательна", default=True)
    funding_source = models.CharField(
        "источник финансирования",
        max_length=20,
        choices=FundingSource.choices,
        default=FundingSource.REGIONAL_BUDGET,
    )
    status = models.CharField(
        "статус", max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "программа"
        verbose_name_plural = "программы"
        ordering = ["title"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance_percent__lte=100), name="programme_attendance_percent_max_100"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def provider(self) -> str:
        """The provider as a document names it."""
        if self.provider_name:
            return self.provider_name
        if self.provider_organization_id:
            return self.provider_organization.full_name
        return ""

    @property
    def deficit_levels(self) -> list[str]:
        from diagnostics.choices import DeficitLevel

        pairs = (
            (self.for_high_deficit, DeficitLevel.HIGH),
            (self.for_medium_deficit, DeficitLevel.MEDIUM),
            (self.for_minimal_deficit, DeficitLevel.MINIMAL),
        )
        return [level.value for flag, level in pairs if flag]


class Group(models.Model):
    """A run (cohort) of a programme: dates, capacity, place or link, its course teachers (who see
    the group and mark attendance) and its organiser (who confirms enrolments with the operator)."""

    programme = models.ForeignKey(Programme, models.PROTECT, related_name="groups", verbose_name="программа")
    name = models.CharField("группа", max_length=200, help_text="Например, «Группа 1 (весна 2026)»")
    starts_on = models.DateField("начало обучения")
    ends_on = models.DateField("окончание обучения")
    capacity = models.PositiveIntegerField("мест")
    place = models.CharField("место проведения", max_length=500, blank=True)
    link = models.URLField("ссылка на занятия", blank=True)
    teachers = models.ManyToManyField(
        Person, blank=True, related_name="taught_course_groups", verbose_name="преподаватели курса"
    )
    organiser = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_course_groups",
        verbose_name="организатор курса",
    )
    status = models.CharField(
        "состояние", max_length=20, choices=GroupStatus.choices, default=GroupStatus.RECRUITING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "учебная группа"
        verbose_name_plural = "учебные группы"
        ordering = ["starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="group_dates_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.programme}: {self.name}"


class GroupSession(models.Model):
    """A session (занятие) of a group's schedule; attendance is marked per session."""

    group = models.ForeignKey(Group, models.CASCADE, related_name="sessions", verbose_name="группа")
    number = models.PositiveSmallIntegerField("№")
    date = models.DateField("дата")
    starts_at = models.TimeField("начало", null=True, blank=True)
    ends_at = models.TimeField("окончание", null=True, blank=True)
    topic = models.CharField("тема", max_length=500, blank=True)
    hours = models.PositiveSmallIntegerField("часов", default=2)
    place = models.CharField("место или ссылка (если иные, чем у группы)", max_length=500, blank=True)

    class Meta:
        verbose_name = "занятие"
        verbose_name_plural = "расписание занятий"
        ordering = ["group", "number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="session_unique_number")]

    def __str__(self):
        return f"Занятие {self.number} ({self.date:%d.%m.%Y})"


class Enrolment(models.Model):
    """A person's place in a group: asked for from an approved ИОМ activity or made by the operator;
    confirmed, waitlisted or cancelled; at the end completed or not (attendance, assessment).
    Transitions: courses/workflow.py; history: EnrolmentEvent."""

    scope_person_path = "person"

    group = models.ForeignKey(Group, models.PROTECT, related_name="enrolments", verbose_name="группа")
    person = models.ForeignKey(Person, models.PROTECT, related_name="enrolments", verbose_name="слушатель")
    status = models.CharField(
        "статус", max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.REQUESTED
    )
    source = models.CharField("основание", max_length=20, choices=EnrolmentSource.choices)
    route_activity = models.ForeignKey(
        "routes.RouteActivity",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name="мероприятие ИОМ",
    )
    # Waiting list order: who was put on it first is promoted first.
    waitlisted_at = models.DateTimeField("в листе ожидания с", null=True, blank=True)
    assessment_result = models.CharField(
        "итоговая аттестация",
        max_length=20,
        choices=AssessmentResult.choices,
        default=AssessmentResult.PENDING,
    )
    assessment_comment = models.CharField("комментарий к аттестации", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    created_at = models.DateTimeField("подано", default=timezone.now)
    confirmed_at = models.DateTimeField("зачислен", null=True, blank=True)
    finished_at = models.DateTimeField("обучение завершено", null=True, blank=True)

    class Meta:
        verbose_name = "зачисление"
        verbose_name_plural = "зачисления"
        ordering = ["group", "person__last_name", "person__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="enrolment_one_active_per_group",
            )
        ]
        indexes = [models.Index(fields=["group", "status"]), models.Index(fields=["person", "status"])]

    def __str__(self):
        return f"{self.person} — {self.group}"


class EnrolmentEvent(models.Model):
    """A status change of an enrolment: who moved it from what to what, when, why."""

    scope_person_path = "enrolment__person"

    enrolment = models.ForeignKey(Enrolment, models.CASCADE, related_name="events", verbose_name="зачисление")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    from_status = models.CharField("было", max_length=20, choices=EnrolmentStatus.choices, blank=True)
    to_status = models.CharField("стало", max_length=20, choices=EnrolmentStatus.choices)
    comment = models.TextField("комментарий", blank=True)
    at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "смена статуса зачисления"
        verbose_name_plural = "история зачислений"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class Attendance(models.Model):
    """Whether an enrolled person attended a session, and who marked it."""

    scope_person_path = "enrolment__person"

    session = models.ForeignKey(
        GroupSession, models.CASCADE, related_name="attendance", verbose_name="занятие"
    )
    enrolment = models.ForeignKey(
        Enrolment, models.CASCADE, related_name="attendance", verbose_name="слушатель"
    )
    present = models.BooleanField("присутствовал")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="отметил",
    )
    marked_at = models.DateTimeField("отмечено", default=timezone.now)

    class Meta:
        verbose_name = "посещение"
        verbose_name_plural = "посещаемость"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="attendance_unique_session_enrolment"
            )
        ]

    def __str__(self):
        return f"{self.session}: {'был' if self.present else 'не был'}"


class TrainingRecord(models.Model):
    """Training a person completed: a Centre course finished here, or external/archived training
    entered or imported. Counted at the organization the person belonged to at completion
    (TEACHERS_TRAINED), read by the card's «курсы за последние 3 года»."""

    scope_person_path = "person"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="training_records", verbose_name="слушатель"
    )
    programme = models.ForeignKey(
        Programme,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="training_records",
        verbose_name="программа (для курсов на портале)",
    )
    title = models.CharField("программа", max_length=500)
    kind = models.CharField("вид", max_length=20, choices=ProgrammeKind.choices, blank=True)
    provider = models.CharField("организация-исполнитель", max_length=500)
    hours = models.PositiveIntegerField("часов")
    starts_on = models.DateField("начало")
    ends_on = models.DateField("окончание")
    # Where the person worked when the training was completed: indicators count it there.
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        related_name="training_records",
        verbose_name="организация на дату окончания",
    )
    is_qualification_programme = models.BooleanField(
        "программа повышения квалификации (ДПП ПК)", default=True
    )
    by_federal_coordinator = models.BooleanField("обучение Федеральным координатором", default=False)
    source = models.CharField("откуда запись", max_length=20, choices=TrainingSource.choices)
    group = models.ForeignKey(
        Group, models.SET_NULL, null=True, blank=True, related_name="training_records", verbose_name="группа"
    )
    enrolment = models.OneToOneField(
        Enrolment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_record",
        verbose_name="зачисление",
    )
    # The Centre's certificate in force for this training (a duplicate replaces the original here).
    certificate = models.ForeignKey(
        "Certificate",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="удостоверение",
    )
    # A document issued elsewhere (external or archived training), as written on it.
    document_number = models.CharField(
        "документ (серия, номер), если выдан не ЦНППМ", max_length=100, blank=True
    )
    document_issued_on = models.DateField("дата выдачи документа", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )
    created_at = models.DateTimeField("внесено", default=timezone.now)

    class Meta:
        verbose_name = "запись об обучении"
        verbose_name_plural = "записи об обучении"
        ordering = ["-ends_on", "id"]
        indexes = [
            models.Index(fields=["person", "ends_on"]),
            models.Index(fields=["organization", "ends_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_dates_order"
            )
        ]

    def __str__(self):
        return f"{self.person}: {self.title}"


class Certificate(models.Model):
    """A document on training issued by the Centre (удостоверение о повышении квалификации): blank
    series and number, the registration number in the register (per region and year, without gaps),
    date, holder. A duplicate is a new row pointing at its original. Issued by
    courses.services.certificates (issue 12, certificates part)."""

    scope_person_path = "holder"

    region = models.ForeignKey(Region, models.PROTECT, related_name="certificates", verbose_name="регион")
    series = models.CharField("серия бланка", max_length=20, blank=True)
    number = models.CharField("номер бланка", max_length=30, blank=True)
    register_year = models.PositiveSmallIntegerField("год реестра")
    register_seq = models.PositiveIntegerField("порядковый номер в реестре")
    registration_number = models.CharField("регистрационный номер", max_length=50)
    issued_on = models.DateField("дата выдачи")
    holder = models.ForeignKey(
        Person, models.PROTECT, related_name="certificates", verbose_name="кому выдано"
    )
    # The holder's name as printed (the person's name may change later).
    holder_name = models.CharField("ФИО в документе", max_length=300)
    programme = models.ForeignKey(
        Programme,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name="программа",
    )
    training_record = models.ForeignKey(
        TrainingRecord, models.PROTECT, related_name="certificates", verbose_name="запись об обучении"
    )
    is_duplicate = models.BooleanField("дубликат", default=False)
    original = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name="оригинал"
    )
    status = models.CharField(
        "статус", max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_reason = models.TextField("основание смены статуса", blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="выдал",
    )
    created_at = models.DateTimeField("внесено", default=timezone.now)
    # The rendered PDF in the private storage (courses.services.certificates, CertificatePdfRun).
    pdf = models.CharField("файл PDF (в закрытом хранилище)", max_length=255, blank=True)
    pdf_rendered_at = models.DateTimeField("PDF сформирован", null=True, blank=True)

    class Meta:
        verbose_name = "удостоверение"
        verbose_name_plural = "реестр удостоверений"
        ordering = ["register_year", "register_seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "register_year", "register_seq"], name="certificate_unique_register_seq"
            ),
            models.UniqueConstraint(
                fields=["region", "registration_number"], name="certificate_unique_registration_number"
            ),
            models.UniqueConstraint(
                fields=["series", "number"], condition=~Q(number=""), name="certificate_unique_blank"
            ),
            models.UniqueConstraint(
                fields=["training_record"],
                condition=Q(is_duplicate=False),
                name="certificate_one_original_per_record",
            ),
            models.CheckConstraint(
                condition=Q(is_duplicate=False, original__isnull=True)
                | Q(is_duplicate=True, original__isnull=False),
                name="certificate_duplicate_has_original",
            ),
        ]

    def __str__(self):
        return f"№ {self.registration_number} от {self.issued_on:%d.%m.%Y}"


class CertificateCounter(models.Model):
    """The last number given in a region's register (series "") or of a blank series, per year.
    Issuing locks the row (SELECT … FOR UPDATE) and takes the next numbers in the same transaction:
    no gaps, no duplicates (courses.services.certificates)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="регион")
    series = models.CharField("серия (пусто — реестр)", max_length=20, blank=True)
    year = models.PositiveSmallIntegerField("год")
    last = models.PositiveIntegerField("последний выданный номер", default=0)

    class Meta:
        verbose_name = "счётчик номеров удостоверений"
        verbose_name_plural = "счётчики номеров удостоверений"
        constraints = [
            models.UniqueConstraint(fields=["region", "series", "year"], name="certificate_counter_unique")
        ]

    def __str__(self):
        return f"{self.series or 'реестр'} {self.year}: {self.last}"


class CertificatePdfRun(JobRun):
    """A batch of certificates whose PDFs a worker renders (courses.tasks_certificates), under the
    lease of cnppm.jobs: a killed worker's batch is taken over, certificates already rendered are
    skipped."""

    job_task = "courses.tasks_certificates.certificate_pdfs_render"

    certificate_ids = models.JSONField("удостоверения (id)", default=list)
    rendered = models.PositiveIntegerField("сформировано", default=0)
    created_at = models.DateTimeField("создано", default=timezone.now)

    class Meta:
        verbose_name = "формирование PDF удостоверений"
        verbose_name_plural = "формирование PDF удостоверений"
        ordering = ["-created_at"]

    def __str__(self):
        return f"PDF удостоверений: {len(self.certificate_ids)} ({self.get_status_display()})"
