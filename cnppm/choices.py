"""Choice sets of the staff directory."""

from django.db import models


class MunicipalityKind(models.TextChoices):
    CITY_OKRUG = "city_okrug", "городской округ"
    MUNICIPAL_OKRUG = "municipal_okrug", "муниципальный округ"
    DISTRICT = "district", "муниципальный район"
    REGIONAL_STATE = "regional_state", "государственные ОО региона (ГОО)"


class OrganizationKind(models.TextChoices):
    SCHOOL = "school", "общеобразовательная организация"
    ADDITIONAL = "additional", "организация дополнительного образования"
    VOCATIONAL = "vocational", "профессиональная образовательная организация (СПО)"
    CENTRE = "centre", "ЦНППМ"
    METHODICAL_SERVICE = "mms", "муниципальная методическая служба"
    # The regional ministry (орган исполнительной власти в сфере образования): its staff are not the Centre's.
    AUTHORITY = "authority", "орган управления образованием"


class Education(models.TextChoices):
    HIGHER = "higher", "высшее"
    SECONDARY_VOCATIONAL = "secondary_vocational", "среднее профессиональное"
    OTHER = "other", "иное"


class QualificationCategory(models.TextChoices):
    HIGHEST = "highest", "высшая"
    FIRST = "first", "первая"
    CONFORMITY = "conformity", "соответствие занимаемой должности"
    NONE = "none", "без категории"


class Sex(models.TextChoices):
    """As the federal register of documents on training (ФИС ФРДО) records it."""

    MALE = "male", "мужской"
    FEMALE = "female", "женский"


class ExperienceBand(models.TextChoices):
    """Bands the reports use for pedagogical experience (seed 001)."""

    UNDER_5 = "under_5", "до 5 лет"
    FROM_6_TO_20 = "6_20", "от 6 до 20 лет"
    OVER_20 = "over_20", "свыше 20 лет"


class Role(models.TextChoices):
    TEACHER = "teacher", "педагог"
    MENTOR = "mentor", "наставник"
    SCHOOL_HEAD = "school_head", "руководитель ОО"
    MUNICIPAL_METHODIST = "municipal_methodist", "представитель ММС"
    CURATOR = "curator", "куратор ИОМ"
    TUTOR = "tutor", "тьютор"
    EXPERT = "expert", "эксперт"
    REGIONAL_METHODIST = "regional_methodist", "региональный методист"
    OPERATOR = "operator", "оператор ЦНППМ"
    MINISTRY = "ministry", "министерство"
    # The ministry of the federation, the Academy: every region's aggregates side by side, no person.
    FEDERAL = "federal", "федеральный уровень (Минпросвещения, Академия)"


class ScopeLevel(models.TextChoices):
    SELF = "self", "свои данные"
    ASSIGNED = "assigned", "закреплённые педагоги"
    ORGANIZATION = "organization", "организация"
    MUNICIPALITY = "municipality", "муниципалитет"
    REGION = "region", "регион"
    AGGREGATE = "aggregate", "только сводные данные региона"
    FEDERAL = "federal", "только сводные данные всех регионов"
    CHECKS = "checks", "назначенные проверки"


# What each role's scope is, in one place (DOMAIN.md "People and roles").
ROLE_SCOPE: dict[str, str] = {
    Role.TEACHER: ScopeLevel.SELF,
    Role.MENTOR: ScopeLevel.ASSIGNED,
    Role.CURATOR: ScopeLevel.ASSIGNED,
    Role.TUTOR: ScopeLevel.ASSIGNED,
    Role.SCHOOL_HEAD: ScopeLevel.ORGANIZATION,
    Role.MUNICIPAL_METHODIST: ScopeLevel.MUNICIPALITY,
    Role.REGIONAL_METHODIST: ScopeLevel.REGION,
    Role.OPERATOR: ScopeLevel.REGION,
    Role.MINISTRY: ScopeLevel.AGGREGATE,
    Role.FEDERAL: ScopeLevel.FEDERAL,
    Role.EXPERT: ScopeLevel.CHECKS,
}


class SupportKind(models.TextChoices):
    """Who a tutor or curator is employed by; the reports count the pool by kind (seed 000)."""

    CENTRE_STAFF = "centre_staff", "сотрудник ЦНППМ"
    CIVIL_CONTRACT = "civil_contract", "по договору ГПХ"
    MUNICIPAL = "municipal", "муниципальный"


class SupportRole(models.TextChoices):
    CURATOR = "curator", "куратор"
    TUTOR = "tutor", "тьютор"
    MENTOR = "mentor", "наставник"


class ImportKind(models.TextChoices):
    """What an import job loads (each kind has its runner in cnppm/import_jobs.py)."""

    ROSTER = "roster", "Реестр педагогов и сотрудников"
    STRUCTURE = "structure", "Структура региона"
    CATALOGUE = "catalogue", "Каталог мероприятий"
    ITEMS = "items", "Банк заданий"
    RESULTS = "results", "Внешние результаты диагностики"
    REFERENCE = "reference", "Справочная статистика"
    # Courses of the Centre (issue 12.6): programmes, groups with their participants, past training.
    PROGRAMMES = "programmes", "Программы курсов"
    GROUPS = "groups", "Группы курсов и их слушатели"
    TRAININGS = "trainings", "Пройденное обучение прошлых лет"
    # History before the portal (issue 10.2): diagnostics and routes with their dates, regional events,
    # training of the Centre's staff.
    HISTORY = "history", "История: диагностика и ИОМ прошлых лет"
    EVENTS = "events", "Региональные мероприятия"
    STAFF_TRAINING = "staff_training", "Обучение сотрудников ЦНППМ"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "В очереди"
    RUNNING = "running", "Выполняется"
    DONE = "done", "Выполнено"
    FAILED = "failed", "Не загружено"
