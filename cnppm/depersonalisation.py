"""Depersonalisation after a consent withdrawal (152-ФЗ ст. 21 ч. 5): within
settings.CONSENT_DESTRUCTION_DAYS of the withdrawal the operator destroys or depersonalises the
personal data unless another legal ground applies.

What goes: the names, birth date, СНИЛС, e-mail, sex, citizenship and every free-text field of the
profile, the same in the section 1 snapshot of the person's ИОМ cards, the login (deactivated, no
password, no e-mail, API tokens revoked), the stored card PDFs and the uploaded evidence files, the
values of profile edits in the event log, the IP addresses of the consents, the notifications.
What stays: the rows themselves (person, organization, routes, attempts, scores, training records),
so past indicators and counts do not move; the person is already outside every new computation
(access.consenting_q, the withdrawal stays recorded).

The legal ground kept: a holder of a certificate issued by the Centre stays in the federal register
(ФИС ФРДО, kept by law): the certificate rows (with the name as printed) and the fields the register
reads from the person (birth date, sex, СНИЛС, citizenship, education level) are kept, and the act says so.

The act is the event row (verb "pd_depersonalised", comment: what was kept and why) and
Person.depersonalised_at; operators see both on the page «Обезличивание персональных данных».
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .choices import QualificationCategory
from .models import ApiToken, AuditEvent, Consent, Notification, Organization, Person, User
from .services import event_record

logger = logging.getLogger(__name__)

VERB = "pd_depersonalised"
LABEL = "персональные данные обезличены"
DEPERSONALISED_LAST_NAME = "Обезличено"

# What the federal register of training documents reads from the holder (courses/frdo.py).
FRDO_FIELDS = ("birth_date", "sex", "snils", "citizenship", "education")
# The profile's identity and free-text fields and what each becomes.
CLEARED = {
    "middle_name": "",
    "email": "",
    "position": "",
    "education": "",
    "experience_years": None,
    "qualification_category": QualificationCategory.NONE,
    "attestation_date": None,
    "courses_last_3_years": "",
    "academic_degree": "",
    "academic_title": "",
    "awards": "",
    "additional_info": "",
    "birth_date": None,
    "sex": "",
    "snils": "",
    "citizenship": "",
}
# Keys of a route's section 1 snapshot that describe the place, not the person: kept.
SNAPSHOT_KEPT = ("organization", "organization_short", "municipality", "region", "subjects", "is_manager")


def destruction_deadline(withdrawn_at: datetime | None) -> datetime | None:
    """The last moment the data may be kept after the withdrawal."""
    if withdrawn_at is None:
        return None
    return withdrawn_at + timedelta(days=settings.CONSENT_DESTRUCTION_DAYS)


def due_people(now: datetime | None = None):
    """People whose withdrawal is older than the term and who have not consented again (consent
    again clears consent_withdrawn_at) nor been depersonalised yet."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONSENT_DESTRUCTION_DAYS)
    return Person.objects.filter(
        consent_withdrawn_at__isnull=False, consent_withdrawn_at__lte=cutoff, depersonalised_at__isnull=True
    ).order_by("pk")


def depersonalise_due(now: datetime | None = None) -> int:
    """Depersonalise everybody due (the daily beat task and `manage.py depersonalise_withdrawn`).
    One transaction per person: a failure leaves the others done and this one for tomorrow."""
    done = 0
    for pk in list(due_people(now).values_list("pk", flat=True)):
        try:
            if person_depersonalise(person_id=pk, now=now):
                done += 1
        except Exception:
            logger.exception("depersonalisation of person %s failed", pk)
    return done


@transaction.atomic
def person_depersonalise(*, person_id: int, now: datetime | None = None) -> bool:
    """Depersonalise one person if still due (locked and checked again: a consent given meanwhile or
    a concurrent run leaves the row alone). Returns whether it did."""
    now = now or timezone.now()
    person = due_people(now).select_for_update().filter(pk=person_id).first()
    if person is None:
        return False
    from courses.models import Certificate

    certificates = list(
        Certificate.objects.filter(holder=person)
        .order_by("register_year", "register_seq")
        .values_list("registration_number", flat=True)
    )
    cleared = dict(CLEARED)
    if certificates:
        for name in FRDO_FIELDS:
            cleared.pop(name)
    for name, value in cleared.items():
        setattr(person, name, value)
    person.last_name = DEPERSONALISED_LAST_NAME
    person.first_name = f"№ {person.pk}"
    person.depersonalised_at = now
    person.save()
    person.subjects.clear()

    archives = _card_archives_delete(person)
    _routes_depersonalise(person)
    files = _evidence_files_delete(person)
    _events_depersonalise(person, fields=[*cleared, "last_name", "first_name"])
    if person.user_id:
        _login_disable(person.user_id)

    if certificates:
        kept = (
            "Сохранены сведения для ФИС ФРДО (реестр ведётся по закону, ст. 98 ФЗ «Об образовании»): "
            f"удостоверения № {', '.join(certificates)} с ФИО в документе, дата рождения, пол, СНИЛС, "
            "гражданство, уровень образования."
        )
    else:
        kept = "Сведений, которые требуется хранить по закону, нет."
    event_record(
        actor=None,
        target=person,
        verb=VERB,
        new=f"{now:%d.%m.%Y}",
        comment=f"{LABEL.capitalize()} {now:%d.%m.%Y} (согласие отозвано "
        f"{timezone.localtime(person.consent_withdrawn_at):%d.%m.%Y}). Удалено файлов: {files}, "
        f"архивов карт ИОМ: {archives}. {kept}",
    )
    return True


def _routes_depersonalise(person: Person) -> None:
    """The cards' section 1 loses what names or describes the person; their stored PDFs go."""
    from routes.card_pdf import stored_dir
    from routes.exports import private_storage
    from routes.models import Route
    from routes.selectors import profile_snapshot

    blank = profile_snapshot(person, subjects=[])
    storage = private_storage()
    for route in Route.objects.filter(teacher=person).only("pk", "profile_snapshot"):
        old = route.profile_snapshot or {}
        snapshot = {**blank, **{k: old[k] for k in SNAPSHOT_KEPT if k in old}}
        Route.objects.filter(pk=route.pk).update(profile_snapshot=snapshot)
        path = stored_dir(storage, route.pk)
        # The files are removed after the commit: a rolled back run keeps them with the data.
        transaction.on_commit(lambda p=path: shutil.rmtree(p, ignore_errors=True))


ARCHIVE_DELETED = (
    "Файл удалён: в архиве были карты ИОМ педагога, чьи персональные данные обезличены. "
    "Закажите архив заново."
)


def _card_archives_delete(person: Person) -> int:
    """Card archives (ZIP of PDF cards) built for an organization where the person's routes were
    made, or for its municipality, hold the person's cards as they were, with the name: their files
    go (after the commit), the runs stay with `ARCHIVE_DELETED` as the reason. Returns how many."""
    from routes.exports import private_storage
    from routes.models import CardArchiveRun, Route

    orgs = set(Route.objects.filter(teacher=person).values_list("organization_id", flat=True))
    if not orgs:
        return 0
    munis = set(Organization.objects.filter(pk__in=orgs).values_list("municipality_id", flat=True))
    runs = CardArchiveRun.objects.filter(Q(organization_id__in=orgs) | Q(municipality_id__in=munis)).exclude(
        file=""
    )
    names = list(runs.values_list("file", flat=True))
    runs.update(file="", error=ARCHIVE_DELETED)
    storage = private_storage()

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
    return len(names)


def _evidence_files_delete(person: Person) -> int:
    """The evidence uploaded on the person's route activities (the rows stay, marked done or not)."""
    from routes.models import RouteActivity

    activities = list(
        RouteActivity.all_objects.filter(route__teacher=person).filter(
            ~Q(evidence_file="") | ~Q(evidence_url="")
        )
    )
    names = [a.evidence_file.name for a in activities if a.evidence_file]
    if activities:
        RouteActivity.all_objects.filter(pk__in=[a.pk for a in activities]).update(
            evidence_file="", evidence_url=""
        )
    if names:
        storage = activities[0].evidence_file.storage

        def delete():
            for name in names:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("evidence file %s could not be deleted", name, exc_info=True)

        transaction.on_commit(delete)
    return len(names)


def _events_depersonalise(person: Person, *, fields) -> None:
    """Profile edits in the event log carried the values: they go, the fact of the edit stays."""
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk), field__in=fields
    )
    events.update(old_value="", new_value="")


def _login_disable(user_id: int) -> None:
    """No sign-in any more: inactive, no usable password, no e-mail, no tokens, no notifications."""
    from allauth.account.models import EmailAddress

    user = User.objects.get(pk=user_id)
    user.username = f"depersonalised-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user_id=user_id).delete()
    ApiToken.objects.filter(user_id=user_id).delete()
    Notification.objects.filter(recipient_id=user_id).delete()
    Consent.objects.filter(user_id=user_id).update(ip_address=None)
    AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
    ).exclude(field="").update(old_value="", new_value="")


def depersonalisation_rows(people):
    """The act: for the people given (scoped by the caller through cnppm.access), withdrawn and
    pending with the deadline, or depersonalised with the date and the event's note."""
    rows = list(
        people.filter(consent_withdrawn_at__isnull=False)
        .annotate(org=F("organization__short_name"))
        .order_by("-depersonalised_at", "consent_withdrawn_at", "pk")
        .values("pk", "org", "consent_withdrawn_at", "depersonalised_at")
    )
    notes = dict(
        AuditEvent.objects.filter(
            verb=VERB,
            content_type=ContentType.objects.get_for_model(Person),
            object_id__in=[str(r["pk"]) for r in rows if r["depersonalised_at"]],
        ).values_list("object_id", "comment")
    )
    for row in rows:
        row["deadline"] = destruction_deadline(row["consent_withdrawn_at"])
        row["note"] = notes.get(str(row["pk"]), "")
    return rows
