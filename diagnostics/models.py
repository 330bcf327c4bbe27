"""Diagnostics of professional deficits: competence blocks, instruments with parallel variants,
items, attempts with saved answers, expert checks, and per-block results with deficit levels."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cnppm.models import Person, Subject

from .choices import (
    AttemptStatus,
    Audience,
    DeficitLevel,
    FinishReason,
    InstrumentKind,
    InstrumentStatus,
    ItemType,
)


class CompetenceBlock(models.Model):
    """A competence block (предметные, методические, … ИКТ; for managers: processes, resources …).
    Regions add their own, so the list is data. Self-analysis blocks are not scored into the %."""

    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("название", max_length=200)
    audience = models.CharField(
        "аудитория", max_length=20, choices=Audience.choices, default=Audience.TEACHERS
    )
    is_scored = models.BooleanField("входит в процент", default=True, help_text="Самоанализ не оценивается")
    order = models.PositiveIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "блок компетенций"
        verbose_name_plural = "блоки компетенций"
        ordering = ["audience", "order", "name"]

    def __str__(self):
        return self.name


class Instrument(models.Model):
    """A diagnostic work (диагностическая работа): audience, subject, blocks, limits, thresholds,
    availability window. Published with attempts it is frozen; a new version is made instead."""

    code = models.SlugField("код", max_length=60, unique=True)
    title = models.CharField("название", max_length=300)
    audience = models.CharField(
        "аудитория", max_length=20, choices=Audience.choices, default=Audience.TEACHERS
    )
    subject = models.ForeignKey(
        Subject,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
        verbose_name="предметная область",
    )
    blocks = models.ManyToManyField(CompetenceBlock, related_name="instruments", verbose_name="блоки")
    kind = models.CharField(
        "вид", max_length=10, choices=InstrumentKind.choices, default=InstrumentKind.ENTRY
    )
    time_limit_minutes = models.PositiveIntegerField("время, минут", default=120)
    pass_mark = models.DecimalField(
        "проходной балл, %", max_digits=5, decimal_places=2, default=Decimal("60")
    )
    # Deficit thresholds (seed 004 Table 1): below `threshold_medium` is high; up to and including
    # `threshold_minimal` is medium; above it minimal.
    threshold_medium = models.DecimalField(
        "порог среднего дефицита, %", max_digits=5, decimal_places=2, default=Decimal("60")
    )
    threshold_minimal = models.DecimalField(
        "порог минимального дефицита, %", max_digits=5, decimal_places=2, default=Decimal("80")
    )
    opens_at = models.DateTimeField("доступна с", null=True, blank=True)
    closes_at = models.DateTimeField("доступна по", null=True, blank=True)
    instructions = models.TextField("инструкция", blank=True)
    status = models.CharField(
        "статус", max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.DRAFT
    )
    version = models.PositiveIntegerField("версия", default=1)
    previous_version = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name="предыдущая версия",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "диагностическая работа"
        verbose_name_plural = "диагностические работы"
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def level_for(self, percent: Decimal | float | None) -> str | None:
        if percent is None:
            return None
        percent = Decimal(str(percent))
        if percent < self.threshold_medium:
            return DeficitLevel.HIGH
        if percent <= self.threshold_minimal:
            return DeficitLevel.MEDIUM
        return DeficitLevel.MINIMAL


class Variant(models.Model):
    """A parallel variant of an instrument; a participant takes exactly one."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="variants", verbose_name="работа")
    number = models.PositiveSmallIntegerField("номер")

    class Meta:
        verbose_name = "вариант"
        verbose_name_plural = "варианты"
        ordering = ["instrument", "number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="variant_unique_number")]

    def __str__(self):
        return f"{self.instrument.code}, вариант {self.number}"


class Item(models.Model):
    """A test item. `options` is what the browser may see (choices, matching sides, ordering
    elements); `key` is the answer key and never leaves the server before the attempt is finished."""

    variant = models.ForeignKey(Variant, models.CASCADE, related_name="items", verbose_name="вариант")
    block = models.ForeignKey(CompetenceBlock, models.PROTECT, related_name="items", verbose_name="блок")
    number = models.PositiveSmallIntegerField("номер")
    type = models.CharField("тип", max_length=20, choices=ItemType.choices)
    difficulty = models.PositiveSmallIntegerField(
        "уровень сложности",
        choices=[
            (1, "1 — знание"),
            (2, "2 — применение в типовой ситуации"),
            (3, "3 — применение в новой ситуации"),
        ],
        default=1,
    )
    topic = models.CharField("тема (затруднение при ошибке)", max_length=300)
    points = models.DecimalField("баллы", max_digits=6, decimal_places=2, default=Decimal("1"))
    stem = models.TextField("формулировка")
    image = models.ImageField("изображение", upload_to="items/", blank=True)
    options = models.JSONField("варианты ответа", default=dict, blank=True)
    key = models.JSONField("ключ", default=dict, blank=True)
    partial_credit = models.BooleanField("частичный балл", default=False)
    rubric = models.TextField("критерии оценивания (для развёрнутого ответа)", blank=True)

    class Meta:
        verbose_name = "задание"
        verbose_name_plural = "задания"
        ordering = ["variant", "number"]
        constraints = [models.UniqueConstraint(fields=["variant", "number"], name="item_unique_number")]

    def __str__(self):
        return f"№{self.number}: {self.stem[:60]}"


class ItemImportDraft(models.Model):
    """An uploaded item bank waiting for the operator's confirmation (issue 10.1): the stored file (in
    PRIVATE_MEDIA_ROOT), what the preview found in it (categories as Moodle reads them, questions of
    each kind per category, the ones left out and why) and the upload's options. Nothing of the bank
    is written until the operator confirms with a block for every category; then the draft becomes
    an ImportJob and is deleted."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+", verbose_name="работа")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="кто загрузил"
    )
    filename = models.CharField("имя файла", max_length=255, blank=True)
    path = models.CharField("файл (в закрытом хранилище)", max_length=255, blank=True)
    fmt = models.CharField("формат", max_length=16)
    default_variant = models.PositiveSmallIntegerField("вариант по умолчанию", default=1)
    replace = models.BooleanField("заменить прежние задания", default=False)
    preview = models.JSONField("предпросмотр", default=dict, blank=True)
    created_at = models.DateTimeField("загружено", default=timezone.now)

    class Meta:
        verbose_name = "загруженный банк заданий (до подтверждения)"
        verbose_name_plural = "загруженные банки заданий (до подтверждения)"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} → {self.instrument_id}"


class RetakeGrant(models.Model):
    """The operator's permission for another attempt, with the reason kept."""

    scope_person_path = "person"

    person = models.ForeignKey(Person, models.CASCADE, related_name="retake_grants", verbose_name="участник")
    instrument = models.ForeignKey(
        Instrument, models.CASCADE, related_name="retake_grants", verbose_name="работа"
    )
    reason = models.TextField("причина")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="разрешил"
    )
    granted_at = models.DateTimeField("разрешено", default=timezone.now)
    used_by = models.OneToOneField(
        "Attempt", models.SET_NULL, null=True, blank=True, related_name="retake_grant", verbose_name="попытка"
    )

    class Meta:
        verbose_name = "разрешение повторной попытки"
        verbose_name_plural = "разрешения повторных попыток"

    def __str__(self):
        return f"Повторная попытка: {self.person_id} → {self.instrument_id}"


class Attempt(models.Model):
    """A participant's attempt at an instrument, or an imported external result (is_external).
    Percent and level are filled when the result is final (all extended answers checked)."""

    scope_person_path = "person"

    person = models.ForeignKey(Person, models.PROTECT, related_name="attempts", verbose_name="участник")
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="attempts", verbose_name="работа")
    variant = models.ForeignKey(
        Variant, models.PROTECT, null=True, blank=True, related_name="attempts", verbose_name="вариант"
    )
    number = models.PositiveSmallIntegerField("номер попытки", default=1)
    # The organization at the time of the attempt: reports count people where they were.
    organization = models.ForeignKey(
        "cnppm.Organization", models.PROTECT, related_name="attempts", verbose_name="организация"
    )
    status = models.CharField(
        "статус", max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField("начата", default=timezone.now)
    deadline = models.DateTimeField("срок", null=True, blank=True)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)
    finish_reason = models.CharField("как завершена", max_length=20, choices=FinishReason.choices, blank=True)
    finalized_at = models.DateTimeField("результат готов", null=True, blank=True)
    # Rounded once from the exact points to six decimals; pages show one (half up).
    percent = models.DecimalField("результат, %", max_digits=10, decimal_places=6, null=True, blank=True)
    level = models.CharField("уровень дефицита", max_length=10, choices=DeficitLevel.choices, blank=True)
    is_external = models.BooleanField("внешняя диагностика", default=False)
    external_source = models.CharField("источник (для внешней)", max_length=200, blank=True)

    class Meta:
        verbose_name = "попытка"
        verbose_name_plural = "попытки"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "instrument", "number"], name="attempt_unique_number")
        ]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["instrument", "status"])]

    def __str__(self):
        return f"{self.person} — {self.instrument} (№{self.number})"


class Answer(models.Model):
    """An answer as saved; `points` is set by automatic scoring or by the expert."""

    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="answers", verbose_name="попытка")
    item = models.ForeignKey(Item, models.PROTECT, related_name="answers", verbose_name="задание")
    value = models.JSONField("ответ", null=True, blank=True)
    saved_at = models.DateTimeField("сохранён", default=timezone.now)
    # The points exactly, as a fraction (a partial-credit item answered 1 of 3: 1/3); `points` is the
    # same figure rounded half up, for lists and the admin. Scoring reads the fraction (`exact_points`).
    points = models.DecimalField("баллы", max_digits=12, decimal_places=6, null=True, blank=True)
    points_num = models.BigIntegerField("баллы: числитель", null=True, blank=True)
    # db_default: the autosave upsert writes answers in raw SQL.
    points_den = models.PositiveBigIntegerField("баллы: знаменатель", default=1, db_default=1)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="эксперт",
    )
    checked_at = models.DateTimeField("проверен", null=True, blank=True)
    expert_comment = models.TextField("комментарий эксперта", blank=True)

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        constraints = [models.UniqueConstraint(fields=["attempt", "item"], name="answer_unique_item")]
        indexes = [
            models.Index(fields=["checked_at"], name="answer_unchecked", condition=Q(checked_at__isnull=True))
        ]

    def __str__(self):
        return f"Ответ на задание {self.item_id} (попытка {self.attempt_id})"

    POINTS_FIELDS = ["points", "points_num", "points_den"]

    @property
    def exact_points(self):
        """The points as an exact fraction, or None when not scored yet."""
        from fractions import Fraction

        if self.points_num is None:
            return None if self.points is None else Fraction(self.points)
        return Fraction(self.points_num, self.points_den)

    def set_points(self, value) -> None:
        """Store points exactly (a Fraction, Decimal or int; None clears them)."""
        from .scoring import exact, round_half_up

        if value is None:
            self.points, self.points_num, self.points_den = None, None, 1
            return
        f = exact(value)
        self.points_num, self.points_den = f.numerator, f.denominator
        self.points = round_half_up(f, 6)


class BlockResult(models.Model):
    """The result of an attempt for one competence block: %, deficit level, missed topics.
    Routes fill card section 2 from it; monitoring counts deficit levels from it."""

    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="block_results", verbose_name="попытка")
    block = models.ForeignKey(CompetenceBlock, models.PROTECT, related_name="results", verbose_name="блок")
    percent = models.DecimalField("результат, %", max_digits=10, decimal_places=6)
    level = models.CharField("уровень дефицита", max_length=10, choices=DeficitLevel.choices)
    missed_topics = models.JSONField("затруднения", default=list, blank=True)

    class Meta:
        verbose_name = "результат по блоку"
        verbose_name_plural = "результаты по блокам"
        constraints = [models.UniqueConstraint(fields=["attempt", "block"], name="block_result_unique")]

    def __str__(self):
        return f"{self.block_id}: {self.percent} %"
