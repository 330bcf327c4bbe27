"""Choice sets of the Centre's courses (issue 12)."""

from django.db import models

# A programme's kind is the catalogue's kind (ДПП ПК, seminar, internship, webinar …): one list.
from routes.choices import ActivityKind as ProgrammeKind  # noqa: F401


class ProgrammeForm(models.TextChoices):
    IN_PERSON = "in_person", "очная"
    DISTANCE = "distance", "дистанционная"
    MIXED = "mixed", "смешанная (очно-дистанционная)"


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    OPEN = "open", "открыта"
    ARCHIVED = "archived", "в архиве"


class ProviderLevel(models.TextChoices):
    """Who runs the programme: the Centre itself, another regional organization, a federal one."""

    CENTRE = "centre", "ЦНППМ"
    REGIONAL = "regional", "другая организация региона"
    FEDERAL = "federal", "федеральная организация"


class DocumentKind(models.TextChoices):
    """The document a completed programme gives."""

    QUALIFICATION_CERTIFICATE = "qualification", "удостоверение о повышении квалификации"
    PARTICIPATION = "participation", "сертификат участника"
    NONE = "none", "без документа"


class GroupStatus(models.TextChoices):
    RECRUITING = "recruiting", "идёт набор"
    RUNNING = "running", "идёт обучение"
    FINISHED = "finished", "обучение завершено"
    CANCELLED = "cancelled", "отменена"


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", "заявка подана"
    CONFIRMED = "confirmed", "зачислен"
    WAITLISTED = "waitlisted", "в листе ожидания"
    CANCELLED = "cancelled", "отменено"
    COMPLETED = "completed", "обучение завершено"
    NOT_COMPLETED = "not_completed", "обучение не завершено"


# Statuses that hold a place in the group (count against capacity).
SEAT_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
# Statuses of a live enrolment: a person has at most one per group.
ACTIVE_STATUSES = (
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)


class EnrolmentSource(models.TextChoices):
    ROUTE = "route", "заявка из ИОМ"
    OPERATOR = "operator", "зачислен оператором"
    IMPORT = "import", "загружен из файла"


class AssessmentResult(models.TextChoices):
    PENDING = "pending", "не проводилась"
    PASSED = "passed", "зачтено"
    FAILED = "failed", "не зачтено"


class TrainingSource(models.TextChoices):
    """Where a training record came from."""

    COURSE = "course", "курс на портале"
    EXTERNAL = "external", "внешнее обучение (внесено)"
    IMPORT = "import", "загружено из архива"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "действительно"
    REPLACED = "replaced", "заменено дубликатом"
    ANNULLED = "annulled", "аннулировано"


class FundingSource(models.TextChoices):
    """Source of funding of the training (the programme's card). The ФИС ФРДО export folds the three
    budgets into the template's «Бюджетное обучение» (courses/frdo.py)."""

    REGIONAL_BUDGET = (
        "regional_budget",
        "за счёт бюджетных ассигнований бюджета субъекта Российской Федерации",
    )
    FEDERAL_BUDGET = "federal_budget", "за счёт бюджетных ассигнований федерального бюджета"
    LOCAL_BUDGET = "local_budget", "за счёт бюджетных ассигнований местного бюджета"
    PAID = "paid", "по договорам об оказании платных образовательных услуг"
