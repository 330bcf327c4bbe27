from django.db import models


class Audience(models.TextChoices):
    TEACHERS = "teachers", "педагоги"
    MANAGERS = "managers", "управленческие кадры"


class InstrumentKind(models.TextChoices):
    ENTRY = "entry", "входная"
    FINAL = "final", "итоговая"


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    PUBLISHED = "published", "опубликована"
    ARCHIVED = "archived", "в архиве"


class ItemType(models.TextChoices):
    SINGLE = "single", "один верный ответ"
    MULTIPLE = "multiple", "несколько верных ответов"
    MATCHING = "matching", "установление соответствия"
    ORDERING = "ordering", "установление последовательности"
    SHORT = "short", "краткий ответ"
    EXTENDED = "extended", "развёрнутый ответ"
    SELF_ANALYSIS = "self_analysis", "самоанализ (анкета)"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "выполняется"
    CHECKING = "checking", "на проверке у эксперта"
    FINAL = "final", "результат готов"


class FinishReason(models.TextChoices):
    SUBMITTED = "submitted", "завершена участником"
    TIMEOUT = "timeout", "истекло время"
    EXTERNAL = "external", "импорт внешнего результата"


class DeficitLevel(models.TextChoices):
    HIGH = "high", "высокий"
    MEDIUM = "medium", "средний"
    MINIMAL = "minimal", "минимальный / отсутствует"


# Seed 004, Table 1: the recommendation for each deficit level.
RECOMMENDATIONS = {
    DeficitLevel.HIGH: "Профессиональное развитие по технологии ИОМ",
    DeficitLevel.MEDIUM: "ИОМ или курсы повышения квалификации по предметным программам",
    DeficitLevel.MINIMAL: "Развитие через неформальное и информальное образование",
}
