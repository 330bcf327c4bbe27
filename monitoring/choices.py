from django.db import models


class IndicatorCode(models.TextChoices):
    F2 = "F2", "Доля педагогов, прошедших диагностику, с ИОМ"
    IOM_SHARE = "IOM_SHARE", "Доля педагогов с ИОМ от общего числа педагогов"
    ORG_COVERAGE = "ORG_COVERAGE", "Доля организаций, в которых есть хотя бы один ИОМ"
    SUPPORT_POOL = "SUPPORT_POOL", "Тьюторы и кураторы: состав и нагрузка"
    STAFF_FED_TRAINED = "STAFF_FED_TRAINED", "Доля сотрудников ЦНППМ, обученных Федеральным координатором"
    REGIONAL_EVENTS = "REGIONAL_EVENTS", "Региональные мероприятия, проведённые ЦНППМ"
    MGMT_TEAMS = "MGMT_TEAMS", "Доля ОО, управленческие команды которых прошли ДПП ПК"
    MENTORING = "MENTORING", "Доля ОО, реализующих целевую модель наставничества"
    TEACHERS_TRAINED = "TEACHERS_TRAINED", "Доля учителей, прошедших курсы повышения квалификации"


class IndicatorUnit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", "ед."
    RATIO = "ratio", "чел. на 1"


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", "квартал"
    HALF_YEAR = "half", "полугодие"
    YEAR = "year", "год"
    WAVE = "wave", "волна диагностики"


class ScopeLevel(models.TextChoices):
    REGION = "region", "регион"
    MUNICIPALITY = "municipality", "муниципалитет"
    ORGANIZATION = "organization", "организация"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "в очереди"
    RUNNING = "running", "выполняется"
    DONE = "done", "готово"
    FAILED = "failed", "ошибка"


class ReportKind(models.TextChoices):
    ANALYTIC = "analytic", "Аналитический отчёт об учёте ИОМ"
    QUARTERLY = "quarterly", "Ежеквартальный мониторинг показателей ЦНППМ"
    MUNICIPAL_LETTER = "municipal_letter", "Муниципальный мониторинг (письмо)"
    COMPARISON = "comparison", "Сравнение периодов мониторинга"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class ReportAudience(models.TextChoices):
    """Who a rendered report file is for: the full rendering names people; the aggregate one (for
    aggregate-only viewers such as the ministry) carries counts and suppresses small groups."""

    FULL = "full", "полный"
    AGGREGATE = "aggregate", "обезличенный"
