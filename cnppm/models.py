"""The staff directory: regions, municipalities, organizations, people, roles, the support pool,
staff training, reference statistics, personal-data consent and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import (
    Education,
    ExperienceBand,
    ImportKind,
    ImportStatus,
    MunicipalityKind,
    OrganizationKind,
    QualificationCategory,
    Role,
    Sex,
    SupportKind,
    SupportRole,
)
from .jobs import JobRun


class User(AbstractUser):
    """A login. The person behind it is `Person` (one-to-one, via `user.person`)."""

    must_change_password = models.BooleanField(
        "должен сменить пароль", default=False, help_text="Выданный пароль нужно сменить при первом входе"
    )
    # Mirrors Person.consent_withdrawn_at on the row every request loads anyway (session or token): the
    # consent gate refuses a withdrawn user at once on every worker without a query or a cache.
    consent_withdrawn_at = models.DateTimeField(
        "согласие на обработку ПДн отозвано", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "учётная запись"
        verbose_name_plural = "учётные записи"


class Region(models.Model):
    """A subject of the Russian Federation served by one Centre."""

    name = models.CharField("название", max_length=200, unique=True)
    code = models.CharField("код", max_length=20, unique=True)
    timezone = models.CharField("часовой пояс", max_length=64, default="Europe/Moscow")

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Municipality(models.Model):
    """A municipal formation (МО), or the bucket for regional state organizations (ГОО)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="municipalities", verbose_name="регион")
    name = models.CharField("название", max_length=200)
    code = models.CharField("код", max_length=40, unique=True)
    kind = models.CharField("вид", max_length=20, choices=MunicipalityKind.choices)

    class Meta:
        verbose_name = "муниципальное образование"
        verbose_name_plural = "муниципальные образования"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name")]

    def __str__(self):
        return self.name


class Organization(models.Model):
    """An educational organization (ОО), the Centre itself or a municipal methodical service."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="organizations", verbose_name="муниципалитет"
    )
    full_name = models.CharField("полное наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=200)
    kind = models.CharField("тип", max_length=20, choices=OrganizationKind.choices)
    low_results = models.BooleanField("ШНОР (школа с низкими результатами)", default=False)

    class Meta:
        verbose_name = "организация"
        verbose_name_plural = "организации"
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "short_name"], name="organization_unique_short")
        ]

    def __str__(self):
        return self.short_name


class Subject(models.Model):
    """A subject area (physics … primary school, school heads, municipal services); data, not code."""

    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("название", max_length=200, unique=True)
    order = models.PositiveIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "предметная область"
        verbose_name_plural = "предметные области"
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Person(models.Model):
    """A person of the region's education system: card section 1 of the ИОМ (personal data, 152-ФЗ)."""

    # Scoping: access.restrict() reads this to find the person behind a row.
    scope_person_path = ""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name="учётная запись",
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="people", verbose_name="организация"
    )
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    email = models.EmailField("e-mail", blank=True)
    # What a certificate's entry in the federal register (ФИС ФРДО) needs (issue 12.4).
    birth_date = models.DateField("дата рождения", null=True, blank=True)
    sex = models.CharField("пол", max_length=6, choices=Sex.choices, blank=True)
    snils = models.CharField("СНИЛС", max_length=14, blank=True, help_text="ХХХ-ХХХ-ХХХ ХХ")
    citizenship = models.CharField(
        "гражданство (код ОКСМ)", max_length=3, blank=True, help_text="643 — Российская Федерация"
    )
    position = models.CharField("должность", max_length=200, blank=True)
    education = models.CharField("образование", max_length=30, choices=Education.choices, blank=True)
    experience_years = models.PositiveSmallIntegerField("педагогический стаж, лет", null=True, blank=True)
    qualification_category = models.CharField(
        "квалификационная категория",
        max_length=20,
        choices=QualificationCategory.choices,
        default=QualificationCategory.NONE,
    )
    attestation_date = models.DateField("дата аттестации", null=True, blank=True)
    courses_last_3_years = models.TextField("курсы повышения квалификации за последние 3 года", blank=True)
    academic_degree = models.CharField("учёная степень", max_length=200, blank=True)
    academic_title = models.CharField("звание", max_length=200, blank=True)
    awards = models.TextField("награды", blank=True)
    additional_info = models.TextField("дополнительная информация", blank=True)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="people", verbose_name="предметы")
    is_manager = models.BooleanField("управленческие кадры", default=False)
    # Set when the person withdraws consent (152-ФЗ ст. 9 ч. 2), cleared when they consent again: from
    # then on access.person_q hides them from everybody but themselves and computations leave them out.
    consent_withdrawn_at = models.DateTimeField(
        "согласие на обработку ПДн отозвано", null=True, blank=True, editable=False
    )
    # Set when the personal data were depersonalised after the withdrawal (152-ФЗ ст. 21 ч. 5,
    # cnppm.depersonalisation): the row stays for the counts, nothing on it names the person.
    depersonalised_at = models.DateTimeField(
        "персональные данные обезличены", null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "человек"
        verbose_name_plural = "люди"
        ordering = ["last_name", "first_name", "middle_name"]
        indexes = [models.Index(fields=["last_name", "first_name"]), models.Index(fields=["email"])]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="person_unique_email_when_given"
            )
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()

    @property
    def experience_band(self) -> str | None:
        return experience_band(self.experience_years)


def experience_band(years: int | None) -> str | None:
    """Seed 001 bands: under 5, 6–20, over 20 (5 itself counts with "under 5")."""
    if years is None:
        return None
    if years <= 5:
        return ExperienceBand.UNDER_5
    if years <= 20:
        return ExperienceBand.FROM_6_TO_20
    return ExperienceBand.OVER_20


class RoleAssignment(models.Model):
    """A role a person holds, with the scope it applies to (organization, municipality or region)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="roles", verbose_name="человек")
    role = models.CharField("роль", max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="организация"
    )
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    region = models.ForeignKey(
        Region, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="регион"
    )
    support_kind = models.CharField(
        "вид сопровождающего",
        max_length=20,
        choices=SupportKind.choices,
        blank=True,
        help_text="Для тьюторов и кураторов: сотрудник ЦНППМ, ГПХ или муниципальный",
    )
    subjects = models.ManyToManyField(
        Subject, blank=True, related_name="+", verbose_name="предметные области сопровождения"
    )
    created_at = models.DateTimeField("назначена", auto_now_add=True)

    class Meta:
        verbose_name = "роль"
        verbose_name_plural = "роли"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "organization", "municipality", "region"],
                name="role_assignment_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.person} — {self.get_role_display()}"


class SupportAssignment(models.Model):
    """A curator, tutor or mentor attached to a participant (teacher). Mentors carry the school
    order that fixed the pair. Ended assignments are kept (ended_at) for history and the reports."""

    scope_person_path = "person"

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="support_assignments", verbose_name="участник"
    )
    supporter = models.ForeignKey(
        Person, models.CASCADE, related_name="supported_assignments", verbose_name="сопровождающий"
    )
    role = models.CharField("роль", max_length=20, choices=SupportRole.choices)
    subject = models.ForeignKey(
        Subject, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="предметная область"
    )
    order_number = models.CharField("номер приказа", max_length=50, blank=True)
    order_date = models.DateField("дата приказа", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="назначил",
    )
    started_at = models.DateTimeField("начало", default=timezone.now)
    ended_at = models.DateTimeField("окончание", null=True, blank=True)

    class Meta:
        verbose_name = "закрепление сопровождающего"
        verbose_name_plural = "закрепления сопровождающих"
        constraints = [
            # One active curator, one active tutor, one active mentor per participant.
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=Q(ended_at__isnull=True),
                name="support_one_active_per_role",
            )
        ]
        indexes = [models.Index(fields=["supporter", "role"])]

    def __str__(self):
        return f"{self.get_role_display()} {self.supporter} → {self.person}"


class StaffTraining(models.Model):
    """A training record of a Centre staff member or a manager (programme, provider, hours, dates)."""

    scope_person_path = "person"

    person = models.ForeignKey(Person, models.CASCADE, related_name="trainings", verbose_name="сотрудник")
    programme = models.CharField("программа", max_length=500)
    provider = models.CharField("организатор обучения", max_length=300)
    hours = models.PositiveIntegerField("часов", default=0)
    starts_on = models.DateField("начало")
    ends_on = models.DateField("окончание")
    by_federal_coordinator = models.BooleanField("обучение Федеральным координатором", default=False)
    is_qualification_programme = models.BooleanField(
        "программа повышения квалификации (ДПП ПК)", default=True
    )

    class Meta:
        verbose_name = "обучение сотрудника"
        verbose_name_plural = "обучение сотрудников"
        ordering = ["-ends_on"]

    def __str__(self):
        return f"{self.person}: {self.programme}"


class ReferenceStatistic(models.Model):
    """Official figures for a municipality and year, from statistics, not from the roster
    (the denominator of 'share of all teachers'). Entered by the operator or imported."""

    municipality = models.ForeignKey(
        Municipality, models.CASCADE, related_name="statistics", verbose_name="муниципалитет"
    )
    year = models.PositiveSmallIntegerField("год")
    teachers_total = models.PositiveIntegerField("педагогов всего (официально)", null=True, blank=True)
    school_teachers_total = models.PositiveIntegerField("учителей школ", null=True, blank=True)
    schools_total = models.PositiveIntegerField("общеобразовательных организаций", null=True, blank=True)
    additional_total = models.PositiveIntegerField("организаций доп. образования", null=True, blank=True)
    vocational_total = models.PositiveIntegerField("организаций СПО", null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )
    entered_at = models.DateTimeField("внесено", auto_now=True)

    class Meta:
        verbose_name = "справочная статистика"
        verbose_name_plural = "справочная статистика"
        ordering = ["-year", "municipality__name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="refstat_unique")]

    def __str__(self):
        return f"{self.municipality}, {self.year}"


class OrganizationYearFact(models.Model):
    """Facts about an organization in a year that only people know (mentoring model implemented,
    management team trained), with who entered them."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="year_facts", verbose_name="организация"
    )
    year = models.PositiveSmallIntegerField("год")
    implements_mentoring = models.BooleanField("реализует целевую модель наставничества", default=False)
    management_team_trained = models.BooleanField("управленческая команда прошла ДПП ПК", default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )
    entered_at = models.DateTimeField("внесено", auto_now=True)

    class Meta:
        verbose_name = "показатель организации за год"
        verbose_name_plural = "показатели организаций за год"
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="orgfact_unique")]

    def __str__(self):
        return f"{self.organization}, {self.year}"


class ConsentDocument(models.Model):
    """A version of the personal-data consent text (152-ФЗ). Exactly one is current."""

    version = models.CharField("версия", max_length=20, unique=True)
    title = models.CharField("заголовок", max_length=300)
    text = models.TextField("текст")
    published_at = models.DateTimeField("опубликован", default=timezone.now)
    is_current = models.BooleanField("действующая редакция", default=False)

    class Meta:
        verbose_name = "текст согласия на обработку ПДн"
        verbose_name_plural = "тексты согласия на обработку ПДн"
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_consent"
            )
        ]

    def __str__(self):
        return f"{self.title} (ред. {self.version})"


class Consent(models.Model):
    """A user's consent to a version of the document; withdrawn consents are kept with the time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="consents")
    document = models.ForeignKey(
        ConsentDocument, models.PROTECT, related_name="consents", verbose_name="редакция"
    )
    given_at = models.DateTimeField("дано", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    withdrawn_at = models.DateTimeField("отозвано", null=True, blank=True)

    class Meta:
        verbose_name = "согласие на обработку ПДн"
        verbose_name_plural = "согласия на обработку ПДн"
        ordering = ["-given_at"]

    def __str__(self):
        return f"{self.user} — {self.document.version}"


class PersonalDataAccess(models.Model):
    """A logged read or export of personal data (152-ФЗ): who, what, how many records, when."""

    class Action(models.TextChoices):
        VIEW = "view", "просмотр"
        LIST = "list", "просмотр списка"
        EXPORT = "export", "выгрузка"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="кто"
    )
    action = models.CharField("действие", max_length=10, choices=Action.choices)
    object_type = models.CharField("что", max_length=100)
    object_id = models.CharField("идентификатор", max_length=64, blank=True)
    records = models.PositiveIntegerField("записей", default=1)
    person_ids = models.JSONField("чьи данные (id людей)", default=list, blank=True)
    path = models.CharField("адрес", max_length=500, blank=True)
    at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "доступ к персональным данным"
        verbose_name_plural = "журнал доступа к персональным данным"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_type} {self.object_id}".strip()


class AuditEvent(models.Model):
    """An event row: who changed what, old and new value, when, with a comment. Written by services
    in the same transaction as the change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    verb = models.CharField("действие", max_length=60)
    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    field = models.CharField("поле", max_length=100, blank=True)
    old_value = models.TextField("было", blank=True)
    new_value = models.TextField("стало", blank=True)
    comment = models.TextField("комментарий", blank=True)
    at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "событие"
        verbose_name_plural = "журнал событий"
        ordering = ["-at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.verb} {self.content_type_id}:{self.object_id}"


class Notification(models.Model):
    """An in-app notification (comments, verdicts, corrections); also e-mailed when configured."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name="кому"
    )
    text = models.CharField("текст", max_length=500)
    url = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text


class LoginLimit(models.Model):
    """A failed-password counter of one account from one client, or of one client (cnppm.auth_limits).
    Lives here only when the cache is down or there is no Redis; keys are digests, not names."""

    key = models.CharField("ключ", max_length=64, unique=True)
    failures = models.PositiveIntegerField("неудачных попыток", default=0)
    window_start = models.DateTimeField("начало окна", default=timezone.now)
    locked_until = models.DateTimeField("заблокировано до", null=True, blank=True)

    class Meta:
        verbose_name = "счётчик неудачных входов"
        verbose_name_plural = "счётчики неудачных входов"

    def __str__(self):
        return self.key


class ApiToken(models.Model):
    """An API token of a user. Only a digest of the key is stored; the key is shown once. It expires
    (API_TOKEN_TTL), its owner or an operator of the owner's region revokes it, and it dies with a
    password change (it carries the password's fingerprint) and at logout."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens", verbose_name="пользователь"
    )
    key_digest = models.CharField("отпечаток ключа", max_length=64, unique=True)
    prefix = models.CharField("начало ключа", max_length=8)
    password_fingerprint = models.CharField("отпечаток пароля", max_length=128)
    created_at = models.DateTimeField("создан", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)

    class Meta:
        verbose_name = "токен API"
        verbose_name_plural = "токены API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class ImportJob(JobRun):
    """One uploaded file imported by a Celery task (cnppm.tasks.import_job_run) under a lease
    (cnppm.jobs): the stored file (in PRIVATE_MEDIA_ROOT, deleted when the job ends), progress, and
    what came of it: a summary, or the errors (nothing written)."""

    job_task = "cnppm.tasks.import_job_run"

    kind = models.CharField("что загружается", max_length=16, choices=ImportKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="import_jobs", verbose_name="кто загрузил"
    )
    region = models.ForeignKey(
        Region, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="регион"
    )
    filename = models.CharField("имя файла", max_length=255, blank=True)
    path = models.CharField("файл (в закрытом хранилище)", max_length=255, blank=True)
    params = models.JSONField("параметры", default=dict, blank=True)
    status = models.CharField(
        "состояние", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    progress_done = models.PositiveIntegerField("прочитано строк", default=0)
    result = models.JSONField("итог", default=dict, blank=True)
    errors = models.JSONField("ошибки", default=list, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now)

    class Meta:
        verbose_name = "загрузка файла"
        verbose_name_plural = "загрузки файлов"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @classmethod
    def job_given_up(cls, pk) -> None:
        """Failed without its worker (cnppm.jobs sweeper or takeover): the uploaded file goes too."""
        from .import_jobs import discard_file

        discard_file(pk)
