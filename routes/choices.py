from django.db import models


class ActivityKind(models.TextChoices):
    QUALIFICATION = "qualification", "ДПП повышения квалификации"
    RETRAINING = "retraining", "профессиональная переподготовка"
    SEMINAR = "seminar", "семинар"
    WEBINAR = "webinar", "вебинар"
    CONFERENCE = "conference", "конференция"
    INTERNSHIP = "internship", "стажировка"
    MASTER_CLASS = "master_class", "мастер-класс"
    WORKSHOP = "workshop", "практикум"
    ROUND_TABLE = "round_table", "круглый стол"
    CONSULTATION = "consultation", "консультация"
    OPEN_LESSON = "open_lesson", "открытый урок"
    SELF_STUDY = "self_study", "самообразование"


class ActivityLevel(models.TextChoices):
    FEDERAL = "federal", "федеральный"
    REGIONAL = "regional", "региональный"
    MUNICIPAL = "municipal", "муниципальный"
    INSTITUTIONAL = "institutional", "уровень ОО"


class ActivityFormat(models.TextChoices):
    IN_PERSON = "in_person", "очно"
    DISTANCE = "distance", "дистанционно"
    ONLINE = "online", "онлайн"


class RouteStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    SUBMITTED = "submitted", "на рассмотрении"
    RETURNED = "returned", "возвращён на доработку"
    APPROVED = "approved", "утверждён"
    IN_PROGRESS = "in_progress", "реализуется"
    COMPLETING = "completing", "завершается"
    COMPLETED = "completed", "завершён"
    CANCELLED = "cancelled", "отменён"


class Verdict(models.TextChoices):
    NO_CORRECTIONS = "no_corrections", "корректировки не требуются"
    MINOR = "minor", "незначительная доработка"
    MAJOR = "major", "существенная доработка"


class ActivityOutcome(models.TextChoices):
    PLANNED = "planned", "запланировано"
    DONE = "done", "выполнено"
    NOT_DONE = "not_done", "не выполнено"
